//! `oras repo ls` and `oras repo tags` against a real Distribution registry, an OCI layout, and
//! a scripted registry for `Link` pagination (oras-cli.md §1.2, §4.5, §5.3 "repo").

use crate::common;

use common::{
    FakeRegistry, FakeResponse, Registry, assert_clean_failure, assert_success, oras, run, workdir,
    write_file,
};
use serde_json::Value;

fn populate(reg: &Registry) -> String {
    let digest = reg.push_artifact("ns/a", "v1", &[]);
    reg.push_artifact("ns/b", "v1", &[]);
    reg.push_artifact("nsx/c", "v1", &[]);
    reg.push_artifact("top", "v1", &[]);
    digest
}

#[test]
fn ls_lists_all_a_namespace_json_and_last() {
    let reg = Registry::start();
    populate(&reg);
    let host = reg.addr();
    for verb in ["ls", "list"] {
        assert_eq!(
            assert_success(&run(&["repo", verb, &host])),
            "ns/a\nns/b\nnsx/c\ntop\n"
        );
    }
    assert_eq!(
        assert_success(&run(&["repository", "ls", &host])),
        "ns/a\nns/b\nnsx/c\ntop\n"
    );
    // The namespace must match whole path segments; text strips it.
    assert_eq!(
        assert_success(&run(&["repo", "ls", &format!("{host}/ns")])),
        "a\nb\n"
    );
    let out = assert_success(&run(&[
        "repo",
        "ls",
        "--format",
        "json",
        &format!("{host}/ns"),
    ]));
    assert_eq!(
        out,
        format!(
            "{{\n  \"registry\": \"{host}\",\n  \"repositories\": [\n    \"ns/a\",\n    \"ns/b\"\n  ]\n}}\n"
        )
    );
    assert_eq!(
        assert_success(&run(&["repo", "ls", "--last", "ns/b", &host])),
        "nsx/c\ntop\n"
    );
    assert_eq!(
        assert_success(&run(&["repo", "ls", "--last", "a", &format!("{host}/ns")])),
        "b\n"
    );
    let err = assert_clean_failure(&run(&["repo", "ls", "--format", "xml", &host]));
    assert!(err.contains("invalid format type"), "{err}");
}

#[test]
fn ls_unreachable_registry_is_a_clean_error() {
    let port = common::ClosedPort::new();
    let err = assert_clean_failure(&run(&["repo", "ls", &format!("127.0.0.1:{}", port.port())]));
    assert!(err.contains("could not list repositories for"), "{err}");
}

#[test]
fn tags_lists_last_excludes_digest_tags_and_filters_by_digest() {
    let reg = Registry::start();
    let d1 = reg.push_artifact("t/r", "v1", &[]);
    let bytes = reg.get_manifest("t/r", "v1").2;
    for tag in ["v2", "alpha"] {
        reg.put_manifest("t/r", tag, common::OCI_MANIFEST, &bytes);
    }
    reg.push_artifact("t/r", "other", &[("text/plain", b"x", Some("x"))]);
    let fake_digest_tag = format!("sha256-{}", "a".repeat(64));
    reg.put_manifest("t/r", &fake_digest_tag, common::OCI_MANIFEST, &bytes);

    let r = reg.reference("t/r");
    for verb in ["tags", "show-tags"] {
        assert_eq!(
            assert_success(&run(&["repo", verb, &r])),
            format!("alpha\nother\n{fake_digest_tag}\nv1\nv2\n")
        );
    }
    assert_eq!(
        assert_success(&run(&["repo", "tags", "--exclude-digest-tags", &r])),
        "alpha\nother\nv1\nv2\n"
    );
    assert_eq!(
        assert_success(&run(&["repo", "tags", "--last", "other", &r])),
        format!("{fake_digest_tag}\nv1\nv2\n")
    );
    let out = assert_success(&run(&[
        "repo",
        "tags",
        "--format",
        "json",
        "--exclude-digest-tags",
        &r,
    ]));
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"tags": ["alpha", "other", "v1", "v2"]})
    );

    // Tags pointing at what v1 points at.
    let out = run(&[
        "repo",
        "tags",
        "--exclude-digest-tags",
        &reg.reference("t/r:v1"),
    ]);
    assert_eq!(assert_success(&out), "alpha\nv1\nv2\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!(
        "[Experimental] querying tags associated to {d1}, it may take a while..."
    )));
    let out = run(&["repo", "tags", &reg.reference(&format!("t/r@{d1}"))]);
    assert_eq!(
        assert_success(&out),
        format!("alpha\n{fake_digest_tag}\nv1\nv2\n")
    );

    let err = assert_clean_failure(&run(&["repo", "tags", &reg.reference("t/none")]));
    assert!(
        err.contains("not found") || err.contains("name unknown"),
        "{err}"
    );
}

