//! The runner against real programs (`sh`, `env`, `cat`, `head`): no fakes
//! are written to disk, so parallel tests cannot trip over ETXTBSY.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use super::*;

/// A shell one-liner with a fixed `PATH`; `$0` is `arg0`.
fn sh(script: &str, arg0: &str) -> Command {
    Command::new("/bin/sh", "test").args(["-c", script, arg0]).env("PATH", "/usr/bin:/bin")
}

/// Whether the process is gone: no `/proc` entry, or a zombie waiting for
/// its (new) parent to reap it.
fn gone(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the parenthesised command name.
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z')),
    }
}

fn assert_gone_soon(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !gone(pid) {
        assert!(Instant::now() < deadline, "process {pid} survived the group kill");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_pid(file: &Path) -> u32 {
    let text = fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("{}: the script did not start in time: {e}", file.display()));
    text.trim().parse().unwrap_or_else(|e| panic!("pid {text:?}: {e}"))
}

#[test]
fn output_status_and_stderr_are_collected() {
    let out = sh("echo out; echo err >&2; exit 3", "sh").run().unwrap();
    assert_eq!(out.status, Status::Exited(3));
    assert_eq!(out.status.code(), Some(3));
    assert!(!out.status.success());
    assert_eq!(out.stdout, b"out\n");
    assert_eq!(out.stderr_text(), "err");
    assert!(!out.stdout_truncated && !out.stderr_truncated);
    assert!(sh("true", "sh").run().unwrap().status.success());
}

#[test]
fn the_environment_is_only_what_the_caller_gives() {
    let out = Command::new("/usr/bin/env", "test")
        .env("LC_ALL", "C")
        .env("HELIOS64_EXEC", "1")
        .env_from_parent("PATH")
        .env_from_parent("HELIOS64_EXEC_SURELY_NOT_SET")
        .run()
        .unwrap();
    let mut lines: Vec<String> =
        String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect();
    lines.sort();
    let parent_path = std::env::var("PATH").unwrap();
    assert_eq!(
        lines,
        ["HELIOS64_EXEC=1".to_owned(), "LC_ALL=C".to_owned(), format!("PATH={parent_path}")]
    );
    let empty = Command::new("/usr/bin/env", "test").run().unwrap();
    assert_eq!(empty.stdout, b"", "a cleared environment");
}

#[test]
fn a_timeout_kills_the_grandchild_holding_the_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    // The child exits at once; its background `sleep` keeps stdout open.
    let script = r#"sleep 30 & echo $! > "$0"; exit 0"#;
    let started = Instant::now();
    let err = sh(script, pid_file.to_str().unwrap())
        .timeout(Duration::from_millis(1500))
        .run()
        .unwrap_err();
    match &err {
        Error::Timeout { timeout, reaped, .. } => {
            assert_eq!(*timeout, Duration::from_millis(1500));
            assert!(*reaped);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    assert_gone_soon(read_pid(&pid_file));
}

#[test]
fn a_timeout_kills_the_whole_group_not_just_the_child() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    // The grandchild holds no pipe: only the group kill reaches it.
    let script = r#"sleep 30 </dev/null >/dev/null 2>&1 & echo $! > "$0"; sleep 30"#;
    let err = sh(script, pid_file.to_str().unwrap())
        .timeout(Duration::from_millis(1500))
        .run()
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { reaped: true, .. }), "{err:?}");
    assert_gone_soon(read_pid(&pid_file));
}

