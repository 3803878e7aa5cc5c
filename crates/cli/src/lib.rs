//! The `helios64` command's command line, as a library: the binary parses
//! with it, and `helios64-gen-docs` renders the man pages and shell
//! completions from the same definition, so they cannot drift apart.

pub mod args;
