//! Which OpenZFS this program was built against, which libzfs it loaded,
//! and which kernel module runs — and whether they agree.
//!
//! libzfs has no stable ABI: 2.1 and 2.2 share the soname `libzfs.so.4` yet
//! differ in signatures, and the kernel's `vdev_stat_t` moved a field between
//! 2.1 and 2.2. So the native backend refuses to run when the loaded libzfs
//! is another release (major.minor) than the headers it was compiled from,
//! and by default also when the kernel module is.

use std::fmt;

use helios64_root::Root;

use crate::error::{Result, ZfsError};

/// An OpenZFS release, parsed from strings such as `2.3.2`,
/// `zfs-2.3.2-2~bpo12+2` or `zfs-kmod-2.1.11-1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZfsVersion {
    /// Major version (2).
    pub major: u32,
    /// Minor version; the ABI line.
    pub minor: u32,
    /// Patch level, when given.
    pub patch: Option<u32>,
    /// The text it was parsed from, trimmed.
    pub text: String,
}

impl ZfsVersion {
    /// Parses a version string; `None` when it does not start (after an
    /// optional `zfs-` or `zfs-kmod-` prefix) with `MAJOR.MINOR`.
    pub fn parse(text: &str) -> Option<ZfsVersion> {
        let text = text.trim();
        let bare =
            text.strip_prefix("zfs-kmod-").or_else(|| text.strip_prefix("zfs-")).unwrap_or(text);
        let mut numbers = bare.split(|c: char| !c.is_ascii_digit());
        let major = numbers.next()?.parse().ok()?;
        let minor = numbers.next()?.parse().ok()?;
        // The patch is the third dot-separated number, not a Debian revision.
        let patch = bare
            .split('.')
            .nth(2)
            .and_then(|p| p.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|p| p.parse().ok());
        Some(ZfsVersion { major, minor, patch, text: text.to_owned() })
    }

    /// True when both are the same release line (major.minor), which is what
    /// libzfs's ABI follows.
    pub fn same_line(&self, other: &ZfsVersion) -> bool {
        self.major == other.major && self.minor == other.minor
    }
}

impl fmt::Display for ZfsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The three versions that matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versions {
    /// The headers this crate was compiled from.
    pub compiled: ZfsVersion,
    /// What the loaded libzfs reports (`zfs_version_userland`).
    pub userland: ZfsVersion,
    /// The loaded kernel module (`/sys/module/zfs/version`); `None` when the
    /// module is not loaded.
    pub kernel: Option<ZfsVersion>,
}

/// How strictly [`Versions::check`] treats the kernel module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KernelPolicy {
    /// The kernel module must be loaded and of the same release line.
    #[default]
    SameLine,
    /// Any kernel module is accepted (e.g. after a userland upgrade, before
    /// the reboot). Calls the old module lacks fail with
    /// [`crate::ErrorKind::UnsupportedByModule`]; vdev statistics are read
    /// with the compiled layout, which differs between 2.1 and 2.2.
    Any,
}

impl Versions {
    /// Checks that the loaded libzfs is the compiled-against release line
    /// and, depending on `policy`, that the kernel module is too.
    pub fn check(&self, policy: KernelPolicy) -> Result<()> {
        let mismatch = |kernel: Option<&ZfsVersion>| ZfsError::VersionMismatch {
            compiled: self.compiled.text.clone(),
            userland: self.userland.text.clone(),
            kernel: kernel.map(|k| k.text.clone()),
        };
        if !self.userland.same_line(&self.compiled) {
            return Err(mismatch(None));
        }
        match (policy, &self.kernel) {
            (KernelPolicy::Any, _) => Ok(()),
            (KernelPolicy::SameLine, None) => {
                Err(ZfsError::ModuleNotLoaded { path: "/sys/module/zfs/version".into() })
            }
            (KernelPolicy::SameLine, Some(k)) if !k.same_line(&self.compiled) => {
                Err(mismatch(Some(k)))
            }
            (KernelPolicy::SameLine, Some(_)) => Ok(()),
        }
    }
}

