//! Builds the image manifest that `oras push` / `oras attach` upload, byte for byte as oras does
//! (oras-go v2.6 `PackManifest` as called by the oras v1.3 CLI).
//!
//! Packing is pure: it returns the manifest bytes, its descriptor and the generated `{}` blob,
//! and the caller pushes them. The manifest is serialized exactly once; those bytes are what get
//! pushed and hashed. Rules (oras-cli reference §2.1, §2.2):
//! - image-spec v1.1: `artifactType` set (default `application/vnd.unknown.artifact.v1` when
//!   neither an artifact type nor a config is given), config = the empty descriptor with
//!   `data` `e30=` unless a config file is given, and no layers means one empty-descriptor layer;
//! - image-spec v1.0: no `artifactType`, config = `{}` typed with the artifact type (or
//!   `application/vnd.unknown.config.v1+json`) without `data`, layers may be `[]`, no subject;
//! - `org.opencontainers.image.created` added unless given, in which case it must be RFC 3339.

use std::fmt;
use std::str::FromStr;

use time::{OffsetDateTime, UtcOffset};

use super::OciError;
use super::annotations::{self, Annotations};
use super::descriptor::{Descriptor, EMPTY_JSON, Platform};
use super::json::to_go_json;
use super::manifest::Manifest;
use super::media_type;
use crate::digest::Digest;

/// Which image-spec version the packed manifest follows (`--image-spec`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ImageSpec {
    /// image-spec v1.0: the artifact type is carried as the config media type.
    V1_0,
    /// image-spec v1.1 (the default): `artifactType` field, empty config, padded layers.
    #[default]
    V1_1,
}

impl FromStr for ImageSpec {
    type Err = OciError;

    /// Parses `v1.0` or `v1.1`, the only values oras accepts.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "v1.0" => Ok(ImageSpec::V1_0),
            "v1.1" => Ok(ImageSpec::V1_1),
            other => Err(OciError::UnknownImageSpec(other.to_string())),
        }
    }
}

impl fmt::Display for ImageSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImageSpec::V1_0 => "v1.0",
            ImageSpec::V1_1 => "v1.1",
        })
    }
}

/// Everything a manifest is built from.
#[derive(Clone, Debug)]
pub struct PackOptions {
    /// `--image-spec`.
    pub image_spec: ImageSpec,
    /// `--artifact-type`; `None` or empty means not given.
    pub artifact_type: Option<String>,
    /// The descriptor of a `--config` file, already hashed. Its annotations are replaced by
    /// [`PackOptions::config_annotations`] (so it carries no title), as the oras CLI does.
    pub config: Option<Descriptor>,
    /// Without a `config`: an OCI image config generated from this platform (its JSON,
    /// `application/vnd.oci.image.config.v1+json`), so registries and clients can select the
    /// artifact by platform (oras's `--artifact-platform`). Under v1.0 the artifact type then
    /// cannot be set. Ignored when `config` is given.
    pub platform: Option<Platform>,
    /// Layer descriptors in command-line order.
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (`attach`); v1.1 only.
    pub subject: Option<Descriptor>,
    /// Manifest annotations (`-a`, `$manifest`). A `created` entry here is kept if valid.
    pub manifest_annotations: Annotations,
    /// Config descriptor annotations (`$config` in the annotation file).
    pub config_annotations: Annotations,
    /// Time written as `org.opencontainers.image.created` when the user gave none; see
    /// [`created_time`].
    pub created: OffsetDateTime,
}

impl Default for PackOptions {
    /// An image-spec v1.1 artifact of oras's default type with no layers, no config file, no
    /// subject and no annotations, created now. Set [`PackOptions::created`] from
    /// [`created_time`] (or [`crate::pack::source_date_epoch`]) to follow `SOURCE_DATE_EPOCH`.
    fn default() -> Self {
        PackOptions {
            image_spec: ImageSpec::default(),
            artifact_type: None,
            config: None,
            platform: None,
            layers: Vec::new(),
            subject: None,
            manifest_annotations: Annotations::new(),
            config_annotations: Annotations::new(),
            created: OffsetDateTime::now_utc(),
        }
    }
}

/// A packed manifest and the generated blobs the caller must make available for upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackedManifest {
    /// Descriptor of [`PackedManifest::bytes`]: image manifest media type, digest and size, plus
    /// the manifest annotations and the artifact type (for v1.0, the config media type, which
    /// is what oras prints as `ArtifactType:`).
    pub descriptor: Descriptor,
    /// The serialized manifest: push these exact bytes.
    pub bytes: Vec<u8>,
    /// The manifest as built.
    pub manifest: Manifest,
    /// The config descriptor in the manifest.
    pub config: Descriptor,
    /// The generated config, to be pushed by the caller: `Some(b"{}")` for the 2-byte empty
    /// config, the platform's JSON for [`PackOptions::platform`]; `None` when it is the user's
    /// `--config` file.
    pub config_bytes: Option<Vec<u8>>,
    /// `Some(b"{}")` when no layers were given under v1.1 and the empty padding layer was added,
    /// to be pushed by the caller (same digest as a generated v1.1 config).
    pub layer_bytes: Option<Vec<u8>>,
}

