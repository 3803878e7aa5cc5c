//! Build script: generates the libzfs bindings from the headers `nvpair-sys`
//! found (read back through `zfs-core-sys` as `DEP_ZFS_CORE_*`), links
//! `libzfs`, and re-exports the version and cfgs as `DEP_ZFS_*`.
//!
//! Two bindgen passes:
//! 1. everything declared in `libzfs.h`, with the types of `sys/fs/zfs.h`,
//!    `libzfs_core.h` and the nvpair headers taken from `zfs-core-sys` and
//!    `nvpair-sys` (so a `zpool_prop_t` or an `nvlist_t` is one Rust type
//!    across the three crates);
//! 2. the property helpers `sys/fs/zfs.h` declares but libzfs implements
//!    (`zfs_prop_to_name`, `zfs_prop_valid_for_type`, …), which
//!    `zfs-core-sys` leaves out because `libzfs_core` does not export them.

// Build scripts read headers and write generated code: not the board.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeSet;
use std::env;
use std::error::Error;
use std::path::PathBuf;

/// Settings both passes share.
fn builder(include_dirs: &[PathBuf]) -> bindgen::Builder {
    zfs_sys_build::builder("libzfs.h", include_dirs).generate_cstr(true)
}

/// Names of the `extern` functions in generated code.
fn function_names(code: &str) -> BTreeSet<String> {
    code.lines()
        .filter_map(|l| l.trim_start().strip_prefix("pub fn "))
        .filter_map(|rest| rest.split('(').next())
        .map(str::to_owned)
        .collect()
}

fn main() -> Result<(), Box<dyn Error>> {
    let headers = zfs_sys_build::Headers::from_dependency("zfs_core")?;
    headers.enable_cfgs();
    headers.publish();
    zfs_sys_build::link("zfs");

    let include_dirs = headers.include_dirs();
    let owned_elsewhere = ".*/sys/fs/zfs\\.h|.*/libzfs_core\\.h|.*/sys/nvpair\\.h|.*/libnvpair\\.h";

    let main_pass = builder(&include_dirs)
        .allowlist_file(".*/libzfs\\.h")
        .blocklist_file(owned_elsewhere)
        .raw_line("#[allow(unused_imports)] use nvpair_sys::{nvlist, nvlist_t, nvpair, nvpair_t};")
        .raw_line("#[allow(unused_imports)] use zfs_core_sys::*;")
        .generate()?
        .to_string();

    // Declared in sys/fs/zfs.h, implemented in libzfs. Skip any that libzfs.h
    // redeclares (pass 1 already has them) so no symbol is bound twice.
    let already = function_names(&main_pass);
    let mut helpers = builder(&include_dirs)
        .allowlist_function(
            "zfs_prop_.*|zpool_prop_.*|vdev_prop_.*|zfs_name_to_prop|zpool_name_to_prop|\
             vdev_name_to_prop",
        )
        .allowlist_recursively(false);
    for name in &already {
        helpers = helpers.blocklist_function(regex_escape(name));
    }
    let helpers = helpers.generate()?.to_string();

    let out = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(out.join("bindings.rs"), main_pass)?;
    std::fs::write(out.join("prop_helpers.rs"), helpers)?;
    Ok(())
}

fn regex_escape(name: &str) -> String {
    // C identifiers need no escaping; this guards against a future change.
    name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}
