//! `cp`'s option parsing.

use super::*;
use clap::Parser;

#[derive(Parser)]
struct Cmd {
    #[command(flatten)]
    args: CpArgs,
}

#[test]
fn from_and_to_options_become_the_same_target_options() {
    let cmd = Cmd::try_parse_from([
        "cp",
        "--from-oci-layout",
        "--to-plain-http=false",
        "--to-insecure",
        "-r",
        "dir:v1",
        "example.com/repo:a,b",
    ])
    .unwrap();
    let (from, to) = cmd.args.ends.sides().unwrap();
    assert!(from.oci_layout && from.oci_layout_path.is_none());
    assert!(!from.remote.insecure && from.remote.plain_http.is_none());
    assert!(!to.is_layout() && to.remote.insecure);
    assert_eq!(to.remote.plain_http, Some(false));
    assert!(cmd.args.recursive);
    assert_eq!(cmd.args.concurrency.get(), 3);
    // A layout flag and a layout path on the same side conflict.
    assert!(
        Cmd::try_parse_from([
            "cp",
            "--to-oci-layout",
            "--to-oci-layout-path",
            "x",
            "a",
            "b"
        ])
        .is_err()
    );
    assert!(
        Cmd::try_parse_from([
            "cp",
            "--from-oci-layout",
            "--to-oci-layout-path",
            "x",
            "a",
            "b"
        ])
        .is_ok()
    );
}
