//! The `oras` binary: parse the command line, set up logging, run the command on a tokio runtime,
//! and turn an error into a message and exit code 1 (as oras does for every failure).
//!
//! Ctrl-C (SIGINT) or SIGTERM cancels the command: its future and every task on the runtime are
//! dropped, which deletes their temp files (tempfile removes on drop), and the process exits 130
//! (143 for SIGTERM), as a shell reports a command killed by that signal. No file is ever under
//! its final name before it is complete and verified, so nothing half-written is left.

mod cli;
mod output;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::parse_args(cli::stdio::argv()) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version requests are successes; usage errors exit 1 like oras (cobra).
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            eprint!("{}", cli::usage::render(&e));
            return ExitCode::from(1);
        }
    };
    init_logging(cli.debug());
    // One thread drives the command and its I/O: every future of a command runs on it anyway
    // (the library spawns no tasks), and a multi-threaded runtime would only add a wake-up of
    // this thread by a worker for every socket event (the cost of a many-file transfer).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    // The signal is awaited on a thread of its own, so it is seen even while the command blocks
    // its thread (a password prompt); if the command cannot be dropped within a few seconds,
    // the process exits anyway.
    let (signalled, mut on_signal) = tokio::sync::oneshot::channel();
    watch_signals(signalled);
    let outcome = runtime.block_on(async {
        tokio::select! {
            result = cli.run() => Ok(result),
            code = &mut on_signal => Err(code.unwrap_or(130)),
        }
    });
    // A blocking read cut short by the signal (EINTR) fails the command first: still an
    // interruption, not an error.
    let outcome = match outcome {
        Ok(Err(e)) if looks_interrupted(&e) => {
            // The signal's task may not have run yet: give it a moment.
            let wait = std::time::Duration::from_millis(500);
            match runtime.block_on(async { tokio::time::timeout(wait, &mut on_signal).await }) {
                Ok(Ok(code)) => Err(code),
                _ => Ok(Err(e)),
            }
        }
        other => other,
    };
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            report(&e);
            ExitCode::from(1)
        }
        Err(code) => {
            // The command's future is dropped by now; dropping the runtime drops every spawned
            // task (and their temp files). Blocking work (an extraction) gets a moment to notice.
            runtime.shutdown_timeout(std::time::Duration::from_secs(2));
            eprintln!("Error: interrupted");
            ExitCode::from(code)
        }
    }
}

/// Starts the thread that waits for SIGINT or SIGTERM, reports it through `signalled`, and
/// ends the process if the command has not stopped 5 s later. Without that thread (it could
/// not start) the signals keep their default action: the process is killed at once.
fn watch_signals(signalled: tokio::sync::oneshot::Sender<u8>) {
    let watcher = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let Ok(watcher) = watcher else { return };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            watcher.block_on(async move {
                let code = interrupted().await;
                let _ = signalled.send(code);
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                eprintln!("Error: interrupted");
                std::process::exit(i32::from(code));
            })
        });
}

/// Whether an error may be a system call cut short by a signal (EINTR).
fn looks_interrupted(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::Interrupted)
            || e.to_string().contains("interrupted")
    })
}

/// Resolves on SIGINT (to 130) or SIGTERM (to 143).
async fn interrupted() -> u8 {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        match (int, term) {
            (Ok(mut int), Ok(mut term)) => tokio::select! {
                _ = int.recv() => 130,
                _ = term.recv() => 143,
            },
            _ => {
                let _ = tokio::signal::ctrl_c().await;
                130
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        130
    }
}

fn init_logging(debug: bool) {
    let level = if debug {
        "oras_rs=debug,oras=debug"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORAS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // `finish` + `set_global_default` rather than `try_init`: `try_init` also bridges the `log`
    // crate when tracing-subscriber's `tracing-log` feature is on, which a dev-dependency turns on
    // in test builds; the binary under test must log exactly as the released one.
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .finish();
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Prints an error the way oras does ([`output::failure::report`]).
fn report(err: &anyhow::Error) {
    output::failure::report(err);
}
