//! `oras attach` and `oras discover` against two real registries: Debian's Distribution 2.8 (no
//! Referrers API: attach maintains the `sha256-<hex>` tag-schema index, discover reads it) and
//! ferro-oci-server (Referrers API: `OCI-Subject` on push, `GET /referrers/<digest>`). Each test
//! checks the output (text and JSON, exact where oras's is fixed) and what the registry holds
//! afterwards, fetched over HTTP.

use crate::common;

use common::ferro::ApiRegistry;
use common::{
    FakeRegistry, FakeResponse, OCI_INDEX, OCI_MANIFEST, Registry, assert_clean_failure,
    assert_success, digest_line, oras, push_files, sha256_digest, workdir, write_file,
};
use serde_json::{Value, json};

const SBOM: &str = "application/vnd.test.sbom";
const SIG: &str = "application/vnd.test.sig";
/// `SOURCE_DATE_EPOCH` used for every attach, so `created` annotations are known.
const EPOCH: &str = "1700000000";
const CREATED: &str = "2023-11-14T22:13:20Z";

/// Pushes `subject.txt` as `<reference>` and returns the manifest digest.
fn push_subject(reference: &str) -> String {
    digest_line(&push_files(reference, &[("subject.txt", b"the subject\n")]))
}

/// Runs `oras attach <args…>` in a temp dir holding `sbom.json` and `sig.txt`; returns stdout.
fn attach(args: &[&str]) -> String {
    let dir = workdir();
    write_file(dir.path(), "sbom.json", "{\"sbom\":true}\n");
    write_file(dir.path(), "sig.txt", "signature\n");
    let out = oras()
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .arg("attach")
        .args(args)
        .output()
        .unwrap();
    assert_success(&out)
}

/// Attaches with `--format json` and returns the printed document.
fn attach_json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&attach(&all)).unwrap()
}

fn discover(args: &[&str]) -> String {
    let out = oras().arg("discover").args(args).output().unwrap();
    assert_success(&out)
}

fn discover_json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&discover(&all)).unwrap()
}

fn digest_of(doc: &Value) -> String {
    doc["digest"].as_str().unwrap().to_string()
}

fn tag_of(digest: &str) -> String {
    digest.replacen(':', "-", 1)
}

/// The two referrers every scenario attaches: an SBOM file with an annotation, then a
/// signature file. Returns their `--format json` documents.
fn attach_two(subject_ref: &str, extra: &[&str]) -> (Value, Value) {
    let mut sbom = vec![
        "--artifact-type",
        SBOM,
        subject_ref,
        "sbom.json",
        "-a",
        "kind=sbom",
    ];
    sbom.extend(extra);
    let mut sig = vec!["--artifact-type", SIG, subject_ref, "sig.txt"];
    sig.extend(extra);
    (attach_json(&sbom), attach_json(&sig))
}

/// The exact tree oras prints for [`attach_two`].
fn expected_tree(root: &str, sbom: &str, sig: &str) -> String {
    format!(
        "{root}
├── {SBOM}
│   └── {sbom}
│       └── [annotations]
│           ├── kind: sbom
│           └── org.opencontainers.image.created: \"{CREATED}\"
└── {SIG}
    └── {sig}
        └── [annotations]
            └── org.opencontainers.image.created: \"{CREATED}\"
"
    )
}

/// The descriptor a referrer is listed under (tag-schema index entry, Referrers API entry).
fn listed(doc: &Value, artifact_type: &str, annotations: Value) -> Value {
    json!({
        "mediaType": OCI_MANIFEST,
        "digest": doc["digest"],
        "size": doc["size"],
        "annotations": annotations,
        "artifactType": artifact_type,
    })
}

