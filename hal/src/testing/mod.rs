//! Fixture trees for tests in this and downstream crates.
//!
//! The trees live in the repository's `fixtures/sysfs/` directory (see its
//! README for provenance). Read-only tests use them in place; tests that
//! write get a private copy with [`copy_fixture`], so the committed tree is
//! never modified.
//!
//! [`FakeTemp`], [`FakeFan`], [`FakeMains`] and [`FakeBattery`] stand in for
//! the board's edge traits where a fixture tree cannot fail the way hardware
//! does.

// Test support builds and mutates trees: it is the fixture, not the board.
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::Root;

mod fakes;

pub use fakes::{FakeBattery, FakeDisk, FakeFan, FakeMains, FakeTemp, FanWrite};

/// The fixture trees shipped with the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fixture {
    /// A Helios64 running Armbian's full device tree (6.x naming).
    Armbian,
    /// A Helios64 running the minimal mainline device tree.
    Mainline,
}

impl Fixture {
    /// Both fixtures, for tests that must pass on each.
    pub const ALL: [Fixture; 2] = [Fixture::Armbian, Fixture::Mainline];

    /// The directory name under `fixtures/sysfs/`.
    pub fn dir_name(self) -> &'static str {
        match self {
            Fixture::Armbian => "helios64-armbian",
            Fixture::Mainline => "helios64-mainline",
        }
    }

    /// The absolute path of the committed tree.
    pub fn path(self) -> PathBuf {
        fixtures_dir().join("sysfs").join(self.dir_name())
    }

    /// A read-only root over the committed tree.
    pub fn root(self) -> Root {
        Root::new(self.path())
    }
}

/// The repository's `fixtures/` directory.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("fixtures")
}

/// A writable copy of a fixture tree. The copy is removed when the returned
/// guard is dropped.
///
/// # Panics
/// When the copy cannot be made: this is test support, and a test that
/// cannot set up must fail loudly rather than skip.
pub fn copy_fixture(fixture: Fixture) -> (tempfile::TempDir, Root) {
    #[allow(clippy::expect_used)] // documented panic: test set-up failure
    let dir = tempfile::Builder::new()
        .prefix("helios64-fixture-")
        .tempdir_in(scratch_dir())
        .expect("create a temporary directory for a fixture copy");
    #[allow(clippy::panic)] // documented panic: test set-up failure
    copy_tree(&fixture.path(), dir.path()).unwrap_or_else(|e| {
        panic!("copy fixture {} into {}: {e}", fixture.dir_name(), dir.path().display())
    });
    let root = Root::new(dir.path());
    (dir, root)
}

/// Where fixture copies go: `$HELIOS64_TEST_TMPDIR`, else `/dev/shm` when
/// it is a writable directory, else the system temporary directory.
///
/// A fixture tree is a few thousand small files and symlinks; on the
/// overlay and network filesystems CI machines use for `/tmp`, copying one
/// costs seconds of metadata operations, on tmpfs a few milliseconds.
pub fn scratch_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HELIOS64_TEST_TMPDIR") {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    let writable = fs::metadata(shm).is_ok_and(|m| m.is_dir() && !m.permissions().readonly());
    if writable { shm.to_path_buf() } else { std::env::temp_dir() }
}

/// Copies a directory tree, recreating symlinks verbatim (fixture links are
/// relative, like the kernel's, so they stay inside the copy).
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let ty = entry.file_type()?;
        if ty.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&src)?, &dst)?;
        } else if ty.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// How many ioctls (ethtool, GPIO, I2C) this crate has issued in this
/// process so far. A test proves a fixture run reached no host device by
/// reading it before and after (tests in one process share the count, so
/// compare within a test that issues none itself).
pub fn ioctls_issued() -> u64 {
    crate::ioctl::issued()
}

/// Compares `actual` with the golden file `dir/name`, or writes it when
/// `HELIOS64_BLESS` is set (then review the diff). Panics naming the first
/// differing line.
#[allow(clippy::panic)]
pub fn check_golden(dir: &Path, name: &str, actual: &str) {
    let path = dir.join(name);
    if std::env::var_os("HELIOS64_BLESS").is_some() {
        if let Err(e) = fs::create_dir_all(dir).and_then(|()| fs::write(&path, actual)) {
            panic!("cannot bless {}: {e}", path.display());
        }
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("golden file {} unreadable ({e}); run with HELIOS64_BLESS=1", path.display())
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the output at line {}:\n  golden: {:?}\n  actual: {:?}\n\
             (HELIOS64_BLESS=1 regenerates it after an intended change)",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}
