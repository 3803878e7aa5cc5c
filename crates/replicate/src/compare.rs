//! The restore test's comparison of two directory trees: the source
//! snapshot and the target's copy of it, both mounted read-only.
//!
//! Every entry's kind, size, mode, owner, modification time and link target
//! are compared; file contents byte by byte within a budget. When the tree
//! holds more than the budget, each file's contents are compared with
//! probability budget / total, decided by a hash of its path and a seed, so
//! that successive monthly tests (new seeds) cover different files while
//! one test is reproducible from its seed (by the same build: the hash is
//! std's). Memory is bounded by one
//! directory's listing per level and the first [`MAX_DIFFERENCES`]
//! differences.

#![allow(
    clippy::disallowed_methods,
    reason = "reads two mounted snapshots, not the board: no Root applies (ADR 0001)"
)]

use std::cmp::Ordering;
use std::fs::{self, File, Metadata};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Differences kept for the report; the count goes on.
pub const MAX_DIFFERENCES: usize = 20;

/// How contents are sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sampling {
    /// File bytes to compare at most: no file is started past it (one
    /// started is compared whole).
    pub budget_bytes: u64,
    /// The tree's size, as ZFS reports it (`logicalreferenced`): with the
    /// budget, the share of files compared.
    pub total_bytes: u64,
    /// Chooses which files when not all are compared.
    pub seed: u64,
}

impl Sampling {
    fn picks(&self, path: &Path) -> bool {
        if self.total_bytes <= self.budget_bytes {
            return true;
        }
        let mut h = DefaultHasher::new();
        (self.seed, path).hash(&mut h);
        // Uniform in 0..u64::MAX; below budget/total of it is chosen.
        let share = self.budget_bytes as f64 / self.total_bytes as f64;
        (h.finish() as f64) < share * u64::MAX as f64
    }
}

/// What the comparison found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Entries compared (both sides had them).
    pub entries: u64,
    /// File bytes compared.
    pub content_bytes: u64,
    /// Files whose contents were compared.
    pub files_compared: u64,
    /// Differences found in all.
    pub difference_count: u64,
    /// The first [`MAX_DIFFERENCES`], `path: what`.
    pub differences: Vec<String>,
}

impl Comparison {
    fn differ(&mut self, path: &Path, what: impl Into<String>) {
        self.difference_count += 1;
        if self.differences.len() < MAX_DIFFERENCES {
            let shown = if path.as_os_str().is_empty() { Path::new(".") } else { path };
            self.differences.push(format!("{}: {}", shown.display(), what.into()));
        }
    }
}

/// A read that failed: which side's path, and the error.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct CompareError {
    /// The path.
    pub path: PathBuf,
    /// The error.
    #[source]
    pub source: io::Error,
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> CompareError + '_ {
    move |source| CompareError { path: path.to_owned(), source }
}

/// Compares the tree under `target` with the one under `source`.
pub fn compare(
    source: &Path,
    target: &Path,
    sampling: Sampling,
) -> Result<Comparison, CompareError> {
    let mut out = Comparison::default();
    let (s, t) = (
        fs::symlink_metadata(source).map_err(at(source))?,
        fs::symlink_metadata(target).map_err(at(target))?,
    );
    let mut walk = Walk { source, target, sampling, out: &mut out };
    walk.entry(Path::new(""), &s, &t)?;
    Ok(out)
}

struct Walk<'a> {
    source: &'a Path,
    target: &'a Path,
    sampling: Sampling,
    out: &'a mut Comparison,
}

fn kind(m: &Metadata) -> &'static str {
    let t = m.file_type();
    if t.is_dir() {
        "directory"
    } else if t.is_file() {
        "file"
    } else if t.is_symlink() {
        "symlink"
    } else if t.is_fifo() {
        "fifo"
    } else if t.is_socket() {
        "socket"
    } else if t.is_block_device() {
        "block device"
    } else if t.is_char_device() {
        "character device"
    } else {
        "other"
    }
}

fn sorted_names(dir: &Path) -> Result<Vec<std::ffi::OsString>, CompareError> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(at(dir))? {
        names.push(entry.map_err(at(dir))?.file_name());
    }
    names.sort();
    Ok(names)
}

