//! Throughput of the RDB reader and writer against redis-server on the same 1,000,000 keys.
//! A measurement, not a test: run it with `cargo run --release --example rdb_perf`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use rkv::persist::rdb::{self, RdbAux};
use std::time::Instant;

fn main() {
    let g = common::redis_server(&["--enable-debug-command", "yes"]);
    let mut con = g.client();
    // DEBUG POPULATE: keys "key:N" with values "value:N".
    redis::cmd("DEBUG")
        .arg("POPULATE")
        .arg(1_000_000)
        .query::<()>(&mut con)
        .unwrap();
    let t = Instant::now();
    redis::cmd("SAVE").query::<()>(&mut con).unwrap();
    let redis_save = t.elapsed();
    let t = Instant::now();
    redis::cmd("DEBUG")
        .arg("RELOAD")
        .query::<()>(&mut con)
        .unwrap();
    let redis_reload = t.elapsed();

    let path = g.path().join("dump.rdb");
    let size = std::fs::metadata(&path).unwrap().len();
    let t = Instant::now();
    let (db, _) = rdb::load_file(&path).unwrap().unwrap();
    let our_read = t.elapsed();
    assert_eq!(db.len(), 1_000_000);

    let ours = g.path().join("ours.rdb");
    let t = Instant::now();
    rdb::save_atomic(&ours, &db, &RdbAux::default()).unwrap();
    let our_write = t.elapsed();

    eprintln!(
        "1M keys, redis file {size} bytes: redis SAVE {redis_save:?}, redis DEBUG RELOAD (save+load) \
         {redis_reload:?}; rkv read {our_read:?}, rkv save_atomic {our_write:?}"
    );
}
