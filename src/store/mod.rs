//! The keyspace: values, expiry, and the handle shared by connections.

pub mod db;
pub mod value;

pub use db::{Db, Entry};
pub use value::{Score, Value, ZSet};
