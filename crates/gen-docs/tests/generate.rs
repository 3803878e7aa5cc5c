//! The real `helios64-gen-docs` into a temporary directory: every binary
//! gets its man pages and its three completions; every page is roff that
//! groff formats without a warning and `man` renders with the binary's
//! name, its documented options and the version; every bash completion
//! loads; and a directory it cannot write is exit 1 naming the path.
//! groff, man and bash are required (scripts/deps.sh host): a missing one
//! fails these tests, it never skips them.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

const GEN_DOCS: &str = env!("CARGO_BIN_EXE_helios64-gen-docs");

/// The installed binaries: a name dropped from the generator fails here.
const BINARIES: [&str; 8] = [
    "helios64",
    "helios64-fand",
    "helios64-upsd",
    "helios64-exporter",
    "helios64-scrub",
    "helios64-snap",
    "helios64-pin",
    "helios64-replicate",
];

fn generate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(GEN_DOCS).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// Runs a tool the tests need; its absence is a failure, with the fix.
fn tool(program: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(program).args(args).envs(env.iter().copied()).output().unwrap_or_else(|e| {
        panic!("{program} cannot run ({e}): scripts/deps.sh host installs groff-base, man-db, bash")
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Each page with the command it documents: the binaries and, recursively,
/// their visible subcommands (clap's `help` has none).
fn pages() -> Vec<(String, clap::Command)> {
    fn walk(command: &clap::Command, pages: &mut Vec<(String, clap::Command)>) {
        let name = command.get_display_name().unwrap_or(command.get_name()).to_owned();
        pages.push((name, command.clone()));
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help")
        {
            walk(sub, pages);
        }
    }
    let mut pages = Vec::new();
    for mut command in helios64_gen_docs::commands() {
        command.build();
        walk(&command, &mut pages);
    }
    pages
}

#[test]
fn every_binary_has_its_man_pages_and_three_completions() {
    let dir = generate();
    let names: Vec<String> =
        helios64_gen_docs::commands().iter().map(|c| c.get_name().to_owned()).collect();
    assert_eq!(names, BINARIES);
    for bin in BINARIES {
        for file in [
            format!("man/man1/{bin}.1"),
            format!("completions/bash/{bin}"),
            format!("completions/zsh/_{bin}"),
            format!("completions/fish/{bin}.fish"),
        ] {
            let contents = std::fs::read(dir.path().join(&file)).unwrap_or_else(|e| {
                panic!("{file}: {e}");
            });
            assert!(!contents.is_empty(), "{file} is empty");
        }
    }
    for sub in ["status", "smart", "fan", "health", "ups"] {
        assert!(dir.path().join(format!("man/man1/helios64-{sub}.1")).is_file(), "{sub}");
    }
    assert!(dir.path().join("man/man1/helios64-snap-import-sanoid.1").is_file());
    assert!(!dir.path().join("man/man1/helios64-help.1").exists(), "clap's help gets no page");
    let written = std::fs::read_dir(dir.path().join("man/man1")).unwrap().count();
    assert_eq!(written, pages().len());
}

#[test]
fn every_binary_has_the_workspace_version_its_subcommand_pages_carry() {
    for command in helios64_gen_docs::commands() {
        assert_eq!(command.get_version(), Some(env!("CARGO_PKG_VERSION")), "{}", command);
    }
}

#[test]
fn man_pages_are_warning_free_roff_that_man_renders_with_name_options_and_version() {
    let dir = generate();
    let version = env!("CARGO_PKG_VERSION");
    for (name, command) in pages() {
        let page = dir.path().join(format!("man/man1/{name}.1"));
        let page = page.to_str().unwrap();
        // -ww: every warning; -z: format, print nothing but diagnostics.
        let groff = tool("groff", &["-man", "-Tutf8", "-ww", "-z", page], &[]);
        assert!(
            groff.status.success() && groff.stderr.is_empty(),
            "{name}: {}",
            text(&groff.stderr)
        );

        // Wide enough that no option is hyphenated across lines.
        let man = tool("man", &["-l", page], &[("MANWIDTH", "400"), ("LC_ALL", "C.UTF-8")]);
        assert!(man.status.success(), "{name}: {}", text(&man.stderr));
        let rendered = text(&man.stdout);
        assert!(rendered.starts_with(&format!("{name}(1)")), "{name}: {rendered}");
        assert!(rendered.contains(&format!("v{version}")), "{name}: no VERSION section");
        assert!(
            rendered.contains(&format!("helios64 {version}")),
            "{name}: no version in the title"
        );
        for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                assert!(rendered.contains(&format!("--{long}")), "{name}: --{long} missing");
            }
        }
        assert!(rendered.contains("-h, --help"), "{name}");
        // A subcommand takes no --version (only the binary does): its page
        // must not offer one, though it carries the version.
        let offers_version = rendered.contains("-V, --version");
        assert_eq!(offers_version, command.get_version().is_some(), "{name}");
        assert!(!rendered.contains("--config-dir"), "{name}: a hidden option is documented");
    }
    // What every daemon takes, where a user looks for it.
    for daemon in ["helios64-fand", "helios64-upsd", "helios64-exporter", "helios64-pin"] {
        let man = tool(
            "man",
            &["-l", dir.path().join(format!("man/man1/{daemon}.1")).to_str().unwrap()],
            &[("MANWIDTH", "400")],
        );
        let rendered = text(&man.stdout);
        for option in ["--check-config", "--root", "--config", "--log-level", "--once"] {
            assert!(rendered.contains(option), "{daemon}: {option}");
        }
        assert!(rendered.contains("Exit status:"), "{daemon}: the exit codes are documented");
    }
}

#[test]
fn bash_completions_load_and_register_their_binary() {
    let dir = generate();
    for bin in BINARIES {
        let file = dir.path().join("completions/bash").join(bin);
        let script = format!("source {}; complete -p {bin}", file.display());
        let out = tool("bash", &["--norc", "--noprofile", "-c", &script], &[]);
        assert!(out.status.success(), "{bin}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{bin}: {}", text(&out.stderr));
        let registered = text(&out.stdout);
        assert!(registered.trim_end().ends_with(&format!(" {bin}")), "{bin}: {registered}");
    }
}

#[test]
fn zsh_and_fish_completions_name_the_options() {
    let dir = generate();
    let read = |file: &str| std::fs::read_to_string(dir.path().join(file)).unwrap();
    let zsh = read("completions/zsh/_helios64-fand");
    assert!(zsh.starts_with("#compdef helios64-fand"), "{zsh}");
    assert!(zsh.contains("--full-speed") && zsh.contains("--check-config"), "{zsh}");
    let fish = read("completions/fish/helios64-fand.fish");
    assert!(fish.contains("complete -c helios64-fand"), "{fish}");
    assert!(fish.contains("-l full-speed") && fish.contains("-l check-config"), "{fish}");
    let subcommands = read("completions/fish/helios64.fish");
    assert!(["status", "smart", "fan", "health", "ups"].iter().all(|s| subcommands.contains(s)));
}

#[test]
fn an_unwritable_out_dir_is_exit_1_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    // A file where a directory must go: fails as root too.
    let blocker = dir.path().join("out");
    std::fs::write(&blocker, "").unwrap();
    let out = Command::new(GEN_DOCS).arg(&blocker).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("helios64-gen-docs: creating "), "{stderr}");
    assert!(stderr.contains(&blocker.display().to_string()), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn help_and_version_exit_0_and_a_bad_command_line_64() {
    let run = |args: &[&str]| Command::new(GEN_DOCS).args(args).output().unwrap();
    let help = run(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("Usage: helios64-gen-docs <OUT_DIR>"));
    let version = run(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(text(&version.stdout), format!("helios64-gen-docs {}\n", env!("CARGO_PKG_VERSION")));
    assert_eq!(run(&[]).status.code(), Some(64));
    assert_eq!(run(&["a", "b"]).status.code(), Some(64));
}

#[test]
fn pages_in_memory_match_what_is_written() {
    let dir = generate();
    for file in helios64_gen_docs::render().unwrap() {
        assert!(file.path.is_relative(), "{}", file.path.display());
        assert_eq!(std::fs::read(dir.path().join(&file.path)).unwrap(), file.contents);
    }
}
