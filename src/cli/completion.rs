//! `oras completion <shell>` (clap_complete) and the hidden `oras man` page generator
//! (clap_mangen), both from the same command definitions.

use anyhow::Result;
use clap::{Args, ValueEnum};
use clap_complete::Shell;

/// Generate the autocompletion script for the specified shell
#[derive(Args, Debug)]
#[command(
    after_help = "Example - Load completions in the current bash session:\n  source <(oras completion bash)\n\nExample - Load completions in zsh:\n  oras completion zsh > \"${fpath[1]}/_oras\"\n\nExample - Load completions in fish:\n  oras completion fish | source"
)]
pub struct CompletionArgs {
    /// The shell: bash, zsh, fish or powershell
    #[arg(value_name = "SHELL")]
    shell: CompletionShell,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

/// Runs `oras completion`.
pub fn run(args: CompletionArgs) -> Result<()> {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
    };
    let mut cmd = super::Cli::command_tree();
    // Into memory first: clap_complete panics on a write error such as a closed pipe.
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "oras", &mut out);
    crate::output::print_json_bytes(&out);
    Ok(())
}

/// Print the man page of oras (roff), generated from the command definitions
#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write one page per command (`oras.1`, `oras-manifest-fetch.1`, …) into this directory
    /// instead of printing the root page
    #[arg(long, value_name = "DIR")]
    output_dir: Option<std::path::PathBuf>,
}

/// Runs `oras man`: the root page on stdout, or every page into `--output-dir`.
pub fn run_man(args: ManArgs) -> Result<()> {
    let cmd = super::Cli::command_tree();
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir).map_err(|e| oras_rs::Error::io(dir, e))?;
        clap_mangen::generate_to(cmd, dir).map_err(|e| oras_rs::Error::io(dir, e))?;
        return Ok(());
    }
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    crate::output::print_json_bytes(&out);
    Ok(())
}