#[test]
fn attach_writes_the_tag_schema_index_on_a_registry_without_referrers_api() {
    let reg = Registry::start();
    let subject_ref = reg.reference("app/img:v1");
    let subject = push_subject(&subject_ref);
    let dir = workdir();
    write_file(dir.path(), "sbom.json", "{\"sbom\":true}\n");
    let exported = dir.path().join("manifest.json");
    let out = oras()
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args(["attach", "--artifact-type", SBOM, &subject_ref, "sbom.json"])
        .args(["-a", "kind=sbom", "--export-manifest"])
        .arg(&exported)
        .output()
        .unwrap();
    let stdout = assert_success(&out);
    let manifest_bytes = std::fs::read(&exported).unwrap();
    let sbom = sha256_digest(&manifest_bytes);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        &lines[lines.len() - 2..],
        &[
            format!(
                "Attached to [registry] {}@{subject}",
                reg.reference("app/img")
            )
            .as_str(),
            format!("Digest: {sbom}").as_str(),
        ],
        "{stdout}"
    );
    assert!(stdout.contains(&format!(
        "Uploaded  {} sbom.json",
        &common::short(&sha256_digest(b"{\"sbom\":true}\n"))
    )));

    // The manifest in the registry is the exported one: v1.1, with the subject.
    let (status, _, body) = reg.get_manifest("app/img", &sbom);
    assert_eq!(status, 200);
    assert_eq!(body, manifest_bytes);
    let manifest: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(manifest["artifactType"], SBOM);
    let (_, subject_type, subject_bytes) = reg.get_manifest("app/img", &subject);
    assert_eq!(
        manifest["subject"],
        json!({"mediaType": subject_type, "digest": subject, "size": subject_bytes.len()})
    );
    // Never tagged: the only tags are the subject's and the referrers index.
    assert_eq!(
        reg.tags("app/img"),
        vec![tag_of(&subject), "v1".to_string()]
    );

    // The tag-schema index lists the referrer with artifactType and annotations.
    let (status, content_type, index) = reg.get_manifest("app/img", &tag_of(&subject));
    assert_eq!(status, 200);
    assert_eq!(content_type, OCI_INDEX);
    // Compact, in Go's field order, as oras writes it.
    let expected = format!(
        "{{\"schemaVersion\":2,\"mediaType\":\"{OCI_INDEX}\",\"manifests\":[{{\"mediaType\":\"{OCI_MANIFEST}\",\"digest\":\"{sbom}\",\"size\":{},\"annotations\":{{\"kind\":\"sbom\",\"org.opencontainers.image.created\":\"{CREATED}\"}},\"artifactType\":\"{SBOM}\"}}]}}",
        manifest_bytes.len()
    );
    assert_eq!(String::from_utf8(index).unwrap(), expected);
}

#[test]
fn discover_on_distribution_reads_the_tag_schema() {
    let reg = Registry::start();
    let subject_ref = reg.reference("app/img:v1");
    let subject = push_subject(&subject_ref);
    let (sbom, sig) = attach_two(&subject_ref, &[]);
    let repo = reg.reference("app/img");
    assert_eq!(sbom["reference"], format!("{repo}@{}", digest_of(&sbom)));
    assert_eq!(sbom["artifactType"], SBOM);
    assert_eq!(
        sbom["annotations"],
        json!({"kind": "sbom", "org.opencontainers.image.created": CREATED})
    );

    // Both referrers are in the index, in push order.
    let index = reg.manifest_json("app/img", &tag_of(&subject));
    assert_eq!(
        index["manifests"],
        json!([
            listed(
                &sbom,
                SBOM,
                json!({"kind": "sbom", "org.opencontainers.image.created": CREATED})
            ),
            listed(
                &sig,
                SIG,
                json!({"org.opencontainers.image.created": CREATED})
            ),
        ])
    );

    let tree = discover(&[&subject_ref]);
    assert_eq!(
        tree,
        expected_tree(
            &format!("{repo}@{subject}"),
            &digest_of(&sbom),
            &digest_of(&sig)
        )
    );
    let quiet = discover(&[&subject_ref, "--verbose=false"]);
    assert_eq!(
        quiet,
        format!(
            "{repo}@{subject}\n├── {SBOM}\n│   └── {}\n└── {SIG}\n    └── {}\n",
            digest_of(&sbom),
            digest_of(&sig)
        )
    );

    let doc = discover_json(&[&subject_ref]);
    let (_, subject_type, subject_bytes) = reg.get_manifest("app/img", &subject);
    let node = |d: &Value| {
        json!({
            "reference": d["reference"],
            "mediaType": OCI_MANIFEST,
            "digest": d["digest"],
            "size": d["size"],
            "annotations": d["annotations"],
            "artifactType": d["artifactType"],
            "referrers": [],
        })
    };
    assert_eq!(
        doc,
        json!({
            "reference": format!("{repo}@{subject}"),
            "mediaType": subject_type,
            "digest": subject,
            "size": subject_bytes.len(),
            "referrers": [node(&sbom), node(&sig)],
        })
    );

    let filtered = discover_json(&[&subject_ref, "--artifact-type", SIG]);
    assert_eq!(filtered["referrers"], json!([node(&sig)]));
    let none = discover_json(&[&subject_ref, "--artifact-type", "application/vnd.none"]);
    assert_eq!(none["referrers"], json!([]));
}

