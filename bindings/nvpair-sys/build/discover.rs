//! Finds the OpenZFS headers and libraries and decides which OpenZFS line
//! (2.1 … 2.4) they belong to.
//!
//! Two sources, in this order:
//! 1. `HELIOS64_ZFS_PREFIX` (or `HELIOS64_ZFS_PREFIX_<target>`): a directory
//!    holding `usr/include/libzfs` or `include/libzfs`, e.g. a Debian package
//!    unpacked with `dpkg-deb -x`. Used by CI to check against other releases.
//! 2. pkg-config `libzfs_core` (there is no `libnvpair.pc`; `libzfs_core.pc`
//!    carries both). Cross builds work through the usual pkg-config variables
//!    (`PKG_CONFIG_PATH_<target>`, `PKG_CONFIG_SYSROOT_DIR`, …).
//!
//! The headers are the source of truth for the feature level: the version in
//! the `.pc` file must agree with the markers found in the headers, so a
//! stale pkg-config path cannot silently pair 2.3 cfgs with 2.1 headers.

use std::env;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// Oldest OpenZFS minor release (of major 2) these bindings support.
pub(crate) const OLDEST_MINOR: u32 = 1;
/// Newest OpenZFS minor release (of major 2) these bindings know about.
pub(crate) const NEWEST_MINOR: u32 = 4;

/// An OpenZFS userland version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    pub(crate) major: u32,
    pub(crate) minor: u32,
    /// The full version text, e.g. "2.3.2" (or "2.3" when only headers were
    /// available).
    pub(crate) text: String,
}

