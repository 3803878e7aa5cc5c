//! Build script: re-exports the OpenZFS version cfgs the `-sys` crates
//! computed (`DEP_ZFS_CORE_*`, `DEP_ZFS_*`), so this crate gates on exactly
//! the headers it was compiled against.

// Cargo reads its instructions from a build script's standard output.
#![allow(clippy::print_stdout)]

use std::env;

fn main() -> Result<(), String> {
    let get = |key: &str| {
        env::var(key)
            .map_err(|_| format!("{key} is not set; the ZFS -sys build scripts must run first"))
    };
    let known = get("DEP_ZFS_CORE_KNOWN_CFGS")?;
    let cfgs = get("DEP_ZFS_CORE_CFGS")?;
    let version = get("DEP_ZFS_CORE_VERSION")?;
    let libzfs_version = get("DEP_ZFS_VERSION")?;
    if version != libzfs_version {
        return Err(format!(
            "zfs-core-sys was generated from OpenZFS {version} but libzfs-sys from {libzfs_version}"
        ));
    }
    for cfg in known.split(',') {
        println!("cargo:rustc-check-cfg=cfg({cfg})");
    }
    for cfg in cfgs.split(',').filter(|c| !c.is_empty()) {
        println!("cargo:rustc-cfg={cfg}");
    }
    println!("cargo:rustc-env=HELIOS64_ZFS_COMPILED_VERSION={version}");
    Ok(())
}
