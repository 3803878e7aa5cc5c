//! Shell completions, under the names each shell's completion directory
//! expects: bash-completion loads `completions/<bin>` on first use, zsh's
//! fpath autoloads `_<bin>`, fish reads `<bin>.fish`.

use std::path::PathBuf;

use clap::Command;
use clap_complete::Shell;

use crate::File;

/// The bash, zsh and fish completions of `command`.
pub(crate) fn scripts(command: &Command) -> Vec<File> {
    let name = command.get_name().to_owned();
    [
        (Shell::Bash, format!("completions/bash/{name}")),
        (Shell::Zsh, format!("completions/zsh/_{name}")),
        (Shell::Fish, format!("completions/fish/{name}.fish")),
    ]
    .into_iter()
    .map(|(shell, path)| {
        // Into memory: clap_complete's generators cannot report a write
        // error (they panic on one), and a Vec never fails.
        let mut contents = Vec::new();
        clap_complete::generate(shell, &mut command.clone(), &name, &mut contents);
        File { path: PathBuf::from(path), contents }
    })
    .collect()
}
