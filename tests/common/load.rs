//! The write load the switchover tests run under: one client writing `SET k:i i` back to back,
//! recording every acknowledged i and the longest gap between two acknowledgements; on any
//! error (READONLY after the switch, a closed connection) it finds the master again by asking
//! every node for its ROLE, and carries on. The mixed load ([`start_load_mixed`]) writes the
//! same keys in turn by a plain SET, a Lua script and a MULTI/EXEC transaction: before Redis
//! 6.0 a script is not refused by `min-slaves-to-write`, and a transaction runs its queue at
//! EXEC, so the fence alone does not stop them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running write load.
pub struct Load {
    stop: Arc<AtomicBool>,
    count: Arc<AtomicU64>,
    handle: JoinHandle<(Vec<u64>, Duration)>,
}

impl Load {
    /// Wait until at least `n` writes have been acknowledged (a test's "the load is under
    /// way", instead of a sleep that a busy machine can outlast).
    pub fn wait_acked(&self, n: u64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.acked_count() < n {
            assert!(
                Instant::now() < deadline,
                "the load had {} acknowledged writes after 30 s, waiting for {n}",
                self.acked_count()
            );
            assert!(!self.handle.is_finished(), "the load stopped");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// How many writes have been acknowledged so far.
    pub fn acked_count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Stop writing; the acknowledged writes in order and the longest gap between two.
    pub fn finish(self) -> (Vec<u64>, Duration) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

/// The node among `ports` that answers ROLE `master`, with a connection to it.
pub fn find_master(ports: &[u16]) -> Option<(u16, redis::Connection)> {
    for &p in ports {
        let Ok(c) = redis::Client::open(format!("redis://127.0.0.1:{p}/")) else {
            continue;
        };
        let Ok(mut c) = c.get_connection_with_timeout(Duration::from_millis(500)) else {
            continue;
        };
        let _ = c.set_read_timeout(Some(Duration::from_secs(15)));
        let role: Result<Vec<redis::Value>, _> = redis::cmd("ROLE").query(&mut c);
        if let Ok(r) = role
            && matches!(r.first(), Some(redis::Value::BulkString(b)) if b == b"master")
        {
            return Some((p, c));
        }
    }
    None
}

/// Start writing `SET k:i i` to whichever of `ports` is master.
pub fn start_load(ports: Vec<u16>) -> Load {
    start(ports, false)
}

/// Start writing `k:i = i` to whichever of `ports` is master, by SET, EVAL and MULTI/EXEC in
/// turn.
#[allow(dead_code)] // Not every test binary that includes this module uses it.
pub fn start_load_mixed(ports: Vec<u16>) -> Load {
    start(ports, true)
}

/// Write `k:i = i`: by SET, or (mixed) by SET, a script or a transaction as `i % 3` says.
fn write(c: &mut redis::Connection, i: u64, mixed: bool) -> redis::RedisResult<()> {
    let key = format!("k:{i}");
    match (mixed, i % 3) {
        (true, 1) => redis::cmd("EVAL")
            .arg("return redis.call('SET', KEYS[1], ARGV[1])")
            .arg(1)
            .arg(&key)
            .arg(i)
            .query::<redis::Value>(c)
            .map(drop),
        (true, 2) => redis::pipe()
            .atomic()
            .cmd("SET")
            .arg(&key)
            .arg(i)
            .ignore()
            .query(c),
        _ => redis::cmd("SET").arg(&key).arg(i).query(c),
    }
}

fn start(ports: Vec<u16>, mixed: bool) -> Load {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    let handle = std::thread::spawn(move || {
        let mut acked = Vec::new();
        let mut longest = Duration::ZERO;
        let mut last = Instant::now();
        let mut current = find_master(&ports).expect("a master to write to");
        let mut i: u64 = 0;
        while !flag.load(Ordering::Relaxed) {
            i += 1;
            match write(&mut current.1, i, mixed) {
                Ok(()) => {
                    acked.push(i);
                    counter.fetch_add(1, Ordering::Relaxed);
                    longest = longest.max(last.elapsed());
                    last = Instant::now();
                }
                Err(_) => {
                    // Long enough for a re-run after rkv was killed with no master left.
                    let deadline = Instant::now() + Duration::from_secs(60);
                    loop {
                        if let Some(m) = find_master(&ports) {
                            current = m;
                            break;
                        }
                        assert!(Instant::now() < deadline, "no master to write to");
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
            }
        }
        (acked, longest)
    });
    Load {
        stop,
        count,
        handle,
    }
}