impl PackedManifest {
    /// Whether the artifact was packed without any layer of the caller's (the case oras
    /// announces as `Uploading empty artifact`), whether or not a v1.1 padding layer was added.
    pub fn layers_empty(&self) -> bool {
        self.layer_bytes.is_some() || self.manifest.layers.is_empty()
    }

    /// The generated blobs to push before the manifest, without duplicates: the `{}` config
    /// and/or the `{}` padding layer.
    pub fn generated_blobs(&self) -> Vec<(&Descriptor, &[u8])> {
        let mut blobs: Vec<(&Descriptor, &[u8])> = Vec::new();
        if let Some(bytes) = &self.config_bytes {
            blobs.push((&self.config, bytes));
        }
        if let (Some(bytes), Some(layer)) = (&self.layer_bytes, self.manifest.layers.first())
            && !blobs.iter().any(|(d, _)| d.digest == layer.digest)
        {
            blobs.push((layer, bytes));
        }
        blobs
    }
}

/// Builds and serializes the manifest described by `opts`.
///
/// Errors, checked in oras's order: v1.1 with a config but no artifact type; v1.0 with both an
/// artifact type and a config, or with a subject; an artifact type or config media type that is
/// not a media type; a user-supplied `created` annotation that is not RFC 3339.
pub fn pack_manifest(opts: &PackOptions) -> Result<PackedManifest, OciError> {
    pack_with_layers(opts, opts.layers.clone())
}

/// [`pack_manifest`], taking `opts` so that its layers move into the manifest rather than being
/// copied: for 15,000 layers, that copy was 13 MiB held beside the original.
pub(crate) fn pack_manifest_owned(mut opts: PackOptions) -> Result<PackedManifest, OciError> {
    let layers = std::mem::take(&mut opts.layers);
    pack_with_layers(&opts, layers)
}

/// [`pack_manifest`] of `opts` with `layers` in place of `opts.layers`.
fn pack_with_layers(
    opts: &PackOptions,
    layers: Vec<Descriptor>,
) -> Result<PackedManifest, OciError> {
    let artifact_type = opts.artifact_type.as_deref().filter(|s| !s.is_empty());
    let user_config = opts.config.clone().map(|mut config| {
        config.annotations = non_empty(&opts.config_annotations);
        config
    });
    match opts.image_spec {
        ImageSpec::V1_1 => pack_v1_1(opts, layers, artifact_type, user_config),
        ImageSpec::V1_0 => pack_v1_0(opts, layers, artifact_type, user_config),
    }
}

fn pack_v1_1(
    opts: &PackOptions,
    layers: Vec<Descriptor>,
    artifact_type: Option<&str>,
    user_config: Option<Descriptor>,
) -> Result<PackedManifest, OciError> {
    if user_config.is_some() && artifact_type.is_none() {
        return Err(OciError::MissingArtifactType);
    }
    let artifact_type = artifact_type.unwrap_or(media_type::UNKNOWN_ARTIFACT);
    media_type::validate(artifact_type)
        .map_err(|_| OciError::InvalidArtifactType(artifact_type.to_string()))?;
    let (config, config_bytes) = match user_config {
        Some(config) => (validate_config(config)?, None),
        None if let Some(platform) = &opts.platform => {
            platform_config(platform, &opts.config_annotations)?
        }
        None => {
            let mut config = Descriptor::empty_json();
            config.annotations = non_empty(&opts.config_annotations);
            (config, Some(EMPTY_JSON.to_vec()))
        }
    };
    let annotations = ensure_created(&opts.manifest_annotations, opts.created)?;
    // image-spec v1.1 artifact guidance: a manifest without layers gets the empty descriptor
    // (plain, without the config's annotations) as its single layer.
    let (layers, layer_bytes) = if layers.is_empty() {
        (vec![Descriptor::empty_json()], Some(EMPTY_JSON.to_vec()))
    } else {
        (layers, None)
    };
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(media_type::OCI_MANIFEST.to_string()),
        artifact_type: Some(artifact_type.to_string()),
        config,
        layers,
        subject: opts.subject.clone(),
        annotations: Some(annotations),
    };
    finish(
        manifest,
        artifact_type.to_string(),
        config_bytes,
        layer_bytes,
    )
}

