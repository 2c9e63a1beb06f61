//! `-d`, `-v` and `--no-tty`: declared once here and added to every command oras gives them
//! (not clap-global: Go oras refuses `oras -d push`, and `version` has no `--debug`).

use clap::{ArgMatches, Args, FromArgMatches};

/// The commands that take no `-d`/`-v`/`--no-tty` in oras.
const WITHOUT_COMMON: &[&str] = &["version", "completion", "man"];

/// `-d/--debug` and the deprecated `-v/--verbose`.
#[derive(Args, Debug, Clone, Default)]
pub struct CommonArgs {
    /// Output debug logs (implies --no-tty)
    #[arg(short = 'd', long)]
    pub debug: bool,

    /// [Deprecated] print status output for unnamed blobs
    #[arg(short = 'v', long, hide = true, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub verbose: Option<bool>,

    /// [Preview] Do not show progress output
    #[arg(long)]
    pub no_tty: bool,
}

impl CommonArgs {
    /// The status output of a transfer: oras's lines when `text` is the format, drawn as
    /// progress bars when stderr is a terminal (not with `--no-tty` or `-d`), silent otherwise.
    pub fn status_printer(
        &self,
        prompts: crate::output::Prompts,
        text: bool,
    ) -> std::sync::Arc<crate::output::StatusPrinter> {
        std::sync::Arc::new(
            crate::output::StatusPrinter::new(prompts, text, self.verbose())
                .with_bars(crate::output::use_bars(text, self.no_tty, self.debug)),
        )
    }

    /// Whether status lines of unnamed blobs are printed (oras default: yes).
    pub fn verbose(&self) -> bool {
        self.verbose.unwrap_or(true)
    }

    /// cobra's deprecation notice, printed by every command that has `--verbose` when it is
    /// given, whether or not the command uses it.
    pub fn warn_deprecated(&self) {
        if self.verbose.is_some() {
            eprintln!(
                "Flag --verbose has been deprecated, and will be removed in a future release."
            );
        }
    }

    /// `cmd` with the common flags added to each of its commands that has them in oras, under
    /// "Options" and first, as if each command had declared them itself.
    pub fn add_to(cmd: clap::Command) -> clap::Command {
        if cmd.has_subcommands() {
            return cmd.mut_subcommands(CommonArgs::add_to);
        }
        if WITHOUT_COMMON.contains(&cmd.get_name()) {
            return cmd;
        }
        let common = CommonArgs::augment_args(clap::Command::new("common"));
        let first: Vec<clap::Arg> = common
            .get_arguments()
            .enumerate()
            .map(|(i, arg)| arg.clone().help_heading(None::<&str>).display_order(i))
            .collect();
        let shift = first.len();
        cmd.mut_args(|arg| {
            let order = arg.get_display_order();
            arg.display_order(order + shift)
        })
        .args(first)
    }

    /// The common flags given to the command `matches` chose (defaults for one without them).
    pub fn from_leaf(matches: &ArgMatches) -> Result<CommonArgs, clap::Error> {
        let mut leaf = matches;
        while let Some((_, sub)) = leaf.subcommand() {
            leaf = sub;
        }
        // Asked of the ids the matches hold (a flag always holds its default), not through
        // `try_contains_id`: that refuses an unknown id only in debug builds, and a release
        // build then read the flags of `oras version` and failed ("debug" not provided).
        if leaf.ids().any(|id| id.as_str() == "debug") {
            CommonArgs::from_arg_matches(leaf)
        } else {
            Ok(CommonArgs::default())
        }
    }
}