impl Walk<'_> {
    fn entry(&mut self, rel: &Path, s: &Metadata, t: &Metadata) -> Result<(), CompareError> {
        self.out.entries += 1;
        if kind(s) != kind(t) {
            self.out
                .differ(rel, format!("a {} on the source, a {} on the target", kind(s), kind(t)));
            return Ok(());
        }
        // A directory's size is the count of its entries in ZFS; its
        // listing is compared instead.
        if s.mode() != t.mode() {
            self.out.differ(
                rel,
                format!("mode {:o} on the source, {:o} on the target", s.mode(), t.mode()),
            );
        }
        let mut checks: Vec<(&str, u64, u64)> = vec![
            ("owner", u64::from(s.uid()), u64::from(t.uid())),
            ("group", u64::from(s.gid()), u64::from(t.gid())),
            ("mtime", s.mtime() as u64, t.mtime() as u64),
            ("mtime ns", s.mtime_nsec() as u64, t.mtime_nsec() as u64),
        ];
        if !s.is_dir() {
            checks.push(("size", s.len(), t.len()));
        }
        if s.file_type().is_block_device() || s.file_type().is_char_device() {
            checks.push(("device", s.rdev(), t.rdev()));
        }
        for (what, a, b) in checks {
            if a != b {
                self.out.differ(rel, format!("{what} {a} on the source, {b} on the target"));
            }
        }
        let (sp, tp) = (self.source.join(rel), self.target.join(rel));
        if s.file_type().is_symlink() {
            let (a, b) =
                (fs::read_link(&sp).map_err(at(&sp))?, fs::read_link(&tp).map_err(at(&tp))?);
            if a != b {
                self.out.differ(
                    rel,
                    format!(
                        "links to {} on the source, {} on the target",
                        a.display(),
                        b.display()
                    ),
                );
            }
        } else if s.is_file()
            && s.len() == t.len()
            && self.out.content_bytes < self.sampling.budget_bytes
            && self.sampling.picks(rel)
        {
            self.contents(rel, &sp, &tp)?;
        } else if s.is_dir() {
            self.directory(rel, &sp, &tp)?;
        }
        Ok(())
    }

    fn directory(&mut self, rel: &Path, sp: &Path, tp: &Path) -> Result<(), CompareError> {
        let (a, b) = (sorted_names(sp)?, sorted_names(tp)?);
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let order = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match order {
                Ordering::Less => {
                    self.out.differ(&rel.join(&a[i]), "missing on the target");
                    i += 1;
                }
                Ordering::Greater => {
                    self.out.differ(&rel.join(&b[j]), "only on the target");
                    j += 1;
                }
                Ordering::Equal => {
                    let child = rel.join(&a[i]);
                    let (cs, ct) = (sp.join(&a[i]), tp.join(&b[j]));
                    let ms = fs::symlink_metadata(&cs).map_err(at(&cs))?;
                    let mt = fs::symlink_metadata(&ct).map_err(at(&ct))?;
                    self.entry(&child, &ms, &mt)?;
                    i += 1;
                    j += 1;
                }
            }
        }
        Ok(())
    }

    fn contents(&mut self, rel: &Path, sp: &Path, tp: &Path) -> Result<(), CompareError> {
        let (mut a, mut b) = (File::open(sp).map_err(at(sp))?, File::open(tp).map_err(at(tp))?);
        let (mut x, mut y) = (vec![0u8; 128 << 10], vec![0u8; 128 << 10]);
        let mut offset = 0u64;
        loop {
            let n = read_full(&mut a, &mut x).map_err(at(sp))?;
            let m = read_full(&mut b, &mut y).map_err(at(tp))?;
            if x[..n] != y[..m] {
                let first =
                    x[..n].iter().zip(&y[..m]).position(|(p, q)| p != q).unwrap_or(n.min(m));
                self.out.differ(rel, format!("contents differ at byte {}", offset + first as u64));
                break;
            }
            self.out.content_bytes += n as u64;
            offset += n as u64;
            if n == 0 {
                break;
            }
        }
        self.out.files_compared += 1;
        Ok(())
    }
}