#[test]
fn discover_table_depth_and_nested_referrers() {
    let reg = Registry::start();
    let subject_ref = reg.reference("app/img:v1");
    let subject = push_subject(&subject_ref);
    let repo = reg.reference("app/img");
    let sbom = attach_json(&["--artifact-type", SBOM, &subject_ref, "sbom.json"]);
    // A signature of the SBOM: a referrer of a referrer.
    let sbom_ref = format!("{repo}@{}", digest_of(&sbom));
    // Attaching to a digest reference prints it as given.
    let text = attach(&["--artifact-type", SIG, &sbom_ref, "sig.txt"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[lines.len() - 2],
        format!("Attached to [registry] {sbom_ref}")
    );
    let sig_digest = lines[lines.len() - 1].strip_prefix("Digest: ").unwrap();
    let sig = json!({ "digest": sig_digest });

    let tree = discover(&[&subject_ref, "--verbose=false"]);
    assert_eq!(
        tree,
        format!(
            "{repo}@{subject}\n└── {SBOM}\n    └── {}\n        └── {SIG}\n            └── {}\n",
            digest_of(&sbom),
            digest_of(&sig)
        )
    );
    let shallow = discover(&[&subject_ref, "--verbose=false", "--depth", "1"]);
    assert_eq!(
        shallow,
        format!(
            "{repo}@{subject}\n└── {SBOM}\n    └── {}\n",
            digest_of(&sbom)
        )
    );
    let doc = discover_json(&[&subject_ref]);
    assert_eq!(doc["referrers"][0]["referrers"][0]["digest"], sig["digest"]);
    let doc = discover_json(&[&subject_ref, "--depth", "1"]);
    assert_eq!(doc["referrers"][0]["referrers"], json!([]));

    // The deprecated table: direct referrers only, with a warning on stderr.
    let out = oras()
        .args([
            "discover",
            &subject_ref,
            "--format",
            "table",
            "--verbose=false",
        ])
        .output()
        .unwrap();
    let stdout = assert_success(&out);
    assert_eq!(
        stdout,
        format!(
            "Discovered 1 artifact referencing {subject_ref}\nDigest: {subject}\n\nArtifact Type{}Digest\n{SBOM}   {}\n",
            " ".repeat(SBOM.len() - "Artifact Type".len() + 3),
            digest_of(&sbom)
        )
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Format \"table\" is deprecated and will be removed in a future release.")
    );
    // Verbose tables print each referrer's descriptor as JSON under its row.
    let verbose = discover(&[&subject_ref, "-o", "table"]);
    let descriptor = format!(
        "{{\n  \"mediaType\": \"{OCI_MANIFEST}\",\n  \"digest\": \"{}\",\n  \"size\": {},\n  \"annotations\": {{\n    \"org.opencontainers.image.created\": \"{CREATED}\"\n  }},\n  \"artifactType\": \"{SBOM}\"\n}}",
        digest_of(&sbom),
        sbom["size"]
    );
    assert!(verbose.ends_with(&format!("{descriptor}\n")), "{verbose}");
}

