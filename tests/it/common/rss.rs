//! Peak-RSS measurements of one `oras` run (the "streams with bounded memory" tests).
//!
//! `wait4` reports a child's peak RSS as the larger of its own and the high-water mark of the
//! process it was spawned from (Linux keeps the pre-`exec` mark across `exec`). In the one test
//! binary that is the peak of every test running beside it, so a measuring test first moves
//! itself into a process of its own with [`in_own_process`].

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Set in the process that [`in_own_process`] starts, so the test runs its body there.
const OWN_PROCESS_ENV: &str = "ORAS_TEST_OWN_PROCESS";

/// Runs the test `name` (its path inside this binary, e.g. `push_pull::big_file`) alone in a new
/// process of this test binary and asserts that it ran and passed there; returns `false` then,
/// and the caller returns. Inside that process it returns `true`: the caller runs its body.
pub fn in_own_process(name: &str) -> bool {
    if std::env::var_os(OWN_PROCESS_ENV).is_some() {
        return true;
    }
    let exe = std::env::current_exe().expect("path of the test binary");
    let out = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(OWN_PROCESS_ENV, "1")
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name} failed in its own process:\n{stdout}"
    );
    false
}

/// Runs `cmd` to completion (stdout and stderr into `log` with the extensions `stdout` and
/// `stderr`, killed after `timeout`) and returns (exit status, peak RSS in KiB) from `wait4`.
// The child is reaped by `wait4`, which std's `Child` cannot see.
#[allow(clippy::zombie_processes)]
pub fn run_measuring_rss(cmd: &mut Command, log: &Path, timeout: Duration) -> (i32, u64) {
    let stdout = fs::File::create(log.with_extension("stdout")).unwrap();
    let stderr = fs::File::create(log.with_extension("stderr")).unwrap();
    let child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let deadline = Instant::now() + timeout;
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 only writes into the two out-pointers.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert_eq!(r, 0, "wait4 failed");
        if Instant::now() > deadline {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            panic!("oras did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, usage.ru_maxrss as u64)
}
