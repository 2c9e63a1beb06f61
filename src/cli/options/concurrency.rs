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

/// What oras-go uses for a concurrency of 0 or less: `CopyGraph`'s default for a copy, and
/// `TagN`'s for tagging (`--concurrency 0` is "no limit given", not "no transfers").
const COPY_DEFAULT: usize = 3;
const TAG_DEFAULT: usize = 5;

impl<const DEFAULT: usize> ConcurrencyArgs<DEFAULT> {
    /// The level of a copy: as given, or oras-go's copy default for 0.
    pub fn get(&self) -> usize {
        match self.concurrency {
            0 => COPY_DEFAULT,
            n => n,
        }
    }

    /// The level of tagging (`oras tag`, `manifest push` with tags): as given, or oras-go's
    /// `TagN` default for 0.
    pub fn get_for_tags(&self) -> usize {
        match self.concurrency {
            0 => TAG_DEFAULT,
            n => n,
        }
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

#[cfg(test)]
mod tests {
    use super::ConcurrencyArgs;

    #[test]
    fn concurrency_zero_is_oras_gos_default_not_a_stall() {
        let zero = ConcurrencyArgs::<5> { concurrency: 0 };
        assert_eq!((zero.get(), zero.get_for_tags()), (3, 5));
        let seven = ConcurrencyArgs::<5> { concurrency: 7 };
        assert_eq!((seven.get(), seven.get_for_tags()), (7, 7));
    }
}