#[test]
fn attach_and_discover_through_the_referrers_api() {
    let reg = ApiRegistry::start();
    let subject_ref = reg.reference("app/img:v1");
    let subject = push_subject(&subject_ref);
    let (sbom, sig) = attach_two(&subject_ref, &[]);
    let repo = reg.reference("app/img");

    // The registry indexed them itself: no tag-schema index was written.
    let (status, _, _) = reg.get(&format!("/v2/app/img/manifests/{}", tag_of(&subject)));
    assert_eq!(status, 404);
    let (status, content_type, body) = reg.get(&format!("/v2/app/img/referrers/{subject}"));
    assert_eq!(status, 200);
    assert_eq!(content_type, OCI_INDEX);
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        answer["manifests"],
        json!([
            listed(
                &sbom,
                SBOM,
                json!({"kind": "sbom", "org.opencontainers.image.created": CREATED})
            ),
            listed(
                &sig,
                SIG,
                json!({"org.opencontainers.image.created": CREATED})
            ),
        ])
    );

    assert_eq!(
        discover(&[&subject_ref]),
        expected_tree(
            &format!("{repo}@{subject}"),
            &digest_of(&sbom),
            &digest_of(&sig)
        )
    );
    let filtered = discover_json(&[&subject_ref, "--artifact-type", SBOM]);
    assert_eq!(filtered["referrers"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["referrers"][0]["digest"], sbom["digest"]);
    let forced = discover_json(&[&subject_ref, "--distribution-spec", "v1.1-referrers-api"]);
    assert_eq!(forced["referrers"].as_array().unwrap().len(), 2);
}

#[test]
fn forced_tag_schema_on_a_registry_with_the_api() {
    let reg = ApiRegistry::start();
    let subject_ref = reg.reference("app/img:v1");
    let subject = push_subject(&subject_ref);
    let sbom = attach_json(&[
        "--artifact-type",
        SBOM,
        &subject_ref,
        "sbom.json",
        "--distribution-spec",
        "v1.1-referrers-tag",
    ]);
    let (status, content_type, body) =
        reg.get(&format!("/v2/app/img/manifests/{}", tag_of(&subject)));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(content_type, OCI_INDEX);
    let index: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        index["manifests"],
        json!([listed(
            &sbom,
            SBOM,
            json!({"org.opencontainers.image.created": CREATED})
        )])
    );
    let doc = discover_json(&[&subject_ref, "--distribution-spec", "v1.1-referrers-tag"]);
    assert_eq!(doc["referrers"][0]["digest"], sbom["digest"]);
}

#[test]
fn forced_referrers_api_on_a_registry_without_it() {
    let reg = Registry::start();
    let subject_ref = reg.reference("app/img:v1");
    let subject = push_subject(&subject_ref);
    let sbom = attach_json(&[
        "--artifact-type",
        SBOM,
        &subject_ref,
        "sbom.json",
        "--distribution-spec",
        "v1.1-referrers-api",
    ]);
    // The referrer is stored, but no tag-schema index was written.
    assert_eq!(
        reg.get_manifest("app/img", sbom["digest"].as_str().unwrap())
            .0,
        200
    );
    assert_eq!(reg.get_manifest("app/img", &tag_of(&subject)).0, 404);
    assert_eq!(reg.tags("app/img"), vec!["v1".to_string()]);

    let out = oras()
        .args(["discover", &subject_ref])
        .args(["--distribution-spec", "v1.1-referrers-api"])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.contains("does not implement the Referrers API"),
        "{stderr}"
    );
}

#[test]
fn a_referrer_cycle_terminates() {
    let reg = Registry::start();
    let subject_ref = reg.reference("app/img:v1");
    let subject = push_subject(&subject_ref);
    let sbom = attach_json(&["--artifact-type", SBOM, &subject_ref, "sbom.json"]);
    let sbom_digest = digest_of(&sbom);
    // Write a tag-schema index claiming the subject refers to the SBOM: S → SBOM → S → …
    let (_, subject_type, subject_bytes) = reg.get_manifest("app/img", &subject);
    let index = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [{
            "mediaType": subject_type,
            "digest": subject,
            "size": subject_bytes.len(),
            "artifactType": SIG,
        }],
    });
    reg.put_manifest(
        "app/img",
        &tag_of(&sbom_digest),
        OCI_INDEX,
        &serde_json::to_vec(&index).unwrap(),
    );
    let repo = reg.reference("app/img");
    let tree = discover(&[&subject_ref, "--verbose=false"]);
    assert_eq!(
        tree,
        format!(
            "{repo}@{subject}\n└── {SBOM}\n    └── {sbom_digest}\n        └── {SIG}\n            └── {subject}\n"
        )
    );
    let doc = discover_json(&[&subject_ref]);
    assert_eq!(
        doc["referrers"][0]["referrers"][0]["referrers"],
        json!([]),
        "the subject met again is not expanded"
    );
}