/// Reads until `buf` is full or the file ends.
fn read_full(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    const ALL: Sampling = Sampling { budget_bytes: u64::MAX, total_bytes: 0, seed: 1 };

    /// Two equal trees; `change` then alters the target.
    fn trees(change: impl FnOnce(&Path)) -> (tempfile::TempDir, Comparison) {
        let dir = tempfile::tempdir().unwrap();
        for side in ["s", "t"] {
            let root = dir.path().join(side);
            fs::create_dir_all(root.join("a/b")).unwrap();
            fs::write(root.join("a/b/data"), vec![7u8; 300_000]).unwrap();
            fs::write(root.join("top"), b"hello").unwrap();
            symlink("a/b/data", root.join("link")).unwrap();
        }
        // The same times on both sides, as a receive keeps them.
        let t = dir.path().join("t");
        for rel in ["", "a", "a/b", "a/b/data", "top"] {
            let m = fs::metadata(dir.path().join("s").join(rel)).unwrap();
            let f = File::options().read(true).open(t.join(rel)).unwrap();
            f.set_modified(m.modified().unwrap()).unwrap();
        }
        change(&t);
        let c = compare(&dir.path().join("s"), &t, ALL).unwrap();
        (dir, c)
    }

    #[test]
    fn equal_trees_compare_equal_with_every_byte_read() {
        let (_d, c) = trees(|_| {});
        assert_eq!(c.differences, Vec::<String>::new());
        assert_eq!((c.entries, c.files_compared, c.content_bytes), (6, 2, 300_005));
    }

    #[test]
    fn a_changed_byte_a_missing_file_an_extra_file_and_a_mode_are_each_found() {
        let (_d, c) = trees(|t| {
            let mut data = vec![7u8; 300_000];
            data[200_000] = 8;
            let f = t.join("a/b/data");
            let m = fs::metadata(&f).unwrap().modified().unwrap();
            fs::write(&f, data).unwrap();
            File::options().write(true).open(&f).unwrap().set_modified(m).unwrap();
            fs::remove_file(t.join("top")).unwrap();
            fs::write(t.join("zz"), b"").unwrap();
            fs::set_permissions(t.join("a"), fs::Permissions::from_mode(0o700)).unwrap();
        });
        let text = c.differences.join("\n");
        assert!(text.contains("a/b/data: contents differ at byte 200000"), "{text}");
        assert!(text.contains("top: missing on the target"), "{text}");
        assert!(text.contains("zz: only on the target"), "{text}");
        assert!(text.contains("a: mode"), "{text}");
        assert!(c.difference_count >= 4, "{text}");
    }

    #[test]
    fn a_link_retargeted_or_a_file_become_a_directory_is_found() {
        let (_d, c) = trees(|t| {
            fs::remove_file(t.join("link")).unwrap();
            symlink("top", t.join("link")).unwrap();
            fs::remove_file(t.join("top")).unwrap();
            fs::create_dir(t.join("top")).unwrap();
        });
        let text = c.differences.join("\n");
        assert!(
            text.contains("link: links to a/b/data on the source, top on the target"),
            "{text}"
        );
        assert!(text.contains("top: a file on the source, a directory on the target"), "{text}");
    }

    #[test]
    fn sampling_compares_about_its_share_and_follows_the_seed() {
        let pick = |seed| {
            let s = Sampling { budget_bytes: 1, total_bytes: 4, seed };
            (0..4000).filter(|i| s.picks(Path::new(&format!("f{i}")))).count()
        };
        let (a, b) = (pick(1), pick(2));
        assert!((800..1200).contains(&a), "{a} of 4000 at a quarter");
        let chosen = |seed| {
            let s = Sampling { budget_bytes: 1, total_bytes: 4, seed };
            (0..200).filter(|i| s.picks(Path::new(&format!("f{i}")))).collect::<Vec<_>>()
        };
        assert_ne!(chosen(1), chosen(2), "another seed, other files");
        assert_eq!(chosen(1), chosen(1));
        assert!((800..1200).contains(&b));
    }

    #[test]
    fn an_unreadable_side_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let e = compare(&dir.path().join("nope"), dir.path(), ALL).unwrap_err();
        assert!(e.to_string().contains("nope"), "{e}");
    }
}
