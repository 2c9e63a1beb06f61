//! Reading a registry's answers: headers, the media type, the digest it announces, and bodies
//! read into memory under a cap.

use reqwest::Response;

use super::transport::failure::body_io_error;
use crate::digest::Digest;
use crate::error::{Error, Result};

/// Whether a `HEAD` was refused as a method (405, 501): some registries only answer `GET` on
/// manifests (containerd switches to GET the same way).
pub(super) fn head_refused(err: &Error) -> bool {
    matches!(err, Error::Response(r) if matches!(r.status, 405 | 501))
}

/// Checks `Docker-Content-Digest` when the registry sent one: it must be `expected` (the digest
/// asked for or sent), as oras-go's `verifyContentDigest` and `generateDescriptor` check it.
/// The error names the header, both digests and the URL answered (query values redacted).
pub(super) fn check_digest_header(resp: &Response, expected: &Digest) -> Result<()> {
    if let Some(value) = resp.headers().get("Docker-Content-Digest") {
        let got = String::from_utf8_lossy(value.as_bytes());
        if got != expected.to_string() {
            return Err(Error::Protocol(format!(
                "{}: invalid response: digest mismatch in Docker-Content-Digest: expected {expected}, got {got:?}",
                super::redact::redact_url(resp.url())
            )));
        }
    }
    Ok(())
}

pub(super) fn header_str<'a>(resp: &'a Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The media type of a response, without parameters.
pub(super) fn content_type(resp: &Response) -> Option<String> {
    header_str(resp, "Content-Type").map(|v| v.split(';').next().unwrap_or("").trim().to_string())
}

/// Reads a body into memory, refusing more than `limit` bytes, under the low-speed limit
/// `low_speed`.
pub(super) async fn read_capped(
    resp: Response,
    limit: u64,
    what: &str,
    low_speed: Option<super::LowSpeed>,
) -> Result<Vec<u8>> {
    if let Some(len) = resp.content_length()
        && len > limit
    {
        return Err(Error::Protocol(format!(
            "{what}: {len} bytes exceeds the {limit} bytes allowed"
        )));
    }
    // Sized once from the declared length (already checked against `limit`), so a 3 MiB
    // manifest is not grown by doubling into a 4 MiB buffer; a lying length costs no more.
    let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
    let mut stream = Box::pin(super::speed::floored(
        futures_util::TryStreamExt::map_err(resp.bytes_stream(), body_io_error),
        low_speed,
    ));
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream)
        .await
        .transpose()
        .map_err(|e| Error::Protocol(format!("{what}: {e}")))?
    {
        body.extend_from_slice(&chunk);
        if body.len() as u64 > limit {
            return Err(Error::Protocol(format!(
                "{what}: more than the {limit} bytes allowed"
            )));
        }
    }
    Ok(body)
}