#[test]
fn the_attached_artifact_pulls() {
    for api in [false, true] {
        let (dist, ferro);
        let (subject_ref, repo) = if api {
            ferro = ApiRegistry::start();
            (ferro.reference("app/img:v1"), ferro.reference("app/img"))
        } else {
            dist = Registry::start();
            (dist.reference("app/img:v1"), dist.reference("app/img"))
        };
        push_subject(&subject_ref);
        let sbom = attach_json(&["--artifact-type", SBOM, &subject_ref, "sbom.json"]);
        let out_dir = workdir();
        let out = oras()
            .args(["pull", &format!("{repo}@{}", digest_of(&sbom)), "-o"])
            .arg(out_dir.path())
            .output()
            .unwrap();
        assert_success(&out);
        assert_eq!(
            std::fs::read(out_dir.path().join("sbom.json")).unwrap(),
            b"{\"sbom\":true}\n"
        );
        assert!(!out_dir.path().join("subject.txt").exists());
    }
}

#[test]
fn attach_refuses_bad_input() {
    let reg = Registry::start();
    let subject_ref = reg.reference("app/img:v1");
    push_subject(&subject_ref);
    let cases: &[(&[&str], &str)] = &[
        (
            &["attach", "--artifact-type", SBOM, &subject_ref],
            "neither file nor annotation provided in the command",
        ),
        (
            &[
                "attach",
                "--artifact-type",
                SBOM,
                &subject_ref,
                "-a",
                "k=v",
                "--distribution-spec",
                "v1.0",
            ],
            "unknown distribution specification flag: v1.0",
        ),
        (
            &["discover", &subject_ref, "--depth", "0"],
            "depth value should be at least 1",
        ),
        (
            &["discover", &subject_ref, "--format", "go-template"],
            "\"go-template\" format specified but no template given",
        ),
        (
            &[
                "attach",
                "--artifact-type",
                SBOM,
                &reg.reference("app/img"),
                "-a",
                "k=v",
            ],
            "no tag or digest specified",
        ),
    ];
    for (args, message) in cases {
        let out = oras().args(*args).output().unwrap();
        let stderr = assert_clean_failure(&out);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let out = oras()
        .args([
            "attach",
            "--artifact-type",
            SBOM,
            &reg.reference("app/missing:v1"),
            "-a",
            "k=v",
        ])
        .output()
        .unwrap();
    assert_clean_failure(&out);
    // Nothing was attached by any of these.
    assert_eq!(reg.tags("app/img"), vec!["v1".to_string()]);
}

/// A registry that claims the Referrers API and pages its answer with `Link`: the next page on
/// the same origin is followed, one on another origin is refused.
#[test]
fn referrers_api_pages_follow_link_on_the_same_origin_only() {
    let make = |foreign: bool| {
        let first = index_page(json!([referrer_entry(1, SBOM)]));
        let second = index_page(json!([referrer_entry(2, SIG)]));
        api_fake(move |uri| {
            if uri.contains("page=2") {
                return FakeResponse::new(200, &[("Content-Type", OCI_INDEX)], second.clone());
            }
            let link = if foreign {
                "<http://example.invalid/v2/app/img/referrers/x?page=2>; rel=\"next\"".to_string()
            } else {
                format!("<{}?page=2>; rel=\"next\"", uri.split('?').next().unwrap())
            };
            FakeResponse::new(
                200,
                &[("Content-Type", OCI_INDEX), ("Link", &link)],
                first.clone(),
            )
        })
    };

    let (fake, subject) = make(false);
    let doc = discover_json(&[&format!("{}/app/img:v1", fake.addr())]);
    assert_eq!(
        referrer_digests(&doc),
        vec![sha256_digest(&[1]), sha256_digest(&[2])]
    );
    // No tag-schema index was read: the API answered.
    assert!(
        !fake
            .requests()
            .iter()
            .any(|(_, uri)| uri.contains(&tag_of(&subject)))
    );

    let (hostile, _) = make(true);
    let out = oras()
        .args(["discover", &format!("{}/app/img:v1", hostile.addr())])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("another origin"), "{stderr}");
}