/// The release this crate was compiled against (the build script checked
/// that the `-sys` crates' headers agree).
pub fn compiled() -> ZfsVersion {
    let text = libzfs_sys::ZFS_HEADERS_VERSION;
    ZfsVersion::parse(text).unwrap_or(ZfsVersion {
        major: 0,
        minor: 0,
        patch: None,
        text: text.to_owned(),
    })
}

/// Symbols each release added to libzfs/libzfs_core, newest first; their
/// presence identifies the release line without calling anything.
const LINE_MARKERS: [(u32, &std::ffi::CStr); 3] =
    [(4, c"zpool_scan_range"), (3, c"lzc_get_props"), (2, c"lzc_scrub")];

/// The OpenZFS 2.x minor line of the loaded libzfs/libzfs_core, from the
/// symbols they export (`dlsym`). This is safe whatever the release:
/// `zfs_version_userland` itself changed signature in 2.2, and calling the
/// wrong prototype (2.1 and 2.2 share the soname `libzfs.so.4`) would be
/// undefined behaviour.
pub fn loaded_line() -> u32 {
    LINE_MARKERS
        .iter()
        .find(|(_, symbol)| {
            // SAFETY: dlsym only looks the name up in the loaded objects.
            !unsafe { libc::dlsym(libc::RTLD_DEFAULT, symbol.as_ptr()) }.is_null()
        })
        .map_or(1, |(line, _)| *line)
}

/// The release of the loaded libzfs. Needs neither the kernel module nor
/// `libzfs_init`. Fails with [`ZfsError::VersionMismatch`] when the loaded
/// library is another release line than the compiled headers (see
/// [`loaded_line`]), before calling anything whose prototype differs.
pub fn userland() -> Result<ZfsVersion> {
    let compiled = compiled();
    let line = loaded_line();
    if line != compiled.minor.min(4) {
        return Err(ZfsError::VersionMismatch {
            compiled: compiled.text,
            userland: format!("2.{line} (by the symbols it exports)"),
            kernel: None,
        });
    }
    let text = userland_text();
    ZfsVersion::parse(&text)
        .ok_or_else(|| ZfsError::malformed("zfs_version_userland", "libzfs", text))
}

#[cfg(zfs_2_2)]
fn userland_text() -> String {
    // SAFETY: returns a pointer to a static string (ZFS_META_ALIAS).
    let p = unsafe { libzfs_sys::zfs_version_userland() };
    // SAFETY: that static string is NUL-terminated.
    unsafe { crate::ffi::string(p) }.unwrap_or_default()
}

#[cfg(not(zfs_2_2))]
fn userland_text() -> String {
    let mut buf = [0 as std::ffi::c_char; 128];
    // SAFETY: the buffer and its length; 2.1 writes a NUL-terminated string.
    unsafe { libzfs_sys::zfs_version_userland(buf.as_mut_ptr(), buf.len() as std::ffi::c_int) };
    // SAFETY: our buffer, NUL-terminated by 2.1 (and zero-initialized).
    unsafe { crate::ffi::string(buf.as_ptr()) }.unwrap_or_default()
}

/// Parses the content of `/sys/module/zfs/version`.
pub fn parse_kernel(content: &str) -> Option<ZfsVersion> {
    ZfsVersion::parse(content)
}

/// Reads the kernel module's version (`<root>/sys/module/zfs/version`).
/// `Ok(None)` when the module is not loaded.
pub fn kernel_at(root: &Root) -> Result<Option<ZfsVersion>> {
    let path = root.sys().join("module/zfs/version");
    let read = root.read_optional(&path).map_err(|e| match e {
        helios64_root::Error::Io { path, source, .. } => ZfsError::Io { path, source },
        other => ZfsError::malformed(
            "kernel module version",
            other.path().display().to_string(),
            other.to_string(),
        ),
    })?;
    match read {
        Some(content) => parse_kernel(&content).map(Some).ok_or_else(|| {
            ZfsError::malformed("kernel module version", path.display().to_string(), content)
        }),
        None => Ok(None),
    }
}

