//! The keyspace: values, expiry, and the handle shared by connections.

pub mod db;
pub mod glob;
pub mod ldouble;
pub mod stream;
pub mod value;

pub use db::{Db, Entry, ExpiryCheck, Stats};
pub use value::{Score, Value, ZSet};
