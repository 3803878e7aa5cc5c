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

// Cargo reads its instructions from a build script's standard output.
#![allow(clippy::print_stdout)]

use std::collections::BTreeSet;
use std::env;
use std::error::Error;
use std::path::PathBuf;

fn dep(name: &str) -> Result<String, String> {
    let key = format!("DEP_ZFS_CORE_{name}");
    env::var(&key)
        .map_err(|_| format!("{key} is not set; zfs-core-sys's build script must run first"))
}

/// Settings both passes share.
fn builder(include_dirs: &[PathBuf]) -> bindgen::Builder {
    bindgen::Builder::default()
        .header_contents("libzfs-sys.h", "#include <libzfs.h>\n")
        .clang_args(include_dirs.iter().map(|d| format!("-I{}", d.display())))
        // libspl (like the OpenZFS build itself) expects the GNU/LFS64 declarations.
        .clang_arg("-D_GNU_SOURCE")
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        // Constants, never Rust enums: a value the headers did not list (a
        // newer library) must not be undefined behaviour.
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .generate_cstr(true)
        .use_core()
        .layout_tests(true)
        .generate_comments(true)
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

    println!("cargo:rerun-if-env-changed=DOCS_RS");
    if env::var_os("DOCS_RS").is_none() {
        println!("cargo:rustc-link-lib=dylib=zfs");
    }

    let include_dirs: Vec<PathBuf> = env::split_paths(&include).collect();
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