/// All three versions, reading sysfs under `root`.
pub fn versions_at(root: &Root) -> Result<Versions> {
    Ok(Versions { compiled: compiled(), userland: userland()?, kernel: kernel_at(root)? })
}

/// All three versions from the running system.
pub fn versions() -> Result<Versions> {
    versions_at(&Root::system())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn v(s: &str) -> ZfsVersion {
        ZfsVersion::parse(s).unwrap()
    }

    #[test]
    fn parses_every_spelling() {
        let d = v("zfs-2.3.2-2~bpo12+2");
        assert_eq!((d.major, d.minor, d.patch), (2, 3, Some(2)));
        let k = v("zfs-kmod-2.1.11-1+deb12u1\n");
        assert_eq!((k.major, k.minor, k.patch), (2, 1, Some(11)));
        assert_eq!(k.text, "zfs-kmod-2.1.11-1+deb12u1");
        let plain = v("2.4.1");
        assert_eq!((plain.major, plain.minor, plain.patch), (2, 4, Some(1)));
        let short = v("2.2");
        assert_eq!(short.patch, None);
        assert!(ZfsVersion::parse("zfs-").is_none());
        assert!(ZfsVersion::parse("").is_none());
    }

    #[test]
    fn check_requires_the_same_line() {
        let ok =
            Versions { compiled: v("2.3.2"), userland: v("zfs-2.3.4-1"), kernel: Some(v("2.3.1")) };
        assert!(ok.check(KernelPolicy::SameLine).is_ok());

        let old_lib = Versions { userland: v("zfs-2.2.9-1"), ..ok.clone() };
        let err = old_lib.check(KernelPolicy::Any).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::VersionMismatch);
        assert_eq!(
            err.to_string(),
            "OpenZFS version mismatch: compiled against 2.3.2, loaded libzfs zfs-2.2.9-1"
        );

        let old_kernel = Versions { kernel: Some(v("2.1.11")), ..ok.clone() };
        let err = old_kernel.check(KernelPolicy::SameLine).unwrap_err();
        assert!(err.to_string().ends_with(", kernel module 2.1.11"), "{err}");
        assert!(old_kernel.check(KernelPolicy::Any).is_ok());

        let no_module = Versions { kernel: None, ..ok };
        assert_eq!(
            no_module.check(KernelPolicy::SameLine).unwrap_err().kind(),
            ErrorKind::ModuleNotLoaded
        );
        assert!(no_module.check(KernelPolicy::Any).is_ok());
    }

    #[test]
    fn loaded_line_by_symbols() {
        // This test binary links the system's libzfs; the symbols must name
        // the line the headers did.
        assert_eq!(loaded_line(), compiled().minor.min(4));
    }

    #[test]
    fn loaded_libzfs_is_the_compiled_release() {
        // The runtime check itself, against the library this test linked.
        let loaded = userland().unwrap();
        assert!(loaded.same_line(&compiled()), "loaded {loaded}, compiled {}", compiled());
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // builds the tree it reads
    fn kernel_version_from_a_sysfs_tree() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::new(dir.path());
        assert_eq!(kernel_at(&root).unwrap(), None);
        let module = root.sys().join("module/zfs");
        std::fs::create_dir_all(&module).unwrap();
        std::fs::write(module.join("version"), "2.3.2-2~bpo12+2\n").unwrap();
        assert_eq!(kernel_at(&root).unwrap().map(|k| k.minor), Some(3));
        std::fs::write(module.join("version"), "garbage\n").unwrap();
        let err = kernel_at(&root).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        assert!(err.to_string().contains("sys/module/zfs/version"), "{err}");
    }
}
