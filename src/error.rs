//! The library's error type. Every failure a user can meet is a variant here, carrying what the
//! user needs to act on it (the reference, the path, the registry's status and codes). The binary
//! decides the wording of the prefix and the exit code; [`Error::hint`] offers the next step.

use std::path::PathBuf;

use crate::credentials::CredentialError;
use crate::digest::{DigestError, VerifyError};
use crate::oci::OciError;
use crate::reference::ReferenceError;
use crate::registry::error::{
    AuthError, ErrorResponse, RateLimited, TransportError, TransportKind,
};

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in oras-rs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A reference that does not follow `registry/repository[:tag][@digest]`.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// A malformed digest.
    #[error(transparent)]
    Digest(#[from] DigestError),
    /// A manifest that cannot be built or parsed.
    #[error(transparent)]
    Oci(#[from] OciError),
    /// The registry answered with an error status (and maybe an error body).
    #[error(transparent)]
    Response(Box<ErrorResponse>),
    /// The request never got an HTTP answer: connection refused, TLS mismatch, timeout.
    #[error(transparent)]
    Transport(Box<TransportError>),
    /// Authentication failed or was refused on our side.
    #[error(transparent)]
    Auth(Box<AuthError>),
    /// The registry asked us to wait longer than we are willing to (`Retry-After`).
    #[error(transparent)]
    RateLimited(Box<RateLimited>),
    /// A credential store (config file or helper) failed.
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// A tag, manifest or blob the registry or store does not have.
    #[error("{0}: not found")]
    NotFound(String),
    /// A backup found no tags in the repository `name`, or a restore none in the OCI layout
    /// `name` (`layout`).
    #[error("no tags found in {}", if *layout { format!("OCI layout {name}") } else { format!("repository {name:?}") })]
    NoTags {
        /// The repository or the layout path.
        name: String,
        /// Whether `name` is an OCI layout.
        layout: bool,
    },
    /// A copy failed on one side (oras-go's `CopyError`): reading the source or writing the
    /// destination. Displays as the failure itself; [`Error::root`] looks through it.
    #[error(transparent)]
    Copy(Box<CopyFailed>),
    /// Content that did not match its descriptor.
    // The inner errors are part of the message, not `source`s, so `{:#}` does not print them twice.
    #[error("{context}: {mismatch}")]
    Verify {
        /// What was being read, e.g. the blob's digest and title.
        context: String,
        /// The size or digest mismatch.
        mismatch: VerifyError,
    },
    /// A local file operation failed.
    #[error("{}: {}", path.display(), describe_io(err))]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// A title would write outside the output directory.
    #[error("path traversal disallowed: {}", path.display())]
    PathTraversal {
        /// The offending path as it would be written.
        path: PathBuf,
    },
    /// A file exists and `--keep-old-files` forbids overwriting it.
    #[error("{}: file already exists, overwrite disallowed", path.display())]
    OverwriteDisallowed {
        /// The existing file.
        path: PathBuf,
    },
    /// Two titles would be one file: the destination filesystem does not tell them apart
    /// (it ignores case).
    #[error("{first:?} and {second:?} would be the same file in {}: its filesystem ignores the difference between the names", dir.display())]
    FileNameClash {
        /// The title met first.
        first: String,
        /// The title that would overwrite it.
        second: String,
        /// The output directory.
        dir: PathBuf,
    },
    /// The destination filesystem refuses a title as a file name.
    #[error("{title:?} cannot be a file name in {}: the filesystem refuses it ({})", dir.display(), describe_io(err))]
    UnsupportedFileName {
        /// The title.
        title: String,
        /// The output directory.
        dir: PathBuf,
        /// What the filesystem said.
        err: std::io::Error,
    },
    /// A directory layer holds an entry that would escape or subvert the extraction.
    #[error("{title}: refusing archive entry {entry:?}: {reason}")]
    UnsafeArchiveEntry {
        /// The layer's title (the directory being pulled).
        title: String,
        /// The entry's name in the archive.
        entry: String,
        /// Why it is refused.
        reason: String,
    },
    /// A directory layer decompresses to more than the allowed size.
    #[error("{title}: the unpacked directory exceeds the limit of {limit} bytes")]
    UnpackLimit {
        /// The layer's title.
        title: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// The uncompressed tar of a directory layer does not match `io.deis.oras.content.digest`.
    #[error("{title}: content digest mismatch: expected {expected}, got {actual}")]
    ContentDigestMismatch {
        /// The layer's title.
        title: String,
        /// The digest from the annotation.
        expected: crate::digest::Digest,
        /// The digest of the decompressed tar.
        actual: crate::digest::Digest,
    },
    /// A directory layer that is not a valid tar+gzip archive.
    #[error("{title}: invalid archive: {message}")]
    Archive {
        /// The layer's title.
        title: String,
        /// What the decoder said.
        message: String,
    },
    /// File arguments with absolute paths, refused unless
    /// [`PackFiles::disable_path_validation`](crate::pack::PackFiles::disable_path_validation) is set: their titles
    /// would be absolute, and a pull would write outside its directory.
    #[error("absolute file path detected: {}", paths.join(", "))]
    AbsolutePath {
        /// The absolute paths given, in argument order.
        paths: Vec<String>,
    },
    /// Invalid user input that none of the typed variants covers.
    #[error("{message}")]
    InvalidInput {
        /// What is wrong.
        message: String,
        /// What to do about it.
        hint: Option<Hint>,
    },
    /// The registry broke the protocol (missing header, oversized document, bad Location).
    #[error("{0}")]
    Protocol(String),
    /// What the library was doing when `source` happened (e.g. `tagging sha256:… as v2`).
    /// Displays only the context; `{:#}` (anyhow) and [`std::error::Error::source`] reach the
    /// cause, and [`Error::root`] skips every context.
    #[error("{context}")]
    Context {
        /// The operation.
        context: String,
        /// The failure.
        #[source]
        source: Box<Error>,
    },
}

/// Which side of a copy failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopySide {
    /// Reading the source.
    Source,
    /// Writing (or asking) the destination.
    Destination,
}

impl std::fmt::Display for CopySide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CopySide::Source => "source",
            CopySide::Destination => "destination",
        })
    }
}

