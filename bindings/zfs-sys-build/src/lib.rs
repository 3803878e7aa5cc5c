//! Build-script support shared by the OpenZFS `-sys` crates (`nvpair-sys`,
//! `zfs-core-sys`, `libzfs-sys`) and `helios64-zfs`. Use it from a build
//! script only: everything here talks to cargo through standard output.
//!
//! `nvpair-sys` finds OpenZFS once and publishes what it found as `links`
//! metadata. Each crate above it reads that back from its direct dependency
//! ([`Headers::from_dependency`]), turns on the same version cfgs
//! ([`Headers::enable_cfgs`]) and, if it is a `-sys` crate, publishes it again
//! under its own `links` name for the crates above it ([`Headers::publish`]).
//! [`builder`] is the bindgen setup the three bindings share.

// Build scripts read headers and write generated code: not the board.
#![allow(clippy::disallowed_methods)]
#![allow(clippy::print_stdout, reason = "build scripts talk to cargo through stdout")]

use std::env;
use std::path::PathBuf;

/// The OpenZFS headers the bindings are generated from, the release they
/// belong to and the version cfgs that release enables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    /// The `-I` directories as a search path, e.g.
    /// `/usr/include/libzfs:/usr/include/libspl`.
    pub include: String,
    /// The OpenZFS version text, e.g. `2.3.2`.
    pub version: String,
    /// The cumulative cfgs this version enables (`zfs_2_1`, `zfs_2_2`, …).
    pub cfgs: Vec<String>,
    /// Every cfg any supported version can enable, for `rustc-check-cfg`.
    pub known_cfgs: Vec<String>,
}

impl Headers {
    /// Reads what the direct dependency with `links = "<links>"` published
    /// (`DEP_<LINKS>_INCLUDE`, `_VERSION`, `_CFGS`, `_KNOWN_CFGS`).
    pub fn from_dependency(links: &str) -> Result<Headers, String> {
        let prefix = links.to_ascii_uppercase();
        let get = |key: &str| {
            let var = format!("DEP_{prefix}_{key}");
            env::var(&var).map_err(|_| {
                format!(
                    "{var} is not set; the build script of the crate with links = \"{links}\" \
                     must run first"
                )
            })
        };
        let list = |text: String| -> Vec<String> {
            text.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect()
        };
        Ok(Headers {
            include: get("INCLUDE")?,
            version: get("VERSION")?,
            cfgs: list(get("CFGS")?),
            known_cfgs: list(get("KNOWN_CFGS")?),
        })
    }

    /// The `-I` directories, in order.
    pub fn include_dirs(&self) -> Vec<PathBuf> {
        env::split_paths(&self.include).collect()
    }

    /// Declares every known version cfg and enables this version's, for the
    /// crate being built.
    pub fn enable_cfgs(&self) {
        for cfg in &self.known_cfgs {
            println!("cargo:rustc-check-cfg=cfg({cfg})");
        }
        for cfg in &self.cfgs {
            println!("cargo:rustc-cfg={cfg}");
        }
    }

    /// Publishes the headers as the crate's own `links` metadata (its
    /// dependents read them as `DEP_<LINKS>_*`), and gives the crate the
    /// version as `HELIOS64_ZFS_HEADERS_VERSION`.
    pub fn publish(&self) {
        println!("cargo:include={}", self.include);
        println!("cargo:version={}", self.version);
        println!("cargo:cfgs={}", self.cfgs.join(","));
        println!("cargo:known_cfgs={}", self.known_cfgs.join(","));
        println!("cargo:rustc-env=HELIOS64_ZFS_HEADERS_VERSION={}", self.version);
    }
}

/// Links the shared library `lib<name>`, except on docs.rs, which has the
/// headers but not the libraries. The search paths come from `nvpair-sys`
/// and apply to the whole link.
pub fn link(name: &str) {
    println!("cargo:rerun-if-env-changed=DOCS_RS");
    if env::var_os("DOCS_RS").is_none() {
        println!("cargo:rustc-link-lib=dylib={name}");
    }
}

/// A bindgen builder for `#include <header>` with the settings all three
/// bindings share; each crate adds its allow and block lists.
pub fn builder(header: &str, include_dirs: &[PathBuf]) -> bindgen::Builder {
    let wrapper = format!("{}.h", env::var("CARGO_PKG_NAME").unwrap_or_default());
    bindgen::Builder::default()
        .header_contents(&wrapper, &format!("#include <{header}>\n"))
        .clang_args(include_dirs.iter().map(|d| format!("-I{}", d.display())))
        // libspl (like the OpenZFS build itself) expects the GNU/LFS64 declarations.
        .clang_arg("-D_GNU_SOURCE")
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        // Constants, never Rust enums: a value the headers did not list (a
        // newer library or kernel module) must not be undefined behaviour.
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .use_core()
        .layout_tests(true)
        .generate_comments(true)
}
