//! `rkv` running in the background with a failpoint armed (src/failover/failpoint.rs), its
//! stderr collected, to be signalled where the failpoint holds it.

use super::wait_until;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A signal sent to rkv or a node.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sig {
    Kill,
    Term,
    Hup,
}

impl Sig {
    /// The flag `kill` takes.
    pub fn flag(self) -> &'static str {
        match self {
            Sig::Kill => "-KILL",
            Sig::Term => "-TERM",
            Sig::Hup => "-HUP",
        }
    }
}

/// rkv running in the background with its stderr collected.
pub struct Running {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Running {
    /// Start `cmd` with `RKV_FAILPOINT=failpoint`, stdout discarded, stderr collected.
    pub fn spawn(cmd: Command, failpoint: &str) -> Running {
        Running::spawn_to(cmd, failpoint, Stdio::null())
    }

    /// [`Running::spawn`] with stdout going to `stdout`.
    pub fn spawn_to(mut cmd: Command, failpoint: &str, stdout: Stdio) -> Running {
        let mut child = cmd
            .env("RKV_FAILPOINT", failpoint)
            .stdout(stdout)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        Running { child, stderr }
    }

    /// Everything it wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Wait until rkv reports the failpoint reached (failing loudly on a build without).
    pub fn wait_reached(&mut self, point: &str) {
        let want = format!("rkv: failpoint {point} reached");
        wait_until(Duration::from_secs(60), &want, || {
            let err = self.stderr();
            assert!(
                !err.contains("this build has no failpoints"),
                "the rkv binary was built without failpoints: run the tests with --features failpoints (.ci/run does)"
            );
            if let Ok(Some(st)) = self.child.try_wait() {
                panic!("rkv exited ({st}) before the failpoint {point}:\n{err}");
            }
            err.contains(&want)
        });
    }

    /// Wait until rkv reports the failpoint reached (true) or exits before it (false; then
    /// [`Running::wait`] gives its code and stderr).
    #[allow(dead_code)] // Not every test binary that includes this module uses it.
    pub fn reached_or_exited(&mut self, point: &str) -> bool {
        let want = format!("rkv: failpoint {point} reached");
        let mut reached = false;
        wait_until(Duration::from_secs(60), &want, || {
            reached = self.stderr().contains(&want);
            reached || matches!(self.child.try_wait(), Ok(Some(_)))
        });
        reached
    }

    /// Send `sig` to it.
    pub fn signal(&mut self, sig: Sig) {
        let ok = Command::new("kill")
            .args([sig.flag(), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {} {}", sig.flag(), self.child.id());
    }

    /// Wait for the exit; its code and the whole stderr.
    pub fn wait(mut self) -> (Option<i32>, String) {
        let st = self.child.wait().unwrap();
        // The reader thread ends with the pipe; give it the chance to take the last lines.
        wait_until(Duration::from_secs(5), "stderr drained", || {
            Arc::strong_count(&self.stderr) == 1
        });
        (st.code(), self.stderr())
    }
}