/// The failure of one side of a copy: [`Error::Copy`].
#[derive(Debug)]
pub struct CopyFailed {
    /// The side that failed.
    pub side: CopySide,
    /// What failed there.
    pub error: Error,
}

impl std::fmt::Display for CopyFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for CopyFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.error)
    }
}

impl Error {
    /// `self` as the failure of `side` of a copy; an error already placed keeps its side.
    pub fn at(self, side: CopySide) -> Self {
        match self {
            Error::Copy(_) => self,
            error => Error::Copy(Box::new(CopyFailed { side, error })),
        }
    }

    /// The side of a copy that failed, when this is (or wraps) a copy failure.
    pub fn copy_side(&self) -> Option<CopySide> {
        match self {
            Error::Copy(c) => Some(c.side),
            Error::Context { source, .. } => source.copy_side(),
            _ => None,
        }
    }
}

/// What the user can do next about an error, when the remedy depends on how the library is
/// driven: the `oras` binary words each one with its flags; a Rust program maps them to its own
/// options ([`crate::registry::RemoteOptions`], [`crate::content::file::WritePolicy`], …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Advice {
    /// image-spec v1.0 with a platform config cannot carry an artifact type: use v1.1, or give
    /// no artifact type.
    ArtifactTypeWithPlatform,
    /// A plain-HTTP request reached a TLS server: use HTTPS.
    UseHttps,
    /// A TLS handshake got a plain-HTTP answer: use plain HTTP.
    UsePlainHttp,
    /// The registry's certificate did not verify: trust its CA (or skip verification).
    TrustCertificate,
    /// The connection was refused; over HTTPS the registry may speak plain HTTP.
    CheckReachable {
        /// Whether the request used HTTPS.
        https: bool,
    },
    /// The registry requires authentication.
    Login,
    /// A Basic challenge found no credential to answer with.
    ProvideCredentials,
    /// Credentials would cross plain HTTP to a registry that is not on loopback.
    CredentialsOverPlainHttp,
    /// The registry refused image-spec v1.1 fields: push an image-spec v1.0 manifest.
    UseImageSpecV1_0,
    /// The Referrers API was forced but the registry has none: use the tag schema.
    UseReferrersTagSchema,
    /// docker's config file cannot be located: name a credentials file.
    NameRegistryConfig,
    /// An annotation is not `KEY=VALUE`.
    AnnotationFormat,
    /// A title leads outside the output directory: allow it only for trusted content.
    AllowPathTraversal,
    /// A file exists and overwriting is refused.
    AllowOverwrite,
    /// Two titles differ only in case on a case-insensitive filesystem.
    CaseSensitiveDirectory,
    /// The destination filesystem refuses a title.
    OtherFilesystem,
    /// Two layers give one file name different content.
    DuplicateTitle,
    /// Streaming to stdout needs exactly one layer.
    SelectOneLayer,
    /// A plain-HTTP request that was not asked for (plain HTTP is the default for `localhost`)
    /// reached a TLS server: force HTTPS.
    ForceHttps,
    /// The registry ended the TLS handshake over the client certificate: it wants one, or
    /// refused the one presented.
    ClientCertificate {
        /// Whether a client certificate was presented.
        given: bool,
    },
    /// A manifest refers to blobs the repository does not have: push them first.
    PushBlobsFirst,
    /// Several platforms were asked of content that is not an index: ask for one.
    SinglePlatform,
}

/// The next step [`Error::hint`] offers: a sentence the library can word itself (it names no
/// flag), or [`Advice`] for the caller to word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    /// Text to show as it is.
    Text(String),
    /// A recommendation the caller words.
    Advice(Advice),
}

