//! `--concurrency`, declared once; each command states oras's default for it as the type
//! parameter (`ConcurrencyArgs<5>` for push, `ConcurrencyArgs<3>` for pull and cp).
//!
//! `Args` is written by hand: clap's derive keeps a `default_value_t` in a static that all
//! instances of a generic struct share, so the first command's default would win everywhere.

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};

/// `--concurrency N`: how many blobs (or tags) are transferred at once.
#[derive(Debug, Clone, Copy)]
pub struct ConcurrencyArgs<const DEFAULT: usize> {
    /// The level given, or the command's default.
    pub concurrency: usize,
}

impl<const DEFAULT: usize> ConcurrencyArgs<DEFAULT> {
    /// The level, at least 1 (`--concurrency 0` would stall every transfer).
    pub fn get(&self) -> usize {
        self.concurrency.max(1)
    }
}

impl<const DEFAULT: usize> FromArgMatches for ConcurrencyArgs<DEFAULT> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let concurrency = matches
            .get_one::<usize>("concurrency")
            .copied()
            .unwrap_or(DEFAULT);
        Ok(ConcurrencyArgs { concurrency })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl<const DEFAULT: usize> Args for ConcurrencyArgs<DEFAULT> {
    fn augment_args(cmd: Command) -> Command {
        // Leaked once per command definition: a few bytes for the life of the process.
        let default: &'static str = Box::leak(DEFAULT.to_string().into_boxed_str());
        cmd.arg(
            Arg::new("concurrency")
                .long("concurrency")
                .value_name("CONCURRENCY")
                .help("Concurrency level")
                .value_parser(clap::value_parser!(usize))
                .default_value(default),
        )
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}
