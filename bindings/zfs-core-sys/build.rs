//! Build script: generates the libzfs_core bindings from the headers
//! `nvpair-sys` found (`DEP_NVPAIR_*`), links `libzfs_core`, and re-exports
//! the discovery as `DEP_ZFS_CORE_*` for the crates that depend on this one.

// Cargo reads its instructions from a build script's standard output.
#![allow(clippy::print_stdout)]

use std::env;
use std::error::Error;
use std::path::PathBuf;

fn dep(name: &str) -> Result<String, String> {
    let key = format!("DEP_NVPAIR_{name}");
    env::var(&key)
        .map_err(|_| format!("{key} is not set; nvpair-sys's build script must run first"))
}

fn main() -> Result<(), Box<dyn Error>> {
    let include = dep("INCLUDE")?;
    let version = dep("VERSION")?;
    let cfgs = dep("CFGS")?;
    let known = dep("KNOWN_CFGS")?;

    for cfg in known.split(',') {
        println!("cargo:rustc-check-cfg=cfg({cfg})");
    }
    for cfg in cfgs.split(',').filter(|c| !c.is_empty()) {
        println!("cargo:rustc-cfg={cfg}");
    }
    println!("cargo:include={include}");
    println!("cargo:version={version}");
    println!("cargo:cfgs={cfgs}");
    println!("cargo:known_cfgs={known}");
    println!("cargo:rustc-env=HELIOS64_ZFS_HEADERS_VERSION={version}");

    // Search paths come from nvpair-sys and apply to the whole link.
    println!("cargo:rerun-if-env-changed=DOCS_RS");
    if env::var_os("DOCS_RS").is_none() {
        println!("cargo:rustc-link-lib=dylib=zfs_core");
    }

    let include_dirs: Vec<PathBuf> = env::split_paths(&include).collect();
    let bindings = bindgen::Builder::default()
        .header_contents("zfs-core-sys.h", "#include <libzfs_core.h>\n")
        .clang_args(include_dirs.iter().map(|d| format!("-I{}", d.display())))
        // libspl (like the OpenZFS build itself) expects the GNU/LFS64 declarations.
        .clang_arg("-D_GNU_SOURCE")
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
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
        // Constants, never Rust enums: a value the headers did not list (a
        // newer kernel module) must not be undefined behaviour.
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .generate_cstr(true)
        .use_core()
        .derive_debug(true)
        .layout_tests(true)
        .generate_comments(true)
        .generate()?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    bindings.write_to_file(out.join("bindings.rs"))?;
    Ok(())
}
