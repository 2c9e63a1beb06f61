//! What `oras` tells a user to do next: the library's [`Hint`]s, with its [`Advice`] worded in
//! terms of this binary's flags and commands (the library's own texts name none).

use oras_rs::error::{Advice, Hint};

/// The message of a library error that `oras` words in terms of its flags, as Go oras prints
/// it (scripts grep these); `None` keeps the library's own text.
pub fn reword(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    use oras_rs::oci::OciError;
    // A cause under `Error::Context` is boxed.
    let lib = err
        .downcast_ref::<oras_rs::Error>()
        .or_else(|| err.downcast_ref::<Box<oras_rs::Error>>().map(|b| &**b));
    let oci = match lib {
        Some(oras_rs::Error::AbsolutePath { paths }) => {
            return Some(format!(
                "absolute file path detected. If it's intentional, use --disable-path-validation flag to skip this check: {}",
                paths.join(", ")
            ));
        }
        Some(oras_rs::Error::Oci(oci)) => oci,
        _ => err.downcast_ref::<OciError>()?,
    };
    match oci {
        OciError::ArtifactTypeWithConfig => {
            Some("--artifact-type and --config cannot both be provided for 1.0 OCI image".into())
        }
        _ => None,
    }
}

/// The line printed after an error.
pub fn render(hint: &Hint) -> String {
    match hint {
        Hint::Text(text) => text.clone(),
        Hint::Advice(advice) => advise(*advice).to_string(),
    }
}

fn advise(advice: Advice) -> &'static str {
    match advice {
        Advice::ArtifactTypeWithPlatform => {
            "consider using image spec v1.1 or remove --artifact-type"
        }
        Advice::UseHttps => {
            "The registry speaks HTTPS: drop --plain-http (or pass --plain-http=false)."
        }
        Advice::UsePlainHttp => "The registry seems to speak plain HTTP: use --plain-http.",
        Advice::TrustCertificate => {
            "TLS failed: pass the registry's CA with --ca-file, or --insecure to skip verification (unsafe)."
        }
        Advice::CheckReachable { https: true } => {
            "Check that the registry is running and reachable (and whether it speaks plain HTTP: --plain-http)."
        }
        Advice::CheckReachable { https: false } => {
            "Check that the registry is running and reachable at this address."
        }
        Advice::Login => "The registry requires authentication: log in with `oras login`.",
        Advice::ProvideCredentials => {
            "Log in with `oras login`, or pass -u/--username and --password-stdin."
        }
        Advice::CredentialsOverPlainHttp => {
            "Use HTTPS, or pass --plain-http explicitly if you trust the network."
        }
        Advice::UseImageSpecV1_0 => {
            "The registry may not support OCI image-spec v1.1 manifests (with artifactType), as ECR does not: push again with --image-spec v1.0."
        }
        Advice::UseReferrersTagSchema => {
            "Drop --distribution-spec v1.1-referrers-api to fall back to the referrers tag schema."
        }
        Advice::NameRegistryConfig => "Pass --registry-config <path>.",
        Advice::AnnotationFormat => {
            "Please use the correct format in the flag: --annotation \"key=value\""
        }
        Advice::AllowPathTraversal => {
            "Pulling files outside of working directory is insecure and blocked by default. If you trust the content producer, use --allow-path-traversal to bypass this check."
        }
        Advice::AllowOverwrite => {
            "Remove the file or pull without --keep-old-files to overwrite it."
        }
        Advice::CaseSensitiveDirectory => {
            "Pull into a directory on a case-sensitive filesystem with -o, or pull the files separately with --media-type if their types differ."
        }
        Advice::OtherFilesystem => {
            "Windows-style filesystems (FAT, exFAT, NTFS) refuse <>:\"\\|?* in names and some also names like CON or NUL: pull into a directory on another filesystem with -o."
        }
        Advice::DuplicateTitle => {
            "Two layers of the artifact give this file name to different content; when they are in different manifests of an index, pull one of them by digest or with --platform."
        }
        Advice::SelectOneLayer => {
            "Pull into a directory instead, or select one layer with --media-type."
        }
        Advice::ForceHttps => {
            "The registry speaks HTTPS: pass --plain-http=false (oras uses plain HTTP for localhost by default)."
        }
        Advice::ClientCertificate { given: false } => {
            "The registry requires a client certificate: pass it with --cert-file and its key with --key-file."
        }
        Advice::ClientCertificate { given: true } => {
            "The registry refused the client certificate: check that --cert-file and --key-file name a certificate it trusts and its key."
        }
        Advice::PushBlobsFirst => {
            "The registry does not have every blob this manifest refers to in this repository: push the blobs first (oras blob push), then the manifest."
        }
        Advice::SinglePlatform => {
            "selecting multiple platforms requires a multi-platform source; use a single --platform value to copy a specific platform of an image"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_is_worded_with_this_binary_s_flags_and_text_passes_through() {
        assert_eq!(
            render(&Advice::UseHttps.into()),
            "The registry speaks HTTPS: drop --plain-http (or pass --plain-http=false)."
        );
        assert!(render(&Advice::CheckReachable { https: true }.into()).contains("--plain-http"));
        assert!(!render(&Advice::CheckReachable { https: false }.into()).contains("--"));
        assert_eq!(render(&Hint::from("free some space")), "free some space");
        // Only a user who passed --plain-http is told to drop it.
        assert!(!render(&Advice::ForceHttps.into()).contains("drop"));
        assert!(render(&Advice::ForceHttps.into()).contains("--plain-http=false"));
        for given in [false, true] {
            let text = render(&Advice::ClientCertificate { given }.into());
            assert!(
                text.contains("--cert-file") && text.contains("--key-file"),
                "{text}"
            );
        }
    }
}
