//! `helios64-upsd`'s command line, as a library: the daemon parses with it,
//! and `helios64-gen-docs` renders the man page and shell completions from
//! the same definition. The daemon itself is the binary.

pub mod cli;