fn pack_v1_0(
    opts: &PackOptions,
    layers: Vec<Descriptor>,
    artifact_type: Option<&str>,
    user_config: Option<Descriptor>,
) -> Result<PackedManifest, OciError> {
    if artifact_type.is_some() && user_config.is_some() {
        return Err(OciError::ArtifactTypeWithConfig);
    }
    if opts.subject.is_some() {
        return Err(OciError::SubjectNotSupported);
    }
    if artifact_type.is_some() && user_config.is_none() && opts.platform.is_some() {
        return Err(OciError::ArtifactTypeWithPlatform);
    }
    let (config, config_bytes) = match user_config {
        Some(config) => (validate_config(config)?, None),
        None if let Some(platform) = &opts.platform => {
            platform_config(platform, &opts.config_annotations)?
        }
        None => {
            let config_type = match artifact_type {
                Some(t) => {
                    media_type::validate(t)
                        .map_err(|_| OciError::InvalidArtifactType(t.to_string()))?;
                    t
                }
                None => media_type::UNKNOWN_CONFIG,
            };
            // Same `{}` bytes as the v1.1 empty config, but typed and without `data`.
            let mut config = Descriptor::new(
                config_type,
                Digest::sha256_of(EMPTY_JSON),
                EMPTY_JSON.len() as u64,
            );
            config.annotations = non_empty(&opts.config_annotations);
            (config, Some(EMPTY_JSON.to_vec()))
        }
    };
    let annotations = ensure_created(&opts.manifest_annotations, opts.created)?;
    let artifact_type = config.media_type.clone();
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(media_type::OCI_MANIFEST.to_string()),
        artifact_type: None,
        config,
        layers,
        subject: None,
        annotations: Some(annotations),
    };
    finish(manifest, artifact_type, config_bytes, None)
}

/// The config generated from [`PackOptions::platform`]: the platform's JSON, as Go marshals an
/// `ocispec.Platform`, with the config annotations.
fn platform_config(
    platform: &Platform,
    annotations: &Annotations,
) -> Result<(Descriptor, Option<Vec<u8>>), OciError> {
    let bytes = to_go_json(platform)?;
    let mut config = Descriptor::new(
        media_type::OCI_CONFIG,
        Digest::sha256_of(&bytes),
        bytes.len() as u64,
    );
    config.annotations = non_empty(annotations);
    Ok((config, Some(bytes)))
}

fn validate_config(config: Descriptor) -> Result<Descriptor, OciError> {
    match media_type::validate(&config.media_type) {
        Ok(()) => Ok(config),
        Err(_) => Err(OciError::InvalidConfigMediaType(config.media_type)),
    }
}

/// Serializes once and describes the result.
fn finish(
    manifest: Manifest,
    artifact_type: String,
    config_bytes: Option<Vec<u8>>,
    layer_bytes: Option<Vec<u8>>,
) -> Result<PackedManifest, OciError> {
    let bytes = to_go_json(&manifest)?;
    let mut descriptor = Descriptor::new(
        media_type::OCI_MANIFEST,
        Digest::sha256_of(&bytes),
        bytes.len() as u64,
    );
    descriptor.artifact_type = Some(artifact_type).filter(|t| !t.is_empty());
    descriptor.annotations = manifest.annotations.clone();
    Ok(PackedManifest {
        descriptor,
        config: manifest.config.clone(),
        bytes,
        manifest,
        config_bytes,
        layer_bytes,
    })
}

fn non_empty(annotations: &Annotations) -> Option<Annotations> {
    (!annotations.is_empty()).then(|| annotations.clone())
}

/// Adds `org.opencontainers.image.created` = `created` unless present; a present value must
/// parse as RFC 3339 the way Go's `time.Parse(time.RFC3339, …)` does.
fn ensure_created(
    annotations: &Annotations,
    created: OffsetDateTime,
) -> Result<Annotations, OciError> {
    let mut annotations = annotations.clone();
    match annotations.get(annotations::CREATED) {
        Some(value) => check_rfc3339(value).map_err(OciError::InvalidCreated)?,
        None => {
            annotations.insert(annotations::CREATED.to_string(), format_created(created)?);
        }
    }
    Ok(annotations)
}

/// The creation time oras would use: `SOURCE_DATE_EPOCH` (integer seconds since the Unix
/// epoch) when set and non-empty, else `now`. Pass `std::env::var("SOURCE_DATE_EPOCH").ok()`.
///
/// This follows the reproducible-builds convention so that pushes can have stable digests
/// without an explicit `created` annotation; an unset or empty variable means "not set".
pub fn created_time(
    source_date_epoch: Option<&str>,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, OciError> {
    let Some(value) = source_date_epoch.filter(|v| !v.is_empty()) else {
        return Ok(now);
    };
    let invalid = || OciError::InvalidSourceDateEpoch(value.to_string());
    let digits = value.strip_prefix('-').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let seconds: i64 = value.parse().map_err(|_| invalid())?;
    OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| invalid())
}

/// `t` in UTC as Go's `t.UTC().Format(time.RFC3339)`: whole seconds, `Z` suffix.
fn format_created(t: OffsetDateTime) -> Result<String, OciError> {
    let utc = t
        .checked_to_offset(UtcOffset::UTC)
        .ok_or(OciError::TimeOutOfRange)?;
    let year = utc.year();
    // Go pads the year to four digits after the sign.
    let year = if year < 0 {
        format!("-{:04}", year.unsigned_abs())
    } else {
        format!("{year:04}")
    };
    Ok(format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    ))
}

/// Go's RFC 3339 layout, quoted in its parse errors.
const RFC3339_LAYOUT: &str = "2006-01-02T15:04:05Z07:00";

