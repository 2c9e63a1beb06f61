//! How a failed command is reported on stderr, as oras words it: `Error: …`; `Error response
//! from registry: …` when a registry refused or lacks what was asked for; `Error from source
//! registry for "<ref>": …` (or destination, or `oci-layout`) when one side of a copy failed.

use std::sync::atomic::{AtomicBool, Ordering};

use oras_rs::error::CopySide;

use crate::output::{escape, hints};

/// Set once a command opened a registry target (`TargetArgs`, oras's `option.Target`): a "not
/// found" is then the registry's answer and gets oras's registry prefix (an OCI layout's does
/// not, nor does one of `backup`/`restore`, which oras reports plainly).
static REMOTE: AtomicBool = AtomicBool::new(false);

/// Notes that the command talks to a registry.
pub fn note_remote() {
    REMOTE.store(true, Ordering::Relaxed);
}

/// The prefix oras gives a registry's errors.
pub const REGISTRY_PREFIX: &str = "Error response from registry:";

/// A failure whose prefix the command chose (cp names the side that failed).
#[derive(Debug)]
pub struct Prefixed {
    /// Printed instead of `Error:`.
    pub prefix: String,
    /// The failure.
    pub error: anyhow::Error,
}

impl std::fmt::Display for Prefixed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:#}", self.prefix, self.error)
    }
}

impl std::error::Error for Prefixed {}

/// One end of a copy as oras names it: `registry` or `oci-layout`, and the reference typed.
pub struct End<'a> {
    /// `registry` or `oci-layout`.
    pub kind: &'static str,
    /// The reference as given on the command line.
    pub raw: &'a str,
}

/// The error of a copy from `src` to `dst`, prefixed as oras prefixes it: the failing side when
/// the library says which one, else the registry prefix for a registry's answer (the source
/// registry lacking the artifact included), else `Error:`.
pub fn copy_error(error: anyhow::Error, src: &End<'_>, dst: &End<'_>) -> anyhow::Error {
    // oras names the source as typed where the library knows only its tag or digest.
    let single = oras_rs::error::Hint::Advice(oras_rs::error::Advice::SinglePlatform);
    let error = match library_error(&error).and_then(oras_rs::Error::hint) {
        Some(hint) if hint == single => anyhow::Error::new(oras_rs::Error::invalid_with_hint(
            format!("{:?} is not an image index or a manifest list", src.raw),
            single,
        )),
        _ => error,
    };
    let lib = library_error(&error);
    let prefix = match lib.and_then(oras_rs::Error::copy_side) {
        Some(side) => {
            let end = if side == CopySide::Source { src } else { dst };
            format!("Error from {side} {} for {:?}:", end.kind, end.raw)
        }
        None if is_registry_answer(lib, src.kind == "registry") => REGISTRY_PREFIX.into(),
        None => "Error:".into(),
    };
    anyhow::Error::new(Prefixed { prefix, error })
}

fn library_error(err: &anyhow::Error) -> Option<&oras_rs::Error> {
    err.chain().find_map(|e| e.downcast_ref::<oras_rs::Error>())
}

/// Whether oras would print the error with the registry prefix: the registry answered with an
/// error status, or a registry target lacks what was asked for.
fn is_registry_answer(lib: Option<&oras_rs::Error>, remote: bool) -> bool {
    match lib.map(oras_rs::Error::root) {
        Some(oras_rs::Error::Response(_)) => true,
        Some(oras_rs::Error::NotFound(_)) => remote,
        _ => false,
    }
}

/// The message of `err`: what the registry said (its error codes, or without a body the
/// request and status, as oras's `ReportErrResp`), else every cause joined with `: ` (the
/// errors oras words in its own flags reworded).
fn message(err: &anyhow::Error) -> String {
    let lib = library_error(err);
    if let Some(oras_rs::Error::Response(r)) = lib.map(oras_rs::Error::root) {
        // What a registry said reaches the terminal with its control characters escaped.
        return escape::line(&r.registry_message()).into_owned();
    }
    let message = err
        .chain()
        .map(|e| hints::reword(e).unwrap_or_else(|| e.to_string()))
        .collect::<Vec<_>>()
        .join(": ");
    escape::control(&message).into_owned()
}

/// Prints `err` the way oras does, then a hint line when we know what the user should do.
pub fn report(err: &anyhow::Error) {
    let (prefix, inner) = match err.downcast_ref::<Prefixed>() {
        Some(p) => (p.prefix.clone(), &p.error),
        None => {
            let remote = REMOTE.load(Ordering::Relaxed);
            let prefix = match is_registry_answer(library_error(err), remote) {
                true => REGISTRY_PREFIX,
                false => "Error:",
            };
            (prefix.to_string(), err)
        }
    };
    eprintln!("{} {}", escape::control(&prefix), message(inner));
    let root = library_error(inner).map(oras_rs::Error::root);
    if let Some(oras_rs::Error::NoTags { name, layout }) = root {
        let (name, flag) = match layout {
            true => (name.clone(), " --oci-layout"),
            false => (format!("{name:?}"), ""),
        };
        let hint =
            format!("If you want to list available tags in {name}, use \"oras repo tags{flag}\"");
        eprintln!("{}", escape::control(&hint));
    } else if let Some(hint) = root.and_then(oras_rs::Error::hint) {
        eprintln!("{}", escape::control(&hints::render(&hint)));
    }
}