/// A registry claiming the Referrers API whose answers are scripted by `referrers(uri)`; the
/// subject `app/img:v1` resolves to a small manifest.
fn api_fake(
    referrers: impl Fn(&str) -> FakeResponse + Send + Sync + 'static,
) -> (FakeRegistry, String) {
    const SUBJECT: &str = "{\"schemaVersion\":2}";
    let subject = sha256_digest(SUBJECT.as_bytes());
    let digest = subject.clone();
    let fake = FakeRegistry::start(move |_method, uri| {
        if uri.starts_with("/v2/app/img/manifests/") {
            return FakeResponse::new(
                200,
                &[
                    ("Content-Type", OCI_MANIFEST),
                    ("Docker-Content-Digest", &digest),
                ],
                SUBJECT,
            );
        }
        if uri.starts_with("/v2/app/img/referrers/") {
            return referrers(uri);
        }
        FakeResponse::error(404, "NOT_FOUND", "nope")
    });
    (fake, subject)
}

fn index_page(manifests: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}))
        .unwrap()
}

fn referrer_entry(n: u8, artifact_type: &str) -> Value {
    json!({"mediaType": OCI_MANIFEST, "digest": sha256_digest(&[n]), "size": 1, "artifactType": artifact_type})
}

fn referrer_digests(doc: &Value) -> Vec<String> {
    doc["referrers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["digest"].as_str().unwrap().to_string())
        .collect()
}

/// `--artifact-type` is applied by the client unless the registry says it filtered
/// (`OCI-Filters-Applied: artifactType`).
#[test]
fn referrers_api_artifact_type_filter_is_client_side_unless_the_registry_filtered() {
    let both = index_page(json!([referrer_entry(1, SBOM), referrer_entry(2, SIG)]));
    let body = both.clone();
    let (plain, _) =
        api_fake(move |_| FakeResponse::new(200, &[("Content-Type", OCI_INDEX)], body.clone()));
    let doc = discover_json(&[
        &format!("{}/app/img:v1", plain.addr()),
        "--artifact-type",
        SIG,
    ]);
    assert_eq!(referrer_digests(&doc), vec![sha256_digest(&[2])]);
    assert!(
        plain
            .requests()
            .iter()
            .any(|(_, uri)| uri.contains("artifactType=application%2Fvnd.test.sig")),
        "the filter is sent to the registry: {:?}",
        plain.requests()
    );

    // A registry that says it filtered is trusted, whatever it sent.
    let (trusted, _) = api_fake(move |_| {
        FakeResponse::new(
            200,
            &[
                ("Content-Type", OCI_INDEX),
                ("OCI-Filters-Applied", "artifactType"),
            ],
            both.clone(),
        )
    });
    let doc = discover_json(&[
        &format!("{}/app/img:v1", trusted.addr()),
        "--artifact-type",
        SIG,
    ]);
    assert_eq!(
        referrer_digests(&doc),
        vec![sha256_digest(&[1]), sha256_digest(&[2])]
    );
}

/// Oversized answers and endless pagination fail cleanly instead of eating memory or looping.
#[test]
fn referrers_api_size_and_page_caps() {
    let huge = vec![b' '; 4 * 1024 * 1024 + 1];
    let (fake, _) =
        api_fake(move |_| FakeResponse::new(200, &[("Content-Type", OCI_INDEX)], huge.clone()));
    let out = oras()
        .args(["discover", &format!("{}/app/img:v1", fake.addr())])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("4194304 bytes"), "{stderr}");

    let page = index_page(json!([referrer_entry(1, SBOM)]));
    let (endless, _) = api_fake(move |uri| {
        let path = uri.split('?').next().unwrap();
        FakeResponse::new(
            200,
            &[
                ("Content-Type", OCI_INDEX),
                ("Link", &format!("<{path}?n=again>; rel=\"next\"")),
            ],
            page.clone(),
        )
    });
    let out = oras()
        .args(["discover", &format!("{}/app/img:v1", endless.addr())])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("pages of referrers"), "{stderr}");
    let pages = endless
        .requests()
        .iter()
        .filter(|(_, uri)| uri.contains("/referrers/"))
        .count();
    assert_eq!(pages, 256);
}

