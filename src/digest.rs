//! Content digests (`<algorithm>:<hex>`) as used by OCI registries: a validated
//! [`Digest`] type, a streaming [`Digester`], and a [`VerifyingReader`] that checks
//! size and digest of everything read through it. Only sha256 and sha512 are
//! accepted, and hex must be lowercase, so two equal digests always have the same
//! string form and can be compared, hashed and used in paths directly.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::str::FromStr;
use std::task::{Context, Poll};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Digest as _;
use tokio::io::{AsyncRead, ReadBuf};

/// A hash algorithm accepted in digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// SHA-256, the default of every OCI tool; 64 hex characters.
    Sha256,
    /// SHA-512; 128 hex characters.
    Sha512,
}

impl Algorithm {
    /// The algorithm's name as it appears before the `:` of a digest.
    pub fn as_str(&self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// The number of hex characters of an encoded hash of this algorithm.
    pub fn hex_len(&self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }

    fn from_name(name: &str) -> Option<Algorithm> {
        match name {
            "sha256" => Some(Algorithm::Sha256),
            "sha512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a valid digest. Every message quotes the input and names
/// the part that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// There is no `:` or nothing before it.
    #[error("invalid digest {input:?}: missing algorithm (expected <algorithm>:<hex>)")]
    MissingAlgorithm {
        /// The rejected string.
        input: String,
    },
    /// The algorithm is not sha256 or sha512.
    #[error(
        "invalid digest {input:?}: unsupported digest algorithm {algorithm:?} (supported: sha256, sha512)"
    )]
    UnsupportedAlgorithm {
        /// The rejected string.
        input: String,
        /// The algorithm name found before the `:`.
        algorithm: String,
    },
    /// The hex part contains something other than `0-9a-f`.
    #[error("invalid digest {input:?}: hex must be lowercase 0-9a-f")]
    InvalidHex {
        /// The rejected string.
        input: String,
    },
    /// The hex part has the wrong length for its algorithm.
    #[error("invalid digest {input:?}: {algorithm} needs {expected} hex characters, got {actual}")]
    WrongLength {
        /// The rejected string.
        input: String,
        /// The algorithm named in the digest.
        algorithm: Algorithm,
        /// The length the algorithm requires.
        expected: usize,
        /// The length found.
        actual: usize,
    },
}

/// A validated content digest such as `sha256:e3b0c442…`.
///
/// Ordering is by algorithm, then hex, which gives a stable order for output.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

impl Digest {
    /// The hash algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The lowercase hex encoding of the hash (the part after the `:`).
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// The short form oras prints in status lines: the first 12 hex characters
    /// for sha256, the full `alg:hex` string for any other algorithm.
    pub fn short(&self) -> String {
        match self.algorithm {
            Algorithm::Sha256 => self.hex.get(..12).unwrap_or(&self.hex).to_string(),
            Algorithm::Sha512 => self.to_string(),
        }
    }

    /// The digest of `data` with the given algorithm.
    pub fn of_bytes(algorithm: Algorithm, data: &[u8]) -> Digest {
        let mut d = Digester::new(algorithm);
        d.update(data);
        d.finalize()
    }

    /// The sha256 digest of `data`.
    pub fn sha256_of(data: &[u8]) -> Digest {
        Digest::of_bytes(Algorithm::Sha256, data)
    }

    /// The `<alg>-<hex>` tag under which the referrers tag schema stores the
    /// index of this manifest's referrers.
    pub fn tag_form(&self) -> String {
        format!("{}-{}", self.algorithm.as_str(), self.hex)
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((alg, hex)) = s.split_once(':').filter(|(alg, _)| !alg.is_empty()) else {
            return Err(DigestError::MissingAlgorithm {
                input: s.to_string(),
            });
        };
        let algorithm =
            Algorithm::from_name(alg).ok_or_else(|| DigestError::UnsupportedAlgorithm {
                input: s.to_string(),
                algorithm: alg.to_string(),
            })?;
        // Lowercase only: uppercase would make equal digests compare unequal
        // and produce different blob paths.
        if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(DigestError::InvalidHex {
                input: s.to_string(),
            });
        }
        if hex.len() != algorithm.hex_len() {
            return Err(DigestError::WrongLength {
                input: s.to_string(),
                algorithm,
                expected: algorithm.hex_len(),
                actual: hex.len(),
            });
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_string(),
        })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.as_str(), self.hex)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A streaming hasher producing a [`Digest`].
#[derive(Clone)]
pub struct Digester {
    state: HashState,
}

