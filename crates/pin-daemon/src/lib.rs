//! `helios64-pin`'s command line, as a library: the command parses with
//! it, and `helios64-gen-docs` renders the man pages and shell completions
//! from the same definition. The command itself is the binary.

pub mod cli;
