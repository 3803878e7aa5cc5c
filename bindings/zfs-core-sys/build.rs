//! Build script: generates the libzfs_core bindings from the headers
//! `nvpair-sys` found (`DEP_NVPAIR_*`), links `libzfs_core`, and re-exports
//! the discovery as `DEP_ZFS_CORE_*` for the crates that depend on this one.

// Build scripts read headers and write generated code: not the board.
#![allow(clippy::disallowed_methods)]

use std::env;
use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let headers = zfs_sys_build::Headers::from_dependency("nvpair")?;
    headers.enable_cfgs();
    headers.publish();
    zfs_sys_build::link("zfs_core");

    let bindings = zfs_sys_build::builder("libzfs_core.h", &headers.include_dirs())
        .allowlist_function("lzc_.*|libzfs_core_.*")
        .allowlist_type("lzc_.*")
        // The kernel/userland ABI vocabulary: ioctl numbers, pool and vdev
        // states, the vdev_stat_t and pool_scan_stat_t layouts, property
        // enums, ZPOOL_CONFIG_* keys, ZFS_ERR_* errnos.
        .allowlist_file(".*/sys/fs/zfs\\.h")
        // ... but the functions that header declares live in libzfs, not in
        // libzfs_core: libzfs-sys binds them.
        .blocklist_function(
            "zfs_prop_.*|zpool_prop_.*|vdev_prop_.*|zfs_name_to_prop|zpool_name_to_prop|\
             vdev_name_to_prop",
        )
        .blocklist_item("zfs_userquota_prop_prefixes")
        // The nvlist structs are owned by nvpair-sys and imported, so an
        // nvlist from either crate is the same Rust type. (Plain typedefs
        // such as boolean_t are regenerated: an alias is the same type either
        // way, and bindgen can only derive Debug for types it generated.)
        .blocklist_type("nvlist|nvlist_t|nvpair|nvpair_t")
        .raw_line("#[allow(unused_imports)] use nvpair_sys::{nvlist, nvlist_t, nvpair, nvpair_t};")
        .generate_cstr(true)
        .derive_debug(true)
        .generate()?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    bindings.write_to_file(out.join("bindings.rs"))?;
    Ok(())
}