#[test]
fn tags_of_a_layout() {
    let dir = workdir();
    write_file(dir.path(), "f", "x");
    let layout = dir.path().join("lay");
    for tag in ["b", "a", "c"] {
        let out = oras()
            .current_dir(dir.path())
            .args([
                "push",
                "--oci-layout",
                &format!("{}:{tag}", layout.display()),
                "f",
            ])
            .output()
            .unwrap();
        assert_success(&out);
    }
    let l = layout.display().to_string();
    assert_eq!(
        assert_success(&run(&["repo", "tags", "--oci-layout", &l])),
        "a\nb\nc\n"
    );
    assert_eq!(
        assert_success(&run(&["repo", "tags", "--oci-layout", "--last", "a", &l])),
        "b\nc\n"
    );
}

#[test]
fn tag_pages_follow_link_on_the_same_origin_only() {
    let fake = FakeRegistry::start(|_, uri| match uri {
        "/v2/p/tags/list" => FakeResponse::new(
            200,
            &[
                ("Content-Type", "application/json"),
                ("Link", "</v2/p/tags/list?last=b&n=2>; rel=\"next\""),
            ],
            r#"{"name":"p","tags":["a","b"]}"#,
        ),
        "/v2/p/tags/list?last=b&n=2" => FakeResponse::new(
            200,
            &[("Content-Type", "application/json")],
            r#"{"name":"p","tags":["c"]}"#,
        ),
        "/v2/evil/tags/list" => FakeResponse::new(
            200,
            &[
                ("Content-Type", "application/json"),
                (
                    "Link",
                    "<http://127.0.0.2:1/v2/evil/tags/list?last=b>; rel=\"next\"",
                ),
            ],
            r#"{"name":"evil","tags":["a"]}"#,
        ),
        _ => FakeResponse::error(404, "NAME_UNKNOWN", "no"),
    });
    let out = run(&["repo", "tags", &format!("{}/p", fake.addr())]);
    assert_eq!(assert_success(&out), "a\nb\nc\n");
    let err = assert_clean_failure(&run(&["repo", "tags", &format!("{}/evil", fake.addr())]));
    assert!(err.contains("refusing to follow it"), "{err}");
    assert!(
        fake.requests()
            .iter()
            .all(|(_, uri)| !uri.contains("127.0.0.2"))
    );
}

#[test]
fn tag_pages_are_capped() {
    // Every page links to itself: the listing must stop at the page cap, with an error.
    let fake = FakeRegistry::start(|_, _| {
        FakeResponse::new(
            200,
            &[
                ("Content-Type", "application/json"),
                ("Link", "</v2/loop/tags/list?last=a>; rel=\"next\""),
            ],
            r#"{"name":"loop","tags":["a"]}"#,
        )
    });
    let err = assert_clean_failure(&run(&["repo", "tags", &format!("{}/loop", fake.addr())]));
    assert!(err.contains("pages; giving up"), "{err}");
    assert_eq!(fake.requests().len(), 1024);
}
