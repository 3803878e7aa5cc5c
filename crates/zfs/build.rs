//! Build script: with the `native` feature, re-exports the OpenZFS version
//! cfgs the `-sys` crates computed (`DEP_ZFS_CORE_*`), so this crate gates
//! on exactly the headers it was compiled against, after checking that
//! `libzfs-sys` (`DEP_ZFS_*`) was generated from the same release. Without
//! it there are no headers and nothing to gate.

// Build scripts read headers and write generated code: not the board.
#![allow(clippy::disallowed_methods)]

#[cfg(feature = "native")]
fn main() -> Result<(), String> {
    use zfs_sys_build::Headers;

    let core = Headers::from_dependency("zfs_core")?;
    let libzfs = Headers::from_dependency("zfs")?;
    if core.version != libzfs.version {
        return Err(format!(
            "zfs-core-sys was generated from OpenZFS {} but libzfs-sys from {}",
            core.version, libzfs.version
        ));
    }
    core.enable_cfgs();
    Ok(())
}

#[cfg(not(feature = "native"))]
fn main() {}