/// An attach with only annotations (from `--annotation-file`) and a `--config` file: the
/// referrer is listed under its artifact type, with the file's manifest annotations.
#[test]
fn attach_annotations_only_with_a_config_file() {
    let reg = Registry::start();
    let subject_ref = reg.reference("app/img:v1");
    let subject = push_subject(&subject_ref);
    let dir = workdir();
    write_file(
        dir.path(),
        "annotations.json",
        r#"{"$manifest":{"signed-by":"ci"},"$config":{"hello":"config"}}"#,
    );
    write_file(dir.path(), "config.json", "{\"config\":{}}");
    let out = oras()
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args(["attach", "--artifact-type", SIG, &subject_ref])
        .args(["--annotation-file", "annotations.json"])
        .args([
            "--config",
            "config.json:application/vnd.test.config",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_str(&assert_success(&out)).unwrap();
    let manifest = reg.manifest_json("app/img", doc["digest"].as_str().unwrap());
    assert_eq!(manifest["artifactType"], SIG);
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.test.config"
    );
    assert_eq!(
        manifest["config"]["annotations"],
        json!({"hello": "config"})
    );
    assert_eq!(manifest["layers"][0]["mediaType"], common::OCI_EMPTY);
    let index = reg.manifest_json("app/img", &tag_of(&subject));
    assert_eq!(
        index["manifests"],
        json!([listed(
            &doc,
            SIG,
            json!({"signed-by": "ci", "org.opencontainers.image.created": CREATED})
        )])
    );
}

#[test]
fn attach_and_discover_select_a_platform_of_an_index() {
    use common::layout::{push_index, push_platform_image};
    let registry = Registry::start();
    let amd = push_platform_image(
        &registry,
        "multi/app",
        "amd64",
        "linux",
        "amd64",
        "app.txt",
        b"amd64\n",
    );
    let arm = push_platform_image(
        &registry,
        "multi/app",
        "arm64",
        "linux",
        "arm64",
        "app.txt",
        b"arm64\n",
    );
    let index = push_index(
        &registry,
        "multi/app",
        "v1",
        &[(&amd, "linux", "amd64"), (&arm, "linux", "arm64")],
    );
    let tagged = registry.reference("multi/app:v1");
    let sbom = attach_json(&[
        "--artifact-type",
        SBOM,
        "--platform",
        "linux/arm64",
        &tagged,
        "sbom.json",
    ]);
    // The referrer's subject is the arm64 manifest, not the index.
    let (_, _, body) = registry.get_manifest("multi/app", &digest_of(&sbom));
    let manifest: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(manifest["subject"]["digest"], json!(arm.digest));
    // The tag-schema index exists for arm64 only.
    let (status, _, _) = registry.get_manifest("multi/app", &tag_of(&arm.digest));
    assert_eq!(status, 200);
    let (status, _, _) = registry.get_manifest("multi/app", &tag_of(&index.digest));
    assert_eq!(status, 404);

    let doc = discover_json(&["--platform", "linux/arm64", &tagged]);
    assert_eq!(doc["digest"], json!(arm.digest));
    assert_eq!(doc["referrers"][0]["digest"], sbom["digest"]);
    let doc = discover_json(&["--platform", "linux/amd64", &tagged]);
    assert_eq!(doc["digest"], json!(amd.digest));
    assert_eq!(doc["referrers"], json!([]));

    // --platform and --config cannot go together (oras's rule).
    let dir = workdir();
    write_file(dir.path(), "config.json", "{}");
    let out = oras()
        .current_dir(dir.path())
        .args([
            "attach",
            "--artifact-type",
            SBOM,
            "--platform",
            "linux/arm64",
            "--config",
            "config.json",
            &tagged,
            "-a",
            "k=v",
        ])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("--config and --platform"), "{stderr}");
}