impl Version {
    /// Parses "2.3.2", "2.1.11-1+deb12u1", "2.4".
    pub(crate) fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let mut parts = text.split(|c: char| !c.is_ascii_digit());
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(Version { major, minor, text: text.to_owned() })
    }

    /// The cumulative version cfgs (`zfs_2_1`, `zfs_2_2`, …) this version
    /// enables. Releases newer than the newest known one get every known cfg.
    pub(crate) fn cfgs(&self) -> Vec<String> {
        let top = self.minor.min(NEWEST_MINOR);
        (OLDEST_MINOR..=top).map(|m| format!("zfs_2_{m}")).collect()
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Every cfg name any supported version can set, for `rustc-check-cfg`.
pub(crate) fn known_cfgs() -> Vec<String> {
    (OLDEST_MINOR..=NEWEST_MINOR).map(|m| format!("zfs_2_{m}")).collect()
}

/// Where the headers and libraries are.
#[derive(Debug)]
pub(crate) struct Install {
    /// `-I` directories, in order (libzfs first, then libspl).
    pub(crate) include_dirs: Vec<PathBuf>,
    /// `-L` directories; empty when the libraries are not needed or absent
    /// (a header-only prefix can still be `cargo check`ed).
    pub(crate) lib_dirs: Vec<PathBuf>,
    pub(crate) version: Version,
    /// Human-readable origin, for build logs.
    pub(crate) origin: String,
}

/// Reads an environment variable, preferring the target-specific spelling
/// (`NAME_aarch64_unknown_linux_gnu`) as openssl-sys and pkg-config do, and
/// registers both for `rerun-if-env-changed`.
pub(crate) fn target_env(name: &str) -> Option<String> {
    let target = env::var("TARGET").unwrap_or_default().replace('-', "_");
    let specific = format!("{name}_{target}");
    for key in [specific.as_str(), name] {
        println!("cargo:rerun-if-env-changed={key}");
    }
    env::var(&specific).ok().or_else(|| env::var(name).ok()).filter(|v| !v.is_empty())
}

/// Debian's multiarch directory name for the target, e.g. `aarch64-linux-gnu`.
fn multiarch() -> Option<String> {
    let arch = env::var("CARGO_CFG_TARGET_ARCH").ok()?;
    let os = env::var("CARGO_CFG_TARGET_OS").ok()?;
    let abi = env::var("CARGO_CFG_TARGET_ENV").ok()?;
    if os != "linux" {
        return None;
    }
    Some(match (arch.as_str(), abi.as_str()) {
        ("arm", "gnu") => "arm-linux-gnueabihf".to_owned(),
        (arch, abi) => format!("{arch}-linux-{abi}"),
    })
}

pub(crate) fn discover() -> Result<Install, String> {
    let docs_rs = env::var_os("DOCS_RS").is_some();
    println!("cargo:rerun-if-env-changed=DOCS_RS");
    println!("cargo:rerun-if-env-changed=HELIOS64_ZFS_VERSION");
    if let Some(prefix) = target_env("HELIOS64_ZFS_PREFIX") {
        return from_prefix(Path::new(&prefix));
    }
    if docs_rs {
        // docs.rs has libclang but no pkg-config file for ZFS; look for the
        // headers at the usual place and never link.
        return from_prefix(Path::new("/"));
    }
    from_pkg_config()
}

fn from_prefix(prefix: &Path) -> Result<Install, String> {
    let include = ["usr/include", "include"]
        .iter()
        .map(|d| prefix.join(d))
        .find(|d| d.join("libzfs/libzfs_core.h").is_file())
        .ok_or_else(|| {
            format!(
                "HELIOS64_ZFS_PREFIX={}: neither usr/include/libzfs/libzfs_core.h nor \
                 include/libzfs/libzfs_core.h exists there",
                prefix.display()
            )
        })?;
    let include_dirs = vec![include.join("libzfs"), include.join("libspl")];

    let mut lib_candidates = Vec::new();
    for base in ["usr/lib", "lib", "usr/lib64", "lib64"] {
        if let Some(ma) = multiarch() {
            lib_candidates.push(prefix.join(base).join(ma));
        }
        lib_candidates.push(prefix.join(base));
    }
    // Only libraries that resolve *inside the prefix* count: Debian's -dev
    // symlinks are absolute (/lib/<arch>/libzfs.so.4.1.0), so followed
    // naively they land on the host's libraries of another release, and
    // with a dangling .so the linker silently takes the static libzfs.a.
    // The resolved files are linked from a directory in OUT_DIR under their
    // plain names. Without them nothing is added: fine for `cargo check`; a
    // real link then uses the system libraries, which the run-time version
    // check rejects if they are another release.
    let lib_dirs = lib_candidates
        .iter()
        .find_map(|d| {
            ["libnvpair.so", "libzfs_core.so", "libzfs.so"]
                .iter()
                .map(|lib| resolve_inside(prefix, &d.join(lib)).map(|real| (*lib, real)))
                .collect::<Option<Vec<_>>>()
        })
        .map(|libs| link_farm(&libs))
        .transpose()?
        .unwrap_or_default();

    let headers = header_minor(&include_dirs)?;
    let pc_version = lib_candidates
        .iter()
        .map(|d| d.join("pkgconfig/libzfs_core.pc"))
        .find(|pc| pc.is_file())
        .and_then(|pc| fs::read_to_string(pc).ok())
        .and_then(|text| {
            text.lines().find_map(|l| l.strip_prefix("Version:")).and_then(Version::parse)
        });
    let version = match env::var("HELIOS64_ZFS_VERSION").ok().and_then(|v| Version::parse(&v)) {
        Some(v) => v,
        None => {
            pc_version.unwrap_or(Version { major: 2, minor: headers, text: format!("2.{headers}") })
        }
    };
    check_agrees(&version, headers, &include_dirs)?;
    Ok(Install {
        include_dirs,
        lib_dirs,
        version,
        origin: format!("HELIOS64_ZFS_PREFIX={}", prefix.display()),
    })
}

/// Follows `path`'s symlinks with absolute targets re-rooted under
/// `prefix`; the regular file it ends at, if any.
fn resolve_inside(prefix: &Path, path: &Path) -> Option<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..16 {
        let meta = fs::symlink_metadata(&current).ok()?;
        if !meta.file_type().is_symlink() {
            return meta.is_file().then_some(current);
        }
        let target = fs::read_link(&current).ok()?;
        current = match target.strip_prefix("/") {
            Ok(rel) => prefix.join(rel),
            Err(_) => current.parent()?.join(&target),
        };
    }
    None
}

