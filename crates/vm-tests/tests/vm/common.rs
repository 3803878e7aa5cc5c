//! Small helpers shared by the in-guest test modules. They panic with the
//! path or command in the message: a failing test should say what it touched.

use std::path::Path;
use std::process::{Command, Output};

/// Reads a sysfs attribute or small file, trimmed of its trailing newline.
pub(crate) fn read(path: impl AsRef<Path>) -> String {
    vm_env::read_attr(path.as_ref())
        .unwrap_or_else(|e| panic!("{e}: {:?}", std::error::Error::source(&e)))
}

/// Writes a sysfs attribute.
pub(crate) fn write(path: impl AsRef<Path>, value: &str) {
    let path = path.as_ref();
    std::fs::write(path, value)
        .unwrap_or_else(|e| panic!("cannot write {value:?} to {}: {e}", path.display()));
}

/// Runs a command and returns its output, whatever its exit status.
pub(crate) fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} {}: {e}", args.join(" ")))
}

/// Runs a command that must succeed; returns its stdout.
pub(crate) fn run_ok(program: &str, args: &[&str]) -> String {
    let out = run(program, args);
    assert!(
        out.status.success(),
        "{program} {} failed ({}):\n{}{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
