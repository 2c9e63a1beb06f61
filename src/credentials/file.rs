//! One docker `config.json`: reading `auths` (`auth`, `identitytoken`, `registrytoken`, legacy
//! `username`/`password`), `credsStore` and `credHelpers`, and writing it back without losing the
//! keys we do not know: temp file in the same directory, mode 0600, rename over the target (the
//! target of a symlink, so the symlink stays), directory created 0700.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::{Credential, CredentialError, key_hostname};
use crate::error::Result;

/// The contents of one config file.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
    doc: Map<String, Value>,
}

fn file_error(path: &Path, message: impl Into<String>) -> CredentialError {
    CredentialError::File {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

impl ConfigFile {
    /// Reads `path`; a missing (or empty) file is an empty config.
    ///
    /// ```
    /// use oras_rs::Credential;
    /// use oras_rs::credentials::file::ConfigFile;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("config.json");
    /// let doc = r#"{"auths":{"http://localhost:7000/":{"auth":"YWxpY2U6czNjcmV0"}},"credHelpers":{"ghcr.io":"gh"}}"#;
    /// std::fs::write(&path, doc).unwrap();
    ///
    /// let mut file = ConfigFile::load(&path)?;
    /// assert_eq!(file.get("localhost:7000"), Credential::basic("alice", "s3cret"));
    /// assert_eq!(file.helper_for("ghcr.io").as_deref(), Some("gh"));
    /// assert_eq!(file.helper_for("localhost:7000"), None);
    /// file.put("localhost:5000", &Credential::identity_token("t0ken"))?;
    /// file.save()?;
    /// let reloaded = ConfigFile::load(&path)?;
    /// assert_eq!(reloaded.get("localhost:5000").refresh_token, "t0ken");
    /// assert_eq!(reloaded.helper_for("ghcr.io").as_deref(), Some("gh")); // other keys kept
    /// // A missing file is an empty config.
    /// assert!(ConfigFile::load(&dir.path().join("none.json"))?.get("localhost:7000").is_empty());
    /// # Ok::<(), oras_rs::Error>(())
    /// ```
    pub fn load(path: &Path) -> Result<Self> {
        let doc = match fs::read(path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Map::new(),
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(map)) => map,
                Ok(_) => return Err(file_error(path, "not a JSON object").into()),
                Err(e) => return Err(file_error(path, format!("invalid JSON: {e}")).into()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
            Err(e) => return Err(file_error(path, format!("cannot read: {e}")).into()),
        };
        Ok(ConfigFile {
            path: path.to_path_buf(),
            doc,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The helper that holds `server`'s credential: `credHelpers[server]` (exact key), else
    /// `credsStore`.
    pub fn helper_for(&self, server: &str) -> Option<String> {
        let by_host = self
            .doc
            .get("credHelpers")
            .and_then(Value::as_object)
            .and_then(|m| m.get(server))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let store = self
            .doc
            .get("credsStore")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        by_host.or(store).map(str::to_string)
    }

    fn auths(&self) -> Option<&Map<String, Value>> {
        self.doc.get("auths").and_then(Value::as_object)
    }

    /// The `auths` entry for `server`: the exact key, else a key whose host part equals it
    /// (`http://localhost:7000/` for `localhost:7000`).
    pub fn get(&self, server: &str) -> Credential {
        let Some(auths) = self.auths() else {
            return Credential::default();
        };
        let entry = auths.get(server).or_else(|| {
            auths
                .iter()
                .find(|(k, _)| key_hostname(k) == server)
                .map(|(_, v)| v)
        });
        entry.map(parse_entry).unwrap_or_default()
    }

    /// Sets the `auths` entry of `server` (`auth` = base64 `user:pass`, or `identitytoken`).
    pub fn put(&mut self, server: &str, cred: &Credential) -> Result<()> {
        if cred.username.contains(':') {
            return Err(CredentialError::Invalid(
                "bad credential format: the username contains a colon, which cannot be stored in plain text".into(),
            )
            .into());
        }
        let mut entry = Map::new();
        if !cred.username.is_empty() || !cred.password.is_empty() {
            let auth = STANDARD.encode(format!("{}:{}", cred.username, cred.password));
            entry.insert("auth".into(), Value::String(auth));
        }
        if !cred.refresh_token.is_empty() {
            entry.insert(
                "identitytoken".into(),
                Value::String(cred.refresh_token.clone()),
            );
        }
        if !cred.access_token.is_empty() {
            entry.insert(
                "registrytoken".into(),
                Value::String(cred.access_token.clone()),
            );
        }
        let auths = self
            .doc
            .entry("auths")
            .or_insert_with(|| Value::Object(Map::new()));
        if !auths.is_object() {
            *auths = Value::Object(Map::new());
        }
        if let Value::Object(map) = auths {
            map.insert(server.to_string(), Value::Object(entry));
        }
        Ok(())
    }

    /// Removes the `auths` entry of `server` (exact key, or the same host). True if one was removed.
    pub fn delete(&mut self, server: &str) -> bool {
        let Some(Value::Object(auths)) = self.doc.get_mut("auths") else {
            return false;
        };
        let keys: Vec<String> = auths
            .keys()
            .filter(|k| k.as_str() == server || key_hostname(k) == server)
            .cloned()
            .collect();
        for k in &keys {
            auths.remove(k);
        }
        !keys.is_empty()
    }

    /// Writes the file back: tab-indented JSON, via a 0600 temp file renamed over the target.
    pub fn save(&self) -> Result<()> {
        let target = resolve_symlink(&self.path);
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.exists() {
            create_private_dir(&dir).map_err(|e| {
                file_error(&self.path, format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let mut body = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"\t");
        let mut ser = serde_json::Serializer::with_formatter(&mut body, formatter);
        serde::Serialize::serialize(&self.doc, &mut ser)
            .map_err(|e| file_error(&self.path, e.to_string()))?;
        body.push(b'\n');
        let mut tmp = tempfile::Builder::new()
            .prefix("oras_credstore_temp_")
            .permissions(private_file())
            .tempfile_in(&dir)
            .map_err(|e| file_error(&self.path, format!("cannot create a temp file: {e}")))?;
        tmp.write_all(&body)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| file_error(&self.path, format!("cannot write: {e}")))?;
        match tmp.persist(&target) {
            Ok(_) => Ok(()),
            // A file bind-mounted into a container cannot be replaced (EBUSY, or EXDEV across
            // mounts): write it in place instead, as docker does, keeping its mode at 0600.
            Err(e) if matches!(e.error.raw_os_error(), Some(16) | Some(18)) => {
                write_in_place(&target, &body).map_err(|err| {
                    file_error(&self.path, format!("cannot write in place: {err}")).into()
                })
            }
            Err(e) => {
                Err(file_error(&self.path, format!("cannot replace the file: {}", e.error)).into())
            }
        }
    }
}

/// Overwrites `target` with `body` without replacing the inode (the bind-mount case).
fn write_in_place(target: &Path, body: &[u8]) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(body)?;
    file.sync_all()
}

/// Follows symlinks (relative ones against their own directory) to the file really written.
fn resolve_symlink(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => match fs::read_link(&current) {
                Ok(link) => {
                    current = if link.is_absolute() {
                        link
                    } else {
                        current.parent().map(|p| p.join(&link)).unwrap_or(link)
                    };
                }
                Err(_) => break,
            },
            _ => break,
        }
    }
    current
}

#[cfg(unix)]
fn private_file() -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    fs::Permissions::from_mode(0o600)
}

#[cfg(not(unix))]
fn private_file() -> fs::Permissions {
    fs::metadata(".").map(|m| m.permissions()).unwrap()
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn parse_entry(entry: &Value) -> Credential {
    let field = |name: &str| {
        entry
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut cred = Credential {
        refresh_token: field("identitytoken"),
        access_token: field("registrytoken"),
        ..Credential::default()
    };
    let auth = field("auth");
    if !auth.is_empty() {
        if let Ok(decoded) = STANDARD.decode(auth.trim())
            && let Ok(text) = String::from_utf8(decoded)
            && let Some((user, pass)) = text.split_once(':')
        {
            cred.username = user.to_string();
            cred.password = pass.to_string();
        }
    } else {
        cred.username = field("username");
        cred.password = field("password");
    }
    cred
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_entry_form() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        fs::write(
            &path,
            r#"{"auths":{
                "a.example":{"auth":"dTpw"},
                "http://localhost:7000/":{"auth":"bDpx"},
                "b.example":{"identitytoken":"idt"},
                "c.example":{"registrytoken":"rt"},
                "d.example":{"username":"old","password":"pw"}
            },"credHelpers":{"h.example":"test"},"credsStore":"desk"}"#,
        )
        .unwrap();
        let f = ConfigFile::load(&path).unwrap();
        assert_eq!(f.get("a.example"), Credential::basic("u", "p"));
        assert_eq!(f.get("localhost:7000"), Credential::basic("l", "q"));
        assert_eq!(f.get("b.example").refresh_token, "idt");
        assert_eq!(f.get("c.example").access_token, "rt");
        assert_eq!(f.get("d.example"), Credential::basic("old", "pw"));
        assert!(f.get("x.example").is_empty());
        assert_eq!(f.helper_for("h.example").as_deref(), Some("test"));
        assert_eq!(
            f.helper_for("h.example.attacker.com").as_deref(),
            Some("desk")
        );
    }

    #[test]
    fn rejects_colon_in_username() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = ConfigFile::load(&dir.path().join("c.json")).unwrap();
        let err = f.put("r", &Credential::basic("a:b", "p")).unwrap_err();
        assert!(err.to_string().contains("bad credential format"));
    }
}