impl From<String> for Hint {
    fn from(text: String) -> Self {
        Hint::Text(text)
    }
}

impl From<&str> for Hint {
    fn from(text: &str) -> Self {
        Hint::Text(text.to_string())
    }
}

impl From<Advice> for Hint {
    fn from(advice: Advice) -> Self {
        Hint::Advice(advice)
    }
}

impl Error {
    /// An [`Error::InvalidInput`] without a hint.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidInput {
            message: message.into(),
            hint: None,
        }
    }

    /// An [`Error::InvalidInput`] with a hint.
    pub fn invalid_with_hint(message: impl Into<String>, hint: impl Into<Hint>) -> Self {
        Error::InvalidInput {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            err: source,
        }
    }

    /// `self` with `context` saying what was being done.
    pub fn context(self, context: impl Into<String>) -> Self {
        Error::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }

    /// The error below every [`Error::Context`]: what the registry or the system said.
    pub fn root(&self) -> &Error {
        match self {
            Error::Context { source, .. } => source.root(),
            Error::Copy(c) => c.error.root(),
            other => other,
        }
    }

    /// Whether the same request may succeed if sent again: the connection broke or timed out
    /// (a TLS failure would fail again), or the registry answered 408, 429 or a 5xx other than
    /// 501/505 (the statuses a request is retried on). A refused digest or a missing
    /// permission is not retryable. Contexts are not looked through: a failure wrapped in
    /// [`Error::Context`] was already given up on.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(t) => t.kind != TransportKind::Tls,
            Error::Response(r) => {
                matches!(r.status, 408 | 429)
                    || ((500..600).contains(&r.status) && !matches!(r.status, 501 | 505))
            }
            _ => false,
        }
    }

    /// What the user can do next, when there is something.
    pub fn hint(&self) -> Option<Hint> {
        match self {
            Error::Context { source, .. } => source.hint(),
            Error::Copy(c) => c.error.hint(),
            Error::Oci(crate::oci::OciError::ArtifactTypeWithPlatform) => {
                Some(Advice::ArtifactTypeWithPlatform.into())
            }
            Error::Reference(_) => Some(
                "Please make sure the provided reference is in the form of <registry>/<repo>[:tag|@digest]"
                    .into(),
            ),
            Error::Transport(t) => t.hint.clone(),
            Error::Response(r) => r.hint(),
            Error::Auth(a) => a.hint(),
            Error::RateLimited(r) => Some(r.hint().into()),
            Error::PathTraversal { .. } => Some(Advice::AllowPathTraversal.into()),
            Error::OverwriteDisallowed { .. } => Some(Advice::AllowOverwrite.into()),
            Error::FileNameClash { .. } => Some(Advice::CaseSensitiveDirectory.into()),
            Error::UnsupportedFileName { .. } => Some(Advice::OtherFilesystem.into()),
            Error::Io { err, .. } if err.raw_os_error() == Some(28) => {
                Some("The disk is full: free some space and try again.".into())
            }
            Error::InvalidInput { hint, .. } => hint.clone(),
            Error::UnpackLimit { .. } => Some(
                "If you trust the artifact, raise the limit with the ORAS_MAX_UNPACK_SIZE environment variable (bytes)."
                    .into(),
            ),
            _ => None,
        }
    }
}

/// Names a descriptor for messages: its title and digest, or just the digest.
fn describe(desc: &crate::oci::Descriptor) -> String {
    match desc.title() {
        Some(t) => format!("{t} ({})", desc.digest),
        None => desc.digest.to_string(),
    }
}

/// Turns a failed read of `desc` into an error that keeps a size or digest mismatch typed.
pub(crate) fn read_error(desc: &crate::oci::Descriptor, e: std::io::Error) -> Error {
    if crate::digest::verify_error(&e).is_none() {
        return Error::Protocol(format!("{}: {e}", describe(desc)));
    }
    let text = e.to_string();
    match e.into_inner().map(|inner| inner.downcast::<VerifyError>()) {
        Some(Ok(v)) => Error::Verify {
            context: describe(desc),
            mismatch: *v,
        },
        _ => Error::Protocol(format!("{}: {text}", describe(desc))),
    }
}

/// The OS's words for an I/O error, without Rust's "(os error N)" suffix.
pub(crate) fn describe_io(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error ") {
        // The OS's own words in lower case, as Go prints them: "no such file or directory".
        Some(i) => {
            let mut chars = text[..i].chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_lowercase().chain(chars).collect()
            })
        }
        None => text,
    }
}

impl From<ErrorResponse> for Error {
    fn from(e: ErrorResponse) -> Self {
        Error::Response(Box::new(e))
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(Box::new(e))
    }
}

impl From<RateLimited> for Error {
    fn from(e: RateLimited) -> Self {
        Error::RateLimited(Box::new(e))
    }
}

impl From<AuthError> for Error {
    fn from(e: AuthError) -> Self {
        Error::Auth(Box::new(e))
    }
}