/// Validates `value` as Go's `time.Parse(time.RFC3339, value)` would, returning Go's error
/// text on failure so messages read like oras's. Go is more lenient than RFC 3339 in places
/// (one-digit hour, `,` before fractions, offset hour 24) and we accept exactly what it does.
fn check_rfc3339(value: &str) -> Result<(), String> {
    let bad = |rest: &[u8], elem: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            go_quote(value.as_bytes()),
            go_quote(RFC3339_LAYOUT.as_bytes()),
            go_quote(rest),
            go_quote(elem.as_bytes())
        )
    };
    let message = |text: &str| format!("parsing time {}{text}", go_quote(value.as_bytes()));
    let out_of_range = |what: &str| message(&format!(": {what} out of range"));
    let skip = |rest: &[u8], literal: u8| -> Result<usize, String> {
        if rest.first() == Some(&literal) {
            Ok(1)
        } else {
            Err(bad(rest, std::str::from_utf8(&[literal]).unwrap_or("?")))
        }
    };

    let mut rest = value.as_bytes();
    // "2006": exactly four digits.
    let year = match rest.get(..4) {
        Some(p) if p.iter().all(u8::is_ascii_digit) => digits_value(p),
        _ => return Err(bad(rest, "2006")),
    };
    rest = &rest[4..];
    rest = &rest[skip(rest, b'-')?..];
    let (month, r) = getnum(rest, true).ok_or_else(|| bad(rest, "01"))?;
    if !(1..=12).contains(&month) {
        return Err(out_of_range("month"));
    }
    rest = r;
    rest = &rest[skip(rest, b'-')?..];
    let (day, r) = getnum(rest, true).ok_or_else(|| bad(rest, "02"))?;
    rest = r;
    rest = &rest[skip(rest, b'T')?..];
    let (hour, r) = getnum(rest, false).ok_or_else(|| bad(rest, "15"))?;
    if hour >= 24 {
        return Err(out_of_range("hour"));
    }
    rest = r;
    rest = &rest[skip(rest, b':')?..];
    let (minute, r) = getnum(rest, true).ok_or_else(|| bad(rest, "04"))?;
    if minute > 59 {
        return Err(out_of_range("minute"));
    }
    rest = r;
    rest = &rest[skip(rest, b':')?..];
    let (second, r) = getnum(rest, true).ok_or_else(|| bad(rest, "05"))?;
    if second > 59 {
        return Err(out_of_range("second"));
    }
    rest = r;
    // A fraction is accepted even though the layout has none.
    if let [b'.' | b',', d, ..] = rest
        && d.is_ascii_digit()
    {
        let digits = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        rest = &rest[1 + digits..];
    }
    // "Z07:00": `Z` or `±hh:mm`.
    if rest.first() == Some(&b'Z') {
        rest = &rest[1..];
    } else {
        let hold = rest;
        let zone = match rest {
            [sign, h1, h2, b':', m1, m2, ..] => Some((*sign, [*h1, *h2], [*m1, *m2])),
            _ => None,
        };
        let Some((sign, hh, mm)) = zone else {
            return Err(bad(hold, "Z07:00"));
        };
        rest = &rest[6..];
        // Go parses the minutes only if the hours parsed, and checks ranges before the error.
        let hours = getnum(&hh, true).map(|(h, _)| h);
        let minutes = hours.and_then(|_| getnum(&mm, true)).map(|(m, _)| m);
        if minutes.is_some_and(|m| m > 60) {
            return Err(out_of_range("time zone offset minute"));
        }
        if hours.is_some_and(|h| h > 24) {
            return Err(out_of_range("time zone offset hour"));
        }
        if minutes.is_none() || !matches!(sign, b'+' | b'-') {
            return Err(bad(hold, "Z07:00"));
        }
    }
    if !rest.is_empty() {
        return Err(message(&format!(": extra text: {}", go_quote(rest))));
    }
    if day < 1 || day > days_in_month(month, year) {
        return Err(out_of_range("day"));
    }
    Ok(())
}

/// Go's `getnum`: one or two leading digits (exactly two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Option<(u32, &[u8])> {
    match s {
        [a, b, rest @ ..] if a.is_ascii_digit() && b.is_ascii_digit() => {
            Some((u32::from(a - b'0') * 10 + u32::from(b - b'0'), rest))
        }
        [a, rest @ ..] if a.is_ascii_digit() && !fixed => Some((u32::from(a - b'0'), rest)),
        _ => None,
    }
}

fn digits_value(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |n, d| n * 10 + u32::from(d.wrapping_sub(b'0')))
}