#[derive(Clone)]
enum HashState {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Digester {
    /// A hasher for `algorithm` with nothing fed yet.
    pub fn new(algorithm: Algorithm) -> Digester {
        let state = match algorithm {
            Algorithm::Sha256 => HashState::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => HashState::Sha512(sha2::Sha512::new()),
        };
        Digester { state }
    }

    /// Feeds more bytes.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            HashState::Sha256(h) => h.update(data),
            HashState::Sha512(h) => h.update(data),
        }
    }

    /// The digest of everything fed so far.
    pub fn finalize(self) -> Digest {
        let (algorithm, hex) = match self.state {
            HashState::Sha256(h) => (Algorithm::Sha256, hex::encode(h.finalize())),
            HashState::Sha512(h) => (Algorithm::Sha512, hex::encode(h.finalize())),
        };
        Digest { algorithm, hex }
    }

    fn algorithm(&self) -> Algorithm {
        match self.state {
            HashState::Sha256(_) => Algorithm::Sha256,
            HashState::Sha512(_) => Algorithm::Sha512,
        }
    }
}

impl fmt::Debug for Digester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Digester")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

/// Content did not match its descriptor. Carried inside an [`io::Error`] of kind
/// [`io::ErrorKind::InvalidData`] by [`VerifyingReader`]; see [`verify_error`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The content has a different length than expected. When the content is
    /// too long, `actual` is the count at the moment the limit was passed.
    #[error("size mismatch: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        /// The size from the descriptor.
        expected: u64,
        /// The number of bytes read.
        actual: u64,
    },
    /// The content has the right length but hashes to a different digest.
    #[error("digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// The digest from the descriptor.
        expected: Digest,
        /// The digest of the bytes read.
        actual: Digest,
    },
}

/// Finds the [`VerifyError`] inside an error returned by a [`VerifyingReader`],
/// so callers can tell corrupt content from a transport failure.
pub fn verify_error(e: &io::Error) -> Option<&VerifyError> {
    e.get_ref()?.downcast_ref::<VerifyError>()
}

/// An [`AsyncRead`] adapter that hashes everything read through it and fails
/// if the content is longer than `expected_size` (as soon as that happens), or
/// if at EOF its length or digest differ from what was expected.
///
/// Once it has failed, every later read fails with the same error, so a caller
/// that retries a read never sees a clean EOF after a mismatch.
#[derive(Debug)]
pub struct VerifyingReader<R> {
    inner: R,
    expected: Digest,
    expected_size: u64,
    read: u64,
    state: ReadState,
}

#[derive(Debug)]
enum ReadState {
    Reading(Digester),
    Verified,
    Failed(VerifyError),
}

impl<R> VerifyingReader<R> {
    /// Wraps `inner`, which must yield exactly `expected_size` bytes hashing to
    /// `expected`.
    pub fn new(inner: R, expected: Digest, expected_size: u64) -> VerifyingReader<R> {
        let digester = Digester::new(expected.algorithm());
        VerifyingReader {
            inner,
            expected,
            expected_size,
            read: 0,
            state: ReadState::Reading(digester),
        }
    }

    fn fail(&mut self, e: VerifyError) -> io::Error {
        self.state = ReadState::Failed(e.clone());
        io::Error::new(io::ErrorKind::InvalidData, e)
    }

