//! Persistence commands: SAVE, BGSAVE, LASTSAVE, SHUTDOWN, and the snapshot and AOF starts
//! they share with the server's timers and CONFIG SET.

use crate::resp::Frame;
use crate::server::client::{Call, Outcome};
use crate::server::exec::{err, lower};
use crate::server::state::{Shared, State, now_ms, snapshot_db};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// LASTSAVE.
pub fn lastsave(c: Call<'_>) -> Outcome {
    Outcome::Reply(Frame::Integer(
        i64::try_from(c.state.persist.last_save_unix).unwrap_or(i64::MAX),
    ))
}

/// SAVE: a snapshot in the foreground, under the lock.
pub fn save(c: Call<'_>) -> Outcome {
    if c.state.persist.bgsave_in_progress {
        return err("ERR Background save already in progress");
    }
    match save_now(c.state) {
        Ok(()) => Outcome::Reply(Frame::ok()),
        Err(e) => {
            tracing::error!("SAVE failed: {e}");
            err("ERR")
        }
    }
}

/// BGSAVE [SCHEDULE].
pub fn bgsave(c: Call<'_>) -> Outcome {
    let argv = &c.argv;
    if argv.len() > 2 || (argv.len() == 2 && !argv[1].eq_ignore_ascii_case(b"schedule")) {
        return err("ERR syntax error");
    }
    match start_bgsave(c.shared, c.state) {
        Ok(()) => Outcome::Reply(Frame::Simple("Background saving started".into())),
        Err(e) => err(e),
    }
}

/// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE].
pub fn shutdown(c: Call<'_>) -> Outcome {
    let mut save: Option<bool> = None;
    for a in &c.argv[1..] {
        match lower(a).as_str() {
            "nosave" => save = Some(false),
            "save" => save = Some(true),
            "now" | "force" => {}
            "abort" => return err("ERR No shutdown in progress."),
            _ => return err("ERR syntax error"),
        }
    }
    let want = save.unwrap_or(!c.state.config.save.is_empty());
    if want {
        if let Err(e) = save_now(c.state) {
            tracing::error!("error saving before SHUTDOWN: {e}");
            return err("ERR Errors trying to SHUTDOWN. Check logs.");
        }
        c.state.persist.last_save_unix = crate::server::state::now_ms() / 1000;
    }
    tracing::info!("SHUTDOWN requested by a client, exiting");
    c.shared.request_shutdown();
    Outcome::Shutdown
}

/// Turn the AOF on while running: write the dataset as commands to a new file, then append.
pub fn start_aof(state: &mut State) -> std::io::Result<()> {
    use crate::persist::aof::AofWriter;
    let path = state.aof_path();
    let tmp = path.with_extension("aof.rewrite");
    let _ = std::fs::remove_file(&tmp);
    {
        let mut w = AofWriter::open(&tmp, state.config.appendfsync)?;
        let cmds = crate::server::state::dataset_commands(&state.db);
        for chunk in cmds.chunks(256) {
            w.append(chunk)?;
        }
        w.fsync()?;
    }
    std::fs::rename(&tmp, &path)?;
    state.persist.aof = Some(AofWriter::open(&path, state.config.appendfsync)?);
    Ok(())
}

/// SAVE: write the snapshot now, under the lock (it blocks the server, as Redis's SAVE does).
/// The replication history a snapshot taken now belongs to (its `repl-id`/`repl-offset`
/// aux fields), so a restart can continue with a partial resync.
fn rdb_aux(state: &State) -> crate::persist::rdb::RdbAux {
    crate::persist::rdb::RdbAux {
        repl_id: Some(state.repl.replid.to_string()),
        repl_offset: Some(state.repl.offset().0),
    }
}

pub fn save_now(state: &mut State) -> Result<(), String> {
    // A background save still writing would rename its older snapshot over ours.
    let deadline = Instant::now() + Duration::from_secs(120);
    while state
        .persist
        .bgsave_writing
        .load(std::sync::atomic::Ordering::Acquire)
    {
        if Instant::now() > deadline {
            return Err("a background save is still writing after 120 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let path = state.rdb_path();
    let aux = rdb_aux(state);
    crate::persist::rdb::save_atomic(&path, &state.db, &aux)
        .map_err(|e| format!("{}: {e:#}", path.display()))?;
    state.dirty = 0;
    state.persist.last_save_unix = now_ms() / 1000;
    state.persist.rdb_saves += 1;
    tracing::info!("DB saved on disk");
    Ok(())
}

/// BGSAVE: copy the keyspace under the lock and write it on a blocking thread.
pub fn start_bgsave(shared: &Arc<Shared>, state: &mut State) -> Result<(), String> {
    if state.persist.bgsave_in_progress {
        return Err("ERR Background save already in progress".into());
    }
    let copy = snapshot_db(&state.db);
    let aux = rdb_aux(state);
    let dirty_at_start = state.dirty;
    let path = state.rdb_path();
    state.persist.bgsave_in_progress = true;
    state.persist.bgsave_started = Some(Instant::now());
    let shared = Arc::clone(shared);
    let writing = Arc::clone(&state.persist.bgsave_writing);
    writing.store(true, std::sync::atomic::Ordering::Release);
    tracing::info!("Background saving started");
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let result = crate::persist::rdb::save_atomic(&path, &copy, &aux);
        writing.store(false, std::sync::atomic::Ordering::Release);
        let mut st = shared.lock();
        st.persist.bgsave_in_progress = false;
        st.persist.bgsave_started = None;
        st.persist.last_bgsave_secs = i64::try_from(started.elapsed().as_secs()).unwrap_or(0);
        match result {
            Ok(()) => {
                st.dirty = st.dirty.saturating_sub(dirty_at_start);
                st.persist.last_save_unix = now_ms() / 1000;
                st.persist.last_bgsave_ok = true;
                st.persist.rdb_saves += 1;
                tracing::info!("Background saving terminated with success");
            }
            Err(e) => {
                st.persist.last_bgsave_ok = false;
                tracing::error!("Background saving error: {}: {e:#}", path.display());
            }
        }
    });
    Ok(())
}