#[test]
fn attach_and_discover_on_an_oci_layout() {
    let dir = workdir();
    write_file(dir.path(), "subject.txt", "the subject\n");
    let layout = dir.path().join("layout");
    let layout_ref = format!("{}:v1", layout.display());
    let out = oras()
        .current_dir(dir.path())
        .args([
            "push",
            "--oci-layout",
            &layout_ref,
            "subject.txt",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let subject: Value = serde_json::from_str(&assert_success(&out)).unwrap();
    let sbom = attach_json(&[
        "--oci-layout",
        "--artifact-type",
        SBOM,
        &layout_ref,
        "sbom.json",
    ]);
    // The referrer's manifest is stored in the layout with the subject it names.
    let blob = common::layout::layout_blob(&layout, sbom["digest"].as_str().unwrap())
        .expect("the referrer manifest is in the layout");
    let manifest: Value = serde_json::from_slice(&blob).unwrap();
    assert_eq!(manifest["subject"]["digest"], subject["digest"]);
    let doc = discover_json(&["--oci-layout", &layout_ref]);
    assert_eq!(doc["digest"], subject["digest"]);
    assert_eq!(doc["referrers"].as_array().unwrap().len(), 1);
    assert_eq!(doc["referrers"][0]["digest"], sbom["digest"]);
    assert_eq!(doc["referrers"][0]["artifactType"], json!(SBOM));
}

#[test]
fn cp_recursive_to_distribution_spec_forces_the_tag_schema() {
    let from = Registry::start();
    let to = ApiRegistry::start();
    let src_ref = from.reference("app/img:v1");
    let subject = push_subject(&src_ref);
    let sbom = attach_json(&["--artifact-type", SBOM, &src_ref, "sbom.json"]);
    let dst_ref = to.reference("app/img:v1");
    let out = oras()
        .args([
            "cp",
            "-r",
            "--to-distribution-spec",
            "v1.1-referrers-tag",
            &src_ref,
            &dst_ref,
        ])
        .output()
        .unwrap();
    assert_success(&out);
    // Although the destination has the Referrers API, the index was written under the tag.
    let (status, content_type, body) =
        to.get(&format!("/v2/app/img/manifests/{}", tag_of(&subject)));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(content_type, OCI_INDEX);
    let index: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(index["manifests"][0]["digest"], sbom["digest"]);
    // A bad value is refused with oras's words.
    let out = oras()
        .args(["cp", "--from-distribution-spec", "v2", &src_ref, &dst_ref])
        .output()
        .unwrap();
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.contains("unknown distribution specification flag: v2"),
        "{stderr}"
    );
}

/// Issue 12: `oras tag` of a referrer on a registry without the Referrers API adds the tag and
/// leaves the tag-schema index alone: the referrer is already listed there, so no PUT of
/// `sha256-<subject>` is sent (oras-go's `updateReferrersIndex` stops at "no change" too).
#[test]
fn tag_of_a_referrer_on_a_registry_without_referrers_api_writes_no_tag_schema_index() {
    use crate::common::hostile::{Action, Hostile};
    let reg = Registry::start();
    let subject_ref = reg.reference("app/img:v1");
    let subject = push_subject(&subject_ref);
    let dir = workdir();
    write_file(dir.path(), "sig.txt", "signed\n");
    let out = oras()
        .current_dir(dir.path())
        .args([
            "attach",
            "--artifact-type",
            "sig/x",
            &subject_ref,
            "sig.txt",
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let attached: Value = serde_json::from_str(&assert_success(&out)).unwrap();
    let referrer = attached["digest"].as_str().unwrap().to_string();
    let (_, _, index_before) = reg.get_manifest("app/img", &tag_of(&subject));

    let relay = Hostile::start(Some(&reg), |_| Action::Forward);
    let source = format!("{}/app/img@{referrer}", relay.addr());
    let out = oras().args(["tag", &source, "signed"]).output().unwrap();
    let stdout = assert_success(&out);
    assert!(stdout.contains("Tagged signed"), "{stdout}");
    assert_eq!(
        reg.resolve("app/img", "signed").as_deref(),
        Some(referrer.as_str())
    );
    let puts: Vec<String> = relay
        .log()
        .iter()
        .filter(|r| r.method == "PUT")
        .map(|r| r.path().to_string())
        .collect();
    assert_eq!(
        puts,
        vec!["/v2/app/img/manifests/signed".to_string()],
        "{puts:?}"
    );
    let (_, _, index_after) = reg.get_manifest("app/img", &tag_of(&subject));
    assert_eq!(index_after, index_before);
}
