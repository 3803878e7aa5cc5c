//! Build script: finds OpenZFS (see `discover.rs`), generates the libnvpair
//! bindings into `OUT_DIR`, links `libnvpair`, and publishes what it found as
//! `links` metadata so `zfs-core-sys`, `libzfs-sys` and safe crates reuse the
//! same headers, version and cfgs (`DEP_NVPAIR_INCLUDE`, `DEP_NVPAIR_VERSION`,
//! `DEP_NVPAIR_CFGS`, `DEP_NVPAIR_KNOWN_CFGS`).

// Build scripts read headers and write generated code: not the board.
#![allow(clippy::disallowed_methods)]
// Cargo reads its instructions from a build script's standard output.
#![allow(clippy::print_stdout)]

mod discover;

use std::env;
use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let install = discover::discover()?;
    let out = PathBuf::from(env::var("OUT_DIR")?);

    let headers = zfs_sys_build::Headers {
        include: env::join_paths(&install.include_dirs)?.to_string_lossy().into_owned(),
        version: install.version.to_string(),
        cfgs: install.version.cfgs(),
        known_cfgs: discover::known_cfgs(),
    };
    headers.enable_cfgs();
    headers.publish();
    println!("cargo:origin={}", install.origin);

    if env::var_os("DOCS_RS").is_none() {
        for dir in &install.lib_dirs {
            println!("cargo:rustc-link-search=native={}", dir.display());
        }
        println!("cargo:rustc-link-lib=dylib=nvpair");
    }

    let bindings = zfs_sys_build::builder("libnvpair.h", &install.include_dirs)
        .allowlist_function("nvlist_.*|nvpair_.*|fnvlist_.*|fnvpair_.*")
        .allowlist_type("nvlist_t|nvpair_t|data_type_t|boolean_t|hrtime_t|uint_t|uchar_t")
        .allowlist_var("NV_UNIQUE_NAME.*|NV_ENCODE_.*|NV_VERSION|NV_FLAG_.*")
        // The allocator hooks take a va_list; the printers take FILE* and a
        // regex_t; none of them are needed and all of them drag in
        // platform-specific types.
        .blocklist_function(
            "nvlist_print.*|nvlist_prt.*|nvpair_value_match.*|dump_nvlist|nvlist_x.*|\
             nvlist_lookup_nv_alloc|nv_alloc_.*",
        )
        .blocklist_type(
            "nv_alloc.*|nvlist_prtctl.*|FILE|_IO_.*|va_list|__va_list_tag|__builtin_va_list",
        )
        .derive_debug(true)
        .generate()?;
    bindings.write_to_file(out.join("bindings.rs"))?;
    Ok(())
}
