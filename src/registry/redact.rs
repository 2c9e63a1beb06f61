//! What may be shown of a URL in logs and errors: no userinfo, and no query value but the
//! harmless ones (presigned storage URLs carry signatures in their query).

use url::Url;

/// Query parameters whose values are safe to show in logs and errors.
const SAFE_QUERY_KEYS: &[&str] = &[
    "digest",
    "scope",
    "service",
    "n",
    "last",
    "mount",
    "from",
    "artifactType",
];

/// `url` without userinfo and with every query value but [`SAFE_QUERY_KEYS`] replaced by `***`
/// (presigned URLs carry signatures such as `X-Amz-Signature`).
pub(crate) fn redact_url(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if SAFE_QUERY_KEYS.contains(&k.as_ref()) {
                    v.into_owned()
                } else {
                    "***".to_string()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// [`redact_url`] for text that may or may not be an absolute URL.
pub(crate) fn redact_url_str(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) => redact_url(&url),
        Err(_) => match text.split_once('?') {
            Some((path, _)) => format!("{path}?***"),
            None => text.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_query_secrets_and_userinfo() {
        let url = Url::parse(
            "https://user:pw@cdn.example/b?X-Amz-Signature=abc&X-Amz-Credential=k&digest=sha256:1",
        )
        .unwrap();
        let text = redact_url(&url);
        assert!(!text.contains("abc") && !text.contains("pw") && !text.contains("user"));
        assert!(text.contains("X-Amz-Signature=***"), "{text}");
        assert!(text.contains("digest=sha256%3A1"), "{text}");
        assert_eq!(redact_url_str("/v2/x?_state=s3cr3t"), "/v2/x?***");
    }
}