/// `OUT_DIR/zfs-libs/<name>` → each resolved library, plus the directories
/// the libraries really live in (for their own dependencies).
fn link_farm(libs: &[(&str, PathBuf)]) -> Result<Vec<PathBuf>, String> {
    let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
    let farm = out.join("zfs-libs");
    fs::create_dir_all(&farm).map_err(|e| format!("cannot create {}: {e}", farm.display()))?;
    let mut dirs = vec![farm.clone()];
    for (name, real) in libs {
        let link = farm.join(name);
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(real, &link)
            .map_err(|e| format!("cannot link {} to {}: {e}", link.display(), real.display()))?;
        if let Some(dir) = real.parent().map(Path::to_path_buf)
            && !dirs.contains(&dir)
        {
            dirs.push(dir);
        }
    }
    Ok(dirs)
}

fn from_pkg_config() -> Result<Install, String> {
    let lib = pkg_config::Config::new()
        .atleast_version(&format!("2.{OLDEST_MINOR}"))
        .cargo_metadata(false)
        .env_metadata(true)
        .probe("libzfs_core")
        .map_err(|e| {
            format!(
                "pkg-config could not find libzfs_core >= 2.{OLDEST_MINOR} (install the OpenZFS \
                 development headers, e.g. Debian's libzfslinux-dev, or point \
                 HELIOS64_ZFS_PREFIX at an unpacked copy): {e}"
            )
        })?;
    let version = Version::parse(&lib.version)
        .ok_or_else(|| format!("pkg-config reports an unreadable version {:?}", lib.version))?;
    let mut include_dirs = lib.include_paths.clone();
    if include_dirs.is_empty() {
        include_dirs =
            vec![PathBuf::from("/usr/include/libzfs"), PathBuf::from("/usr/include/libspl")];
    }
    let headers = header_minor(&include_dirs)?;
    check_agrees(&version, headers, &include_dirs)?;
    Ok(Install {
        include_dirs,
        lib_dirs: lib.link_paths.clone(),
        version,
        origin: "pkg-config libzfs_core".to_owned(),
    })
}

fn find_header(include_dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    include_dirs.iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// The OpenZFS 2.x minor release the headers belong to, from symbols each
/// release added (checked against every tag from 2.1.0 to 2.4.x):
/// `lzc_scrub` (2.2), `lzc_get_props` (2.3), `zpool_scan_range` (2.4).
pub(crate) fn header_minor(include_dirs: &[PathBuf]) -> Result<u32, String> {
    let read = |name: &str| -> Result<String, String> {
        let path = find_header(include_dirs, name)
            .ok_or_else(|| format!("{name} not found in {include_dirs:?}"))?;
        println!("cargo:rerun-if-changed={}", path.display());
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let core = read("libzfs_core.h")?;
    let libzfs = read("libzfs.h")?;
    Ok(if libzfs.contains("zpool_scan_range") {
        4
    } else if core.contains("lzc_get_props") {
        3
    } else if core.contains("lzc_scrub") {
        2
    } else {
        1
    })
}

fn check_agrees(version: &Version, headers: u32, include_dirs: &[PathBuf]) -> Result<(), String> {
    if version.major != 2 || version.minor < OLDEST_MINOR {
        return Err(format!(
            "OpenZFS {version} is not supported (2.{OLDEST_MINOR} to 2.{NEWEST_MINOR} are)"
        ));
    }
    let expected = version.minor.min(NEWEST_MINOR);
    if expected != headers {
        return Err(format!(
            "version {version} does not match the headers in {include_dirs:?}, which look like \
             OpenZFS 2.{headers}; fix PKG_CONFIG_PATH / HELIOS64_ZFS_PREFIX or set \
             HELIOS64_ZFS_VERSION"
        ));
    }
    if version.minor > NEWEST_MINOR {
        println!(
            "cargo:warning=OpenZFS {version} is newer than the newest release these bindings \
             were checked against (2.{NEWEST_MINOR}); building with the 2.{NEWEST_MINOR} cfgs"
        );
    }
    Ok(())
}