fn days_in_month(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Go's `time` package quoting: `"` and `\` backslashed, bytes outside printable ASCII as
/// `\xNN`.
fn go_quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            0x20..=0x7f => {
                if b == b'"' || b == b'\\' {
                    out.push('\\');
                }
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const CREATED: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);
    const EMPTY: &str = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

    fn hello_layer() -> Descriptor {
        let mut desc = Descriptor::new(media_type::LAYER_TAR, Digest::sha256_of(b"hello\n"), 6);
        desc.annotations = Some([(annotations::TITLE.into(), "hello.txt".into())].into());
        desc
    }

    fn opts(image_spec: ImageSpec, layers: Vec<Descriptor>) -> PackOptions {
        PackOptions {
            image_spec,
            artifact_type: None,
            config: None,
            platform: None,
            layers,
            subject: None,
            manifest_annotations: Annotations::new(),
            config_annotations: Annotations::new(),
            created: CREATED,
        }
    }

    #[test]
    fn a_platform_becomes_the_image_config() {
        let platform = Platform {
            architecture: "arm".into(),
            os: "linux".into(),
            variant: Some("v7".into()),
            ..Platform::default()
        };
        for spec in [ImageSpec::V1_1, ImageSpec::V1_0] {
            let mut o = opts(spec, vec![]);
            o.platform = Some(platform.clone());
            o.config_annotations.insert("k".into(), "v".into());
            let packed = pack_manifest(&o).unwrap();
            let json = br#"{"architecture":"arm","os":"linux","variant":"v7"}"#;
            assert_eq!(packed.config_bytes.as_deref(), Some(&json[..]));
            assert_eq!(packed.config.media_type, media_type::OCI_CONFIG);
            assert_eq!(packed.config.digest, Digest::sha256_of(json));
            assert_eq!(
                packed.config.annotations.as_ref().unwrap().get("k"),
                Some("v")
            );
            let expected_type = match spec {
                ImageSpec::V1_1 => media_type::UNKNOWN_ARTIFACT,
                ImageSpec::V1_0 => media_type::OCI_CONFIG,
            };
            assert_eq!(
                packed.descriptor.artifact_type.as_deref(),
                Some(expected_type)
            );
        }
        let mut o = opts(ImageSpec::V1_0, vec![]);
        o.platform = Some(platform);
        o.artifact_type = Some("a/b".into());
        assert!(matches!(
            pack_manifest(&o),
            Err(OciError::ArtifactTypeWithPlatform)
        ));
    }

    fn text(packed: &PackedManifest) -> &str {
        std::str::from_utf8(&packed.bytes).unwrap()
    }

    fn annotations(pairs: &[(&str, &str)]) -> Annotations {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn default_v1_1_manifest_with_one_file_is_byte_exact() {
        let packed = pack_manifest(&opts(ImageSpec::V1_1, vec![hello_layer()])).unwrap();
        let expected = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.unknown.artifact.v1","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","size":6,"annotations":{"org.opencontainers.image.title":"hello.txt"}}],"annotations":{"org.opencontainers.image.created":"2026-01-02T03:04:05Z"}}"#;
        assert_eq!(text(&packed), expected);
        assert_eq!(packed.descriptor.media_type, media_type::OCI_MANIFEST);
        assert_eq!(
            packed.descriptor.digest,
            Digest::sha256_of(expected.as_bytes())
        );
        assert_eq!(packed.descriptor.size, expected.len() as u64);
        assert_eq!(
            packed.descriptor.artifact_type.as_deref(),
            Some(media_type::UNKNOWN_ARTIFACT)
        );
        assert_eq!(
            packed.descriptor.annotations,
            Some(annotations(&[(
                annotations::CREATED,
                "2026-01-02T03:04:05Z"
            )]))
        );
        assert!(packed.config.is_empty_json());
        assert_eq!(packed.config_bytes.as_deref(), Some(&b"{}"[..]));
        assert_eq!(packed.layer_bytes, None);
        assert!(!packed.layers_empty());
        assert_eq!(packed.generated_blobs().len(), 1);
        // The bytes are the truth: they parse back to the manifest that was built.
        assert_eq!(
            super::super::parse_manifest(&packed.bytes).unwrap(),
            packed.manifest
        );
    }

    #[test]
    fn v1_1_without_files_has_one_empty_layer() {
        let packed = pack_manifest(&opts(ImageSpec::V1_1, vec![])).unwrap();
        let empty = format!(
            r#"{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{EMPTY}","size":2,"data":"e30="}}"#
        );
        let expected = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.unknown.artifact.v1","config":{empty},"layers":[{empty}],"annotations":{{"org.opencontainers.image.created":"2026-01-02T03:04:05Z"}}}}"#
        );
        assert_eq!(text(&packed), expected);
        assert_eq!(packed.manifest.layers, vec![packed.config.clone()]);
        assert_eq!(packed.layer_bytes.as_deref(), Some(&b"{}"[..]));
        assert!(packed.layers_empty());
        // Config and padding layer are the same blob: pushed once.
        assert_eq!(packed.generated_blobs().len(), 1);
    }

    #[test]
    fn v1_1_config_annotations_stay_off_the_padding_layer() {
        let mut o = opts(ImageSpec::V1_1, vec![]);
        o.config_annotations = annotations(&[("hello", "config")]);
        let packed = pack_manifest(&o).unwrap();
        assert!(text(&packed).contains(
            r#""config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"annotations":{"hello":"config"},"data":"e30="}"#
        ));
        assert_eq!(packed.manifest.layers, vec![Descriptor::empty_json()]);
    }

    #[test]
    fn v1_1_with_artifact_type_config_and_subject() {
        let mut config = Descriptor::new(
            "application/vnd.test.config+json",
            Digest::sha256_of(b"{\"config\":{}}"),
            13,
        );
        config.annotations = Some(annotations(&[(annotations::TITLE, "config.json")]));
        let subject = Descriptor::new(media_type::OCI_MANIFEST, Digest::sha256_of(b"subject"), 7);
        let mut o = opts(ImageSpec::V1_1, vec![]);
        o.artifact_type = Some("application/vnd.test+type".into());
        o.config = Some(config);
        o.subject = Some(subject.clone());
        o.manifest_annotations = annotations(&[("z", "last"), ("a", "first")]);
        let packed = pack_manifest(&o).unwrap();
        let expected = format!(
            concat!(
                r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.test+type","#,
                r#""config":{{"mediaType":"application/vnd.test.config+json","digest":"{cfg}","size":13}},"#,
                r#""layers":[{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{empty}","size":2,"data":"e30="}}],"#,
                r#""subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{subject}","size":7}},"#,
                r#""annotations":{{"a":"first","org.opencontainers.image.created":"2026-01-02T03:04:05Z","z":"last"}}}}"#
            ),
            cfg = Digest::sha256_of(b"{\"config\":{}}"),
            empty = EMPTY,
            subject = subject.digest,
        );
        assert_eq!(text(&packed), expected);
        assert_eq!(packed.config_bytes, None);
        // The padding layer still has to be pushed.
        let blobs = packed.generated_blobs();
        assert_eq!(blobs.len(), 1);
        assert!(blobs[0].0.is_empty_json());
        assert_eq!(blobs[0].1, b"{}");
    }

    #[test]
    fn v1_1_config_without_artifact_type_is_refused() {
        let mut o = opts(ImageSpec::V1_1, vec![hello_layer()]);
        o.config = Some(Descriptor::new(
            media_type::UNKNOWN_CONFIG,
            Digest::sha256_of(b"{}"),
            2,
        ));
        let err = pack_manifest(&o).unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing artifact type for OCI image-spec v1.1 artifacts"
        );
    }

    #[test]
    fn v1_0_default_types_the_config_and_keeps_layers_empty() {
        let packed = pack_manifest(&opts(ImageSpec::V1_0, vec![])).unwrap();
        let expected = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.unknown.config.v1+json","digest":"{EMPTY}","size":2}},"layers":[],"annotations":{{"org.opencontainers.image.created":"2026-01-02T03:04:05Z"}}}}"#
        );
        assert_eq!(text(&packed), expected);
        assert_eq!(
            packed.descriptor.artifact_type.as_deref(),
            Some(media_type::UNKNOWN_CONFIG)
        );
        assert_eq!(packed.config_bytes.as_deref(), Some(&b"{}"[..]));
        assert_eq!(packed.layer_bytes, None);
        assert!(packed.layers_empty());
    }

    #[test]
    fn v1_0_artifact_type_becomes_the_config_media_type() {
        let mut o = opts(ImageSpec::V1_0, vec![hello_layer()]);
        o.artifact_type = Some("config/type".into());
        o.config_annotations = annotations(&[("hello", "config")]);
        let packed = pack_manifest(&o).unwrap();
        let expected = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"config/type","digest":"{EMPTY}","size":2,"annotations":{{"hello":"config"}}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","size":6,"annotations":{{"org.opencontainers.image.title":"hello.txt"}}}}],"annotations":{{"org.opencontainers.image.created":"2026-01-02T03:04:05Z"}}}}"#
        );
        assert_eq!(text(&packed), expected);
        assert_eq!(
            packed.descriptor.artifact_type.as_deref(),
            Some("config/type")
        );
        assert_eq!(packed.manifest.artifact_type, None);
    }

    #[test]
    fn v1_0_user_config_replaces_annotations_with_config_annotations() {
        let mut config = Descriptor::new("config/type", Digest::sha256_of(b"cfg"), 3);
        config.annotations = Some(annotations(&[(annotations::TITLE, "cfg")]));
        let mut o = opts(ImageSpec::V1_0, vec![]);
        o.config = Some(config);
        let packed = pack_manifest(&o).unwrap();
        assert_eq!(packed.config.annotations, None);
        assert_eq!(packed.config_bytes, None);
        assert_eq!(packed.generated_blobs().len(), 0);
        assert_eq!(
            packed.descriptor.artifact_type.as_deref(),
            Some("config/type")
        );
    }

    #[test]
    fn v1_0_refusals() {
        let mut o = opts(ImageSpec::V1_0, vec![]);
        o.artifact_type = Some("a/b".into());
        o.config = Some(Descriptor::new("c/d", Digest::sha256_of(b"x"), 1));
        assert!(matches!(
            pack_manifest(&o).unwrap_err(),
            OciError::ArtifactTypeWithConfig
        ));
        let mut o = opts(ImageSpec::V1_0, vec![]);
        o.subject = Some(Descriptor::new(
            media_type::OCI_MANIFEST,
            Digest::sha256_of(b"s"),
            1,
        ));
        assert!(matches!(
            pack_manifest(&o),
            Err(OciError::SubjectNotSupported)
        ));
        let mut o = opts(ImageSpec::V1_0, vec![]);
        o.artifact_type = Some("nope".into());
        assert_eq!(
            pack_manifest(&o).unwrap_err().to_string(),
            "invalid artifactType format: nope: invalid media type"
        );
    }

    #[test]
    fn invalid_artifact_and_config_types_are_refused() {
        let mut o = opts(ImageSpec::V1_1, vec![]);
        o.artifact_type = Some("application/vnd test".into());
        assert_eq!(
            pack_manifest(&o).unwrap_err().to_string(),
            "invalid artifactType format: application/vnd test: invalid media type"
        );
        let mut o = opts(ImageSpec::V1_1, vec![]);
        o.artifact_type = Some("a/b".into());
        o.config = Some(Descriptor::new("bad type", Digest::sha256_of(b"x"), 1));
        assert_eq!(
            pack_manifest(&o).unwrap_err().to_string(),
            "invalid config mediaType format: bad type: invalid media type"
        );
    }

    #[test]
    fn empty_artifact_type_means_not_given() {
        let mut o = opts(ImageSpec::V1_1, vec![]);
        o.artifact_type = Some(String::new());
        let packed = pack_manifest(&o).unwrap();
        assert_eq!(
            packed.manifest.artifact_type.as_deref(),
            Some(media_type::UNKNOWN_ARTIFACT)
        );
    }

    #[test]
    fn user_created_annotation_is_kept_verbatim() {
        let mut o = opts(ImageSpec::V1_1, vec![hello_layer()]);
        o.manifest_annotations =
            annotations(&[(annotations::CREATED, "2000-01-01T00:00:00.5+01:00")]);
        let packed = pack_manifest(&o).unwrap();
        assert!(text(&packed).ends_with(
            r#""annotations":{"org.opencontainers.image.created":"2000-01-01T00:00:00.5+01:00"}}"#
        ));
        // Built twice from the same inputs: same digest.
        assert_eq!(pack_manifest(&o).unwrap().descriptor, packed.descriptor);
    }

    #[test]
    fn invalid_created_annotation_is_refused_with_go_wording() {
        let mut o = opts(ImageSpec::V1_1, vec![]);
        o.manifest_annotations = annotations(&[(annotations::CREATED, "yesterday")]);
        assert_eq!(
            pack_manifest(&o).unwrap_err().to_string(),
            r#"invalid date and time format: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006""#
        );
    }

    #[test]
    fn annotations_are_escaped_like_go() {
        let mut o = opts(ImageSpec::V1_1, vec![]);
        o.manifest_annotations = annotations(&[("key<&>", "a<b>&c\u{2028}")]);
        let packed = pack_manifest(&o).unwrap();
        assert!(text(&packed).contains(
            r#""annotations":{"key\u003c\u0026\u003e":"a\u003cb\u003e\u0026c\u2028","org.opencontainers.image.created":"2026-01-02T03:04:05Z"}"#
        ));
    }

    #[test]
    fn created_is_formatted_in_utc_whole_seconds() {
        let mut o = opts(ImageSpec::V1_1, vec![]);
        o.created = datetime!(2026-01-02 05:04:05.999 +02:00);
        let packed = pack_manifest(&o).unwrap();
        assert_eq!(
            packed
                .manifest
                .annotations
                .unwrap()
                .get(annotations::CREATED)
                .unwrap(),
            "2026-01-02T03:04:05Z"
        );
        assert_eq!(
            format_created(datetime!(-0001-03-04 05:06:07 UTC)).unwrap(),
            "-0001-03-04T05:06:07Z"
        );
    }

    #[test]
    fn rfc3339_check_accepts_what_go_accepts() {
        for ok in [
            "2026-01-02T03:04:05Z",
            "2026-01-02T03:04:05+01:00",
            "2026-01-02T03:04:05-23:59",
            "2026-01-02T03:04:05.123456789Z",
            "2026-01-02T03:04:05,5Z",
            "2026-01-02T3:04:05Z",
            "2024-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "2026-01-02T03:04:05+24:00",
        ] {
            assert_eq!(check_rfc3339(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rfc3339_check_refuses_with_go_messages() {
        let cases = [
            (
                "",
                r#"parsing time "" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "2006""#,
            ),
            (
                "2026-13-02T03:04:05Z",
                r#"parsing time "2026-13-02T03:04:05Z": month out of range"#,
            ),
            (
                "2023-02-29T00:00:00Z",
                r#"parsing time "2023-02-29T00:00:00Z": day out of range"#,
            ),
            (
                "1900-02-29T00:00:00Z",
                r#"parsing time "1900-02-29T00:00:00Z": day out of range"#,
            ),
            (
                "2026-01-02 03:04:05Z",
                r#"parsing time "2026-01-02 03:04:05Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 03:04:05Z" as "T""#,
            ),
            (
                "2026-01-02t03:04:05Z",
                r#"parsing time "2026-01-02t03:04:05Z" as "2006-01-02T15:04:05Z07:00": cannot parse "t03:04:05Z" as "T""#,
            ),
            (
                "2026-01-02T24:00:00Z",
                r#"parsing time "2026-01-02T24:00:00Z": hour out of range"#,
            ),
            (
                "2026-01-02T03:60:00Z",
                r#"parsing time "2026-01-02T03:60:00Z": minute out of range"#,
            ),
            (
                "2026-01-02T03:04:60Z",
                r#"parsing time "2026-01-02T03:04:60Z": second out of range"#,
            ),
            (
                "2026-01-02T03:04:05",
                r#"parsing time "2026-01-02T03:04:05" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00""#,
            ),
            (
                "2026-01-02T03:04:05z",
                r#"parsing time "2026-01-02T03:04:05z" as "2006-01-02T15:04:05Z07:00": cannot parse "z" as "Z07:00""#,
            ),
            (
                "2026-01-02T03:04:05+0100",
                r#"parsing time "2026-01-02T03:04:05+0100" as "2006-01-02T15:04:05Z07:00": cannot parse "+0100" as "Z07:00""#,
            ),
            (
                "2026-01-02T03:04:05+25:00",
                r#"parsing time "2026-01-02T03:04:05+25:00": time zone offset hour out of range"#,
            ),
            (
                "2026-01-02T03:04:05*01:00",
                r#"parsing time "2026-01-02T03:04:05*01:00" as "2006-01-02T15:04:05Z07:00": cannot parse "*01:00" as "Z07:00""#,
            ),
            (
                "2026-01-02T03:04:05Z\n",
                r#"parsing time "2026-01-02T03:04:05Z\x0a": extra text: "\x0a""#,
            ),
            (
                "2026-1-02T03:04:05Z",
                r#"parsing time "2026-1-02T03:04:05Z" as "2006-01-02T15:04:05Z07:00": cannot parse "1-02T03:04:05Z" as "01""#,
            ),
            (
                "\"é\\",
                r#"parsing time "\"\xc3\xa9\\" as "2006-01-02T15:04:05Z07:00": cannot parse "\"\xc3\xa9\\" as "2006""#,
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(check_rfc3339(input).unwrap_err(), expected, "{input:?}");
        }
    }

    #[test]
    fn rfc3339_check_never_panics_on_prefixes_and_odd_bytes() {
        let full = "2026-01-02T03:04:05.123+01:00";
        for end in 0..=full.len() {
            let _ = check_rfc3339(&full[..end]);
        }
        for s in [
            "é",
            "2026-01-02T03:04:05+é:00",
            "2026-01-02T03:04:05+01:é",
            "2026-é",
        ] {
            assert!(check_rfc3339(s).is_err());
        }
    }

    #[test]
    fn image_spec_flag_values() {
        assert_eq!("v1.0".parse::<ImageSpec>().unwrap(), ImageSpec::V1_0);
        assert_eq!("v1.1".parse::<ImageSpec>().unwrap(), ImageSpec::V1_1);
        assert_eq!(ImageSpec::default(), ImageSpec::V1_1);
        assert_eq!(ImageSpec::V1_0.to_string(), "v1.0");
        assert_eq!(
            "v1.2".parse::<ImageSpec>().unwrap_err().to_string(),
            "unknown image specification flag: v1.2"
        );
    }

    #[test]
    fn source_date_epoch() {
        let now = datetime!(2030-01-01 00:00:00 UTC);
        assert_eq!(created_time(None, now).unwrap(), now);
        assert_eq!(created_time(Some(""), now).unwrap(), now);
        assert_eq!(
            created_time(Some("1767323045"), now).unwrap(),
            datetime!(2026-01-02 03:04:05 UTC)
        );
        assert_eq!(
            created_time(Some("0"), now).unwrap(),
            datetime!(1970-01-01 00:00:00 UTC)
        );
        for bad in ["abc", "1.5", " 1", "+1", "-", "99999999999999999999", "1e3"] {
            let err = created_time(Some(bad), now).unwrap_err();
            assert!(
                err.to_string().contains("SOURCE_DATE_EPOCH"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn source_date_epoch_gives_reproducible_digests() {
        let created = created_time(Some("1767323045"), OffsetDateTime::now_utc()).unwrap();
        let mut a = opts(ImageSpec::V1_1, vec![hello_layer()]);
        a.created = created;
        let b = a.clone();
        assert_eq!(
            pack_manifest(&a).unwrap().descriptor.digest,
            pack_manifest(&b).unwrap().descriptor.digest
        );
        assert_eq!(
            pack_manifest(&a).unwrap().bytes,
            pack_manifest(&opts(ImageSpec::V1_1, vec![hello_layer()]))
                .unwrap()
                .bytes
        );
    }
}