#[test]
fn a_child_that_closed_its_output_is_still_timed() {
    let started = Instant::now();
    let err =
        sh("exec >&- 2>&-; sleep 30", "sh").timeout(Duration::from_millis(300)).run().unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

#[test]
fn the_timeout_error_names_the_command_and_target() {
    let err = Command::new("/bin/sleep", "pool tank")
        .arg("30")
        .timeout(Duration::from_millis(200))
        .run()
        .unwrap_err();
    assert_eq!(err.command(), "/bin/sleep 30");
    assert_eq!(err.target(), "pool tank");
    assert_eq!(
        err.to_string(),
        "`/bin/sleep 30` for pool tank did not finish within 0.2s and was killed"
    );
}

#[test]
fn output_beyond_the_limit_is_dropped_and_flagged() {
    let out = Command::new("/usr/bin/head", "test")
        .args(["-c", "1000000", "/dev/zero"])
        .stdout_limit(1000)
        .run()
        .unwrap();
    assert!(out.status.success(), "the pipe was drained to the end: {out:?}");
    assert_eq!(out.stdout.len(), 1000);
    assert!(out.stdout_truncated && !out.stderr_truncated);

    let err = sh("head -c 100000 /dev/zero >&2", "sh").stderr_limit(10).run().unwrap();
    assert_eq!((err.stderr.len(), err.stderr_truncated), (10, true));

    let exact = sh("printf 12345", "sh").stdout_limit(5).run().unwrap();
    assert_eq!((exact.stdout.as_slice(), exact.stdout_truncated), (&b"12345"[..], false));
    let over = sh("printf 12345", "sh").stdout_limit(4).run().unwrap();
    assert_eq!((over.stdout.as_slice(), over.stdout_truncated), (&b"1234"[..], true));
}

#[test]
fn a_missing_program_is_not_found_both_ways() {
    let spawn = Command::new("/nonexistent/helios64-prog", "bay 1").run().unwrap_err();
    assert!(matches!(spawn, Error::NotFound { .. }), "{spawn:?}");
    assert_eq!(spawn.to_string(), "`/nonexistent/helios64-prog` for bay 1: program not found");
    // What a shell (or `env`, or qemu-user) reports for a missing program.
    let shell = sh("helios64-no-such-program", "sh").run().unwrap_err();
    assert!(matches!(shell, Error::NotFound { .. }), "{shell:?}");
    let status = sh("exit 127", "sh").run().unwrap_err();
    assert!(matches!(status, Error::NotFound { .. }), "{status:?}");
}

#[test]
fn a_program_that_cannot_start_is_a_spawn_error() {
    let dir = tempfile::tempdir().unwrap();
    let not_executable = dir.path().join("prog");
    fs::write(&not_executable, "#!/bin/sh\n").unwrap();
    let err = Command::new(&not_executable, "test").run().unwrap_err();
    match err {
        Error::Spawn { source, .. } => {
            assert_eq!(source.kind(), std::io::ErrorKind::PermissionDenied);
        }
        // Under qemu-user (the aarch64 test run) every failed exec shows up
        // as the child exiting 127: qemu cannot pass the exec error back.
        Error::NotFound { .. } if cfg!(target_arch = "aarch64") => {}
        other => panic!("expected a spawn error, got {other:?}"),
    }
}

#[test]
fn non_utf8_output_is_kept_as_bytes() {
    let out = sh(r"printf '\377\376\000x'", "sh").run().unwrap();
    assert_eq!(out.stdout, [0xff, 0xfe, 0, b'x']);
}

#[test]
fn a_signal_killed_child_reports_the_signal() {
    let out = sh("kill -TERM $$", "sh").run().unwrap();
    assert_eq!(out.status, Status::Signaled(15));
    assert_eq!((out.status.code(), out.status.signal()), (None, Some(15)));
    assert_eq!(out.status.to_string(), "killed by signal 15");
}

#[test]
fn stdin_is_null_or_the_given_bytes() {
    let cat = || Command::new("/bin/cat", "test");
    assert_eq!(cat().run().unwrap().stdout, b"");
    // Larger than both pipe buffers: stdin and stdout must be served at once.
    let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
    let out = cat().stdin(data.clone()).run().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout.len(), data.len());
    assert!(out.stdout == data);
    // A child that does not read its input is not an error.
    assert!(sh("exit 0", "sh").stdin(data).run().unwrap().status.success());
}

#[test]
fn no_timeout_waits_as_long_as_it_takes() {
    let out = sh("sleep 0.3; echo done", "sh").no_timeout().run().unwrap();
    assert_eq!(out.stdout, b"done\n");
    assert!(out.elapsed >= Duration::from_millis(300), "{:?}", out.elapsed);
}

#[test]
fn the_command_line_quotes_what_a_shell_would_split() {
    let cmd = Command::new("zfs", "tank/a@s").args(["hold", "--", "-r", "a b", "it's", ""]);
    assert_eq!(cmd.command_line(), r"zfs hold -- -r 'a b' 'it'\''s' ''");
    assert_eq!(cmd.get_args().len(), 6);
    assert_eq!(cmd.get_timeout(), Some(DEFAULT_TIMEOUT));
    assert_eq!(cmd.clone().no_timeout().get_timeout(), None);
}