    /// Checks size and digest once the inner reader reports EOF.
    fn finish(&mut self) -> io::Result<()> {
        let state = std::mem::replace(&mut self.state, ReadState::Verified);
        let ReadState::Reading(digester) = state else {
            self.state = state;
            return Ok(());
        };
        if self.read != self.expected_size {
            return Err(self.fail(VerifyError::SizeMismatch {
                expected: self.expected_size,
                actual: self.read,
            }));
        }
        let actual = digester.finalize();
        if actual != self.expected {
            return Err(self.fail(VerifyError::DigestMismatch {
                expected: self.expected.clone(),
                actual,
            }));
        }
        Ok(())
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for VerifyingReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match &this.state {
            ReadState::Failed(e) => {
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, e.clone())));
            }
            // The inner reader already reported EOF; do not poll it again.
            ReadState::Verified => return Poll::Ready(Ok(())),
            ReadState::Reading(_) => {}
        }
        // An empty buffer cannot tell data from EOF, so leave the inner reader alone.
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(())) => {}
        }
        let new = &buf.filled()[before..];
        if new.is_empty() {
            return Poll::Ready(this.finish());
        }
        this.read = this.read.saturating_add(new.len() as u64);
        if this.read > this.expected_size {
            // Hide the excess from the caller: none of it may be trusted.
            buf.set_filled(before);
            let e = VerifyError::SizeMismatch {
                expected: this.expected_size,
                actual: this.read,
            };
            return Poll::Ready(Err(this.fail(e)));
        }
        if let ReadState::Reading(digester) = &mut this.state {
            digester.update(new);
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const BRACES_SHA256: &str = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    const EMPTY_SHA512: &str = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";

    fn sha256_str(hex: &str) -> String {
        format!("sha256:{hex}")
    }

    #[test]
    fn parses_valid_sha256() {
        let d: Digest = sha256_str(EMPTY_SHA256).parse().unwrap();
        assert_eq!(d.algorithm(), Algorithm::Sha256);
        assert_eq!(d.hex(), EMPTY_SHA256);
        assert_eq!(d.to_string(), sha256_str(EMPTY_SHA256));
    }

    #[test]
    fn parses_valid_sha512() {
        let s = format!("sha512:{EMPTY_SHA512}");
        let d: Digest = s.parse().unwrap();
        assert_eq!(d.algorithm(), Algorithm::Sha512);
        assert_eq!(d.hex().len(), 128);
        assert_eq!(d.to_string(), s);
    }

    #[test]
    fn rejects_wrong_length() {
        let e = "sha256:abc".parse::<Digest>().unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"invalid digest "sha256:abc": sha256 needs 64 hex characters, got 3"#
        );
        let too_long = format!("sha256:{EMPTY_SHA256}0");
        assert!(matches!(
            too_long.parse::<Digest>(),
            Err(DigestError::WrongLength { actual: 65, .. })
        ));
        // A sha256-length hex under sha512 is the wrong length too.
        let e = format!("sha512:{EMPTY_SHA256}")
            .parse::<Digest>()
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("sha512 needs 128 hex characters, got 64")
        );
    }

    #[test]
    fn rejects_uppercase_and_non_hex() {
        let s = sha256_str(&EMPTY_SHA256.to_uppercase());
        let e = s.parse::<Digest>().unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("invalid digest {s:?}: hex must be lowercase 0-9a-f")
        );
        let s = sha256_str(&EMPTY_SHA256.replace('e', "g"));
        assert!(matches!(
            s.parse::<Digest>(),
            Err(DigestError::InvalidHex { .. })
        ));
    }

    #[test]
    fn rejects_unknown_algorithm() {
        let e = "md5:d41d8cd98f00b204e9800998ecf8427e"
            .parse::<Digest>()
            .unwrap_err();
        assert!(
            e.to_string()
                .contains(r#"unsupported digest algorithm "md5""#),
            "{e}"
        );
        assert!(matches!(
            "sha384:abc".parse::<Digest>(),
            Err(DigestError::UnsupportedAlgorithm { .. })
        ));
        // Algorithm names are case-sensitive like the hex.
        assert!(matches!(
            sha256_str(EMPTY_SHA256)
                .replace("sha", "SHA")
                .parse::<Digest>(),
            Err(DigestError::UnsupportedAlgorithm { .. })
        ));
    }

    #[test]
    fn rejects_missing_colon_or_algorithm() {
        let e = "foo".parse::<Digest>().unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"invalid digest "foo": missing algorithm (expected <algorithm>:<hex>)"#
        );
        assert!(matches!(
            format!(":{EMPTY_SHA256}").parse::<Digest>(),
            Err(DigestError::MissingAlgorithm { .. })
        ));
        assert!(matches!(
            "".parse::<Digest>(),
            Err(DigestError::MissingAlgorithm { .. })
        ));
    }

    #[test]
    fn rejects_empty_hex() {
        let e = "sha256:".parse::<Digest>().unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"invalid digest "sha256:": sha256 needs 64 hex characters, got 0"#
        );
    }

    #[test]
    fn serde_round_trip_and_rejection() {
        let d = Digest::sha256_of(b"{}");
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, format!("\"sha256:{BRACES_SHA256}\""));
        let back: Digest = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
        let err = serde_json::from_str::<Digest>("\"sha256:ABC\"").unwrap_err();
        assert!(err.to_string().contains("hex must be lowercase"), "{err}");
        assert!(serde_json::from_str::<Digest>("42").is_err());
    }

    #[test]
    fn short_form() {
        let d = Digest::sha256_of(b"");
        assert_eq!(d.short(), "e3b0c44298fc");
        let d = Digest::of_bytes(Algorithm::Sha512, b"");
        assert_eq!(d.short(), format!("sha512:{EMPTY_SHA512}"));
    }

    #[test]
    fn tag_form() {
        let d = Digest::sha256_of(b"");
        assert_eq!(d.tag_form(), format!("sha256-{EMPTY_SHA256}"));
    }

    #[test]
    fn algorithm_names_and_lengths() {
        assert_eq!(Algorithm::Sha256.as_str(), "sha256");
        assert_eq!(Algorithm::Sha512.as_str(), "sha512");
        assert_eq!(Algorithm::Sha256.hex_len(), 64);
        assert_eq!(Algorithm::Sha512.hex_len(), 128);
    }

    #[test]
    fn digester_known_vectors() {
        assert_eq!(Digest::sha256_of(b"").hex(), EMPTY_SHA256);
        assert_eq!(Digest::sha256_of(b"{}").hex(), BRACES_SHA256);
        assert_eq!(Digest::of_bytes(Algorithm::Sha512, b"").hex(), EMPTY_SHA512);
        // Feeding in pieces gives the same result as feeding at once.
        let mut d = Digester::new(Algorithm::Sha256);
        d.update(b"{");
        d.update(b"");
        d.update(b"}");
        assert_eq!(d.finalize().hex(), BRACES_SHA256);
    }

    async fn read_all(data: &[u8], expected: Digest, size: u64) -> io::Result<Vec<u8>> {
        let mut r = VerifyingReader::new(data, expected, size);
        let mut out = Vec::new();
        r.read_to_end(&mut out).await?;
        Ok(out)
    }

    #[tokio::test]
    async fn verifying_reader_accepts_exact_bytes() {
        let out = read_all(b"hello", Digest::sha256_of(b"hello"), 5)
            .await
            .unwrap();
        assert_eq!(out, b"hello");
        let out = read_all(b"", Digest::sha256_of(b""), 0).await.unwrap();
        assert!(out.is_empty());
    }

    #[tokio::test]
    async fn verifying_reader_rejects_short_input() {
        let e = read_all(b"hell", Digest::sha256_of(b"hello"), 5)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            verify_error(&e),
            Some(&VerifyError::SizeMismatch {
                expected: 5,
                actual: 4
            })
        );
        assert_eq!(e.to_string(), "size mismatch: expected 5 bytes, got 4");
    }

    #[tokio::test]
    async fn verifying_reader_rejects_long_input() {
        let e = read_all(b"hello!", Digest::sha256_of(b"hello"), 5)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            verify_error(&e),
            Some(&VerifyError::SizeMismatch {
                expected: 5,
                actual: 6
            })
        );
        assert_eq!(e.to_string(), "size mismatch: expected 5 bytes, got 6");
    }

    #[tokio::test]
    async fn verifying_reader_rejects_altered_input() {
        let expected = Digest::sha256_of(b"hello");
        let e = read_all(b"jello", expected.clone(), 5).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let actual = Digest::sha256_of(b"jello");
        assert_eq!(
            verify_error(&e),
            Some(&VerifyError::DigestMismatch {
                expected: expected.clone(),
                actual: actual.clone()
            })
        );
        assert_eq!(
            e.to_string(),
            format!("digest mismatch: expected {expected}, got {actual}")
        );
    }

    #[tokio::test]
    async fn verifying_reader_keeps_failing_after_mismatch() {
        let data: &[u8] = b"jello";
        let mut r = VerifyingReader::new(data, Digest::sha256_of(b"hello"), 5);
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).await.is_err());
        for _ in 0..3 {
            let mut buf = [0u8; 8];
            let e = r.read(&mut buf).await.unwrap_err();
            assert!(matches!(
                verify_error(&e),
                Some(VerifyError::DigestMismatch { .. })
            ));
        }
    }

    #[tokio::test]
    async fn verifying_reader_fails_as_soon_as_too_long() {
        // Reads in small steps: the error must come on the read that passes
        // the limit, before EOF, and the excess bytes must not be handed out.
        let data: &[u8] = b"abcdef";
        let mut r = VerifyingReader::new(data, Digest::sha256_of(b"abc"), 3);
        let mut buf = [0u8; 3];
        assert_eq!(r.read(&mut buf).await.unwrap(), 3);
        let e = r.read(&mut buf).await.unwrap_err();
        assert!(matches!(
            verify_error(&e),
            Some(VerifyError::SizeMismatch {
                expected: 3,
                actual: 6
            })
        ));
        assert!(r.read(&mut buf).await.is_err());
    }

    #[test]
    fn verify_error_ignores_other_errors() {
        let e = io::Error::new(io::ErrorKind::InvalidData, "something else");
        assert!(verify_error(&e).is_none());
        let e = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert!(verify_error(&e).is_none());
    }
}
