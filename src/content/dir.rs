//! Directories as layers, the way oras pushes and pulls them (`oras-cli.md` §2.4).
//!
//! [`pack_dir`] writes a directory as tar+gzip to a temp file, hashing the tar and the gzip in the
//! same pass (the tar's digest becomes the `io.deis.oras.content.digest` annotation). Entry names
//! are `<title>/<relative path>`, uid/gid 0, no user or group names, modes and mtimes from the
//! file system (or one fixed mtime for reproducible archives), symlinks stored as symlinks, and
//! the walk is lexical, as Go's `filepath.Walk` is.
//!
//! [`unpack_into_place`] is the other half, for content that nobody should trust: the archive
//! (already verified against its descriptor) is extracted into a temp directory beside the
//! target, entry by entry with our own checks (the `tar` crate only parses headers here;
//! `unpack`/`unpack_in` are not used), the uncompressed digest is compared, and only then is the
//! directory renamed to its final name. A failure of any kind leaves nothing under that name.
//!
//! Refused: entries outside `<title>/`, `..` components, parents that are symlinks or files,
//! duplicate entries, symlinks whose target is absolute or resolves (through the other symlinks
//! of the archive) outside the directory, hard links to anything but an earlier regular file of
//! the archive, device files, FIFOs and unknown entry types. setuid and setgid bits are always
//! stripped; modes are masked by the umask unless permissions are preserved. Decompressed bytes
//! and entries are capped.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use tar::EntryType;

use crate::digest::{Algorithm, Digest, Digester};
use crate::error::{Error, Result};

/// Default cap on the decompressed bytes of one directory layer (16 GiB).
pub const DEFAULT_UNPACK_LIMIT: u64 = 16 << 30;
/// Cap on the number of entries of one directory layer.
pub const MAX_ENTRIES: u64 = 1_000_000;
/// Symlinks followed while resolving one link target inside the archive before giving up.
const MAX_LINK_HOPS: usize = 40;

/// How [`pack_dir`] writes the archive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirPackOptions {
    /// Reproducible archive: every entry gets this mtime (seconds since the Unix epoch, from
    /// `SOURCE_DATE_EPOCH`) instead of the file system's. Entries are always sorted, owned by
    /// uid/gid 0 without names, and the gzip header carries no name and no timestamp.
    pub mtime: Option<u64>,
}

/// A directory packed by [`pack_dir`]: a temp file, removed when this value is dropped.
#[derive(Debug)]
pub struct PackedDir {
    /// The tar+gzip file.
    pub path: tempfile::TempPath,
    /// Digest of the gzip file (the layer's digest).
    pub digest: Digest,
    /// Size of the gzip file.
    pub size: u64,
    /// Digest of the uncompressed tar (`io.deis.oras.content.digest`).
    pub tar_digest: Digest,
}

/// Packs `dir` as tar+gzip into a temp file in the system temp directory, entries named
/// `<title>/…`. Blocking: call it from a blocking thread.
///
/// Refuses what a pull would refuse, with the path in the message: symlinks pointing outside the
/// directory (absolute, or with `..` leading out) and device files, FIFOs and sockets.
pub fn pack_dir(dir: &Path, title: &str, opts: &DirPackOptions) -> Result<PackedDir> {
    let tmp_dir = std::env::temp_dir();
    let tmp = tempfile::Builder::new()
        .prefix("oras_file_")
        .suffix(".tar.gz")
        .tempfile()
        .map_err(|e| Error::io(&tmp_dir, e))?;
    let (file, path) = tmp.into_parts();
    let io_err = |e: io::Error| Error::io(&*path, e);
    let gzip = HashWriter::new(BufWriter::with_capacity(1 << 20, file));
    // GzBuilder writes no file name and a zero mtime unless told otherwise.
    let gz = flate2::GzBuilder::new().write(gzip, Compression::default());
    let mut builder = tar::Builder::new(HashWriter::new(gz));
    let mut packer = Packer {
        root: dir,
        opts,
        builder: &mut builder,
    };
    packer.add(dir, title, &[])?;
    let tar = builder.into_inner().map_err(io_err)?;
    let (gz, tar_digest, _) = tar.finish();
    let gzip = gz.finish().map_err(io_err)?;
    let (buffered, digest, size) = gzip.finish();
    let file = buffered.into_inner().map_err(|e| io_err(e.into_error()))?;
    file.sync_all().map_err(io_err)?;
    Ok(PackedDir {
        path,
        digest,
        size,
        tar_digest,
    })
}

struct Packer<'a, W: Write> {
    root: &'a Path,
    opts: &'a DirPackOptions,
    builder: &'a mut tar::Builder<W>,
}

impl<W: Write> Packer<'_, W> {
    /// Adds `path` (at `rel` below the root) as the entry `name`, then its children if it is a
    /// directory. The root itself may be a symlink to a directory; nothing below it is followed.
    fn add(&mut self, path: &Path, name: &str, rel: &[OsString]) -> Result<()> {
        let meta = if rel.is_empty() {
            fs::metadata(path)
        } else {
            fs::symlink_metadata(path)
        }
        .map_err(|e| Error::io(path, e))?;
        let mut header = tar::Header::new_ustar();
        header.set_uid(0);
        header.set_gid(0);
        header.set_mode(meta.mode() & 0o7777);
        header.set_mtime(
            self.opts
                .mtime
                .unwrap_or_else(|| u64::try_from(meta.mtime()).unwrap_or(0)),
        );
        let kind = meta.file_type();
        let io_err = |e: io::Error| Error::io(path, e);
        if kind.is_dir() {
            header.set_entry_type(EntryType::Directory);
            header.set_size(0);
            append(self.builder, header, name, None, io::empty()).map_err(io_err)?;
            let mut children: Vec<OsString> = fs::read_dir(path)
                .map_err(io_err)?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<io::Result<_>>()
                .map_err(io_err)?;
            // Byte order, as Go's filepath.Walk.
            children.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
            for child in children {
                let child_name = format!("{name}/{}", child.to_string_lossy());
                if child.to_str().is_none() {
                    return Err(Error::invalid(format!(
                        "{}: file name is not valid UTF-8",
                        path.join(&child).display()
                    )));
                }
                let mut child_rel = rel.to_vec();
                child_rel.push(child.clone());
                self.add(&path.join(&child), &child_name, &child_rel)?;
            }
        } else if kind.is_file() {
            header.set_entry_type(EntryType::Regular);
            header.set_size(meta.len());
            let file = fs::File::open(path).map_err(io_err)?;
            let reader = ExactReader {
                inner: BufReader::with_capacity(1 << 20, file),
                remaining: meta.len(),
            };
            append(self.builder, header, name, None, reader).map_err(io_err)?;
        } else if kind.is_symlink() {
            let target = fs::read_link(path).map_err(io_err)?;
            let parent = &rel[..rel.len() - 1];
            if !lexically_inside(parent, &target) {
                return Err(Error::invalid_with_hint(
                    format!(
                        "{}: symbolic link to {} points outside the directory {}",
                        path.display(),
                        target.display(),
                        self.root.display()
                    ),
                    "A pull refuses such links: replace the link by a relative one inside the directory, or by the file itself.",
                ));
            }
            header.set_entry_type(EntryType::Symlink);
            header.set_size(0);
            let target = target.to_str().ok_or_else(|| {
                Error::invalid(format!(
                    "{}: link target is not valid UTF-8",
                    path.display()
                ))
            })?;
            append(self.builder, header, name, Some(target), io::empty()).map_err(io_err)?;
        } else {
            return Err(Error::invalid(format!(
                "{}: unsupported file type (device, FIFO or socket) in a pushed directory",
                path.display()
            )));
        }
        Ok(())
    }
}

/// Appends one entry named `name` (and linking to `link`). Names are written as given, like Go's
/// `archive/tar`: the title may be absolute or start with `..` (`--disable-path-validation`,
/// `oras push ref ../dir`), which the `tar` crate's path setters refuse. Names or link targets
/// longer than the 100-byte header fields get a GNU long-name entry first, which every tar
/// reader (GNU tar, Go, the `tar` crate) understands.
fn append<W: Write>(
    builder: &mut tar::Builder<W>,
    mut header: tar::Header,
    name: &str,
    link: Option<&str>,
    data: impl Read,
) -> io::Result<()> {
    fn field(
        builder: &mut tar::Builder<impl Write>,
        slot: &mut [u8; 100],
        value: &[u8],
        kind: EntryType,
    ) -> io::Result<()> {
        if value.contains(&0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a path in the archive contains a NUL byte",
            ));
        }
        if value.len() > slot.len() {
            let mut long = tar::Header::new_gnu();
            let marker = b"././@LongLink";
            long.as_old_mut().name[..marker.len()].copy_from_slice(marker);
            long.set_mode(0o644);
            long.set_uid(0);
            long.set_gid(0);
            long.set_mtime(0);
            long.set_size(value.len() as u64 + 1);
            long.set_entry_type(kind);
            long.set_cksum();
            let mut data = value.to_vec();
            data.push(0);
            builder.append(&long, data.as_slice())?;
        }
        let n = value.len().min(slot.len());
        slot.fill(0);
        slot[..n].copy_from_slice(&value[..n]);
        Ok(())
    }
    let mut name_slot = [0u8; 100];
    field(
        builder,
        &mut name_slot,
        name.as_bytes(),
        EntryType::GNULongName,
    )?;
    header.as_old_mut().name = name_slot;
    if let Some(link) = link {
        let mut link_slot = [0u8; 100];
        field(
            builder,
            &mut link_slot,
            link.as_bytes(),
            EntryType::GNULongLink,
        )?;
        header.as_old_mut().linkname = link_slot;
    }
    header.set_cksum();
    builder.append(&header, data)
}

/// Whether `target`, a symlink's text, stays inside the root when read from the directory
/// `parent` (components below the root), without following any other link.
fn lexically_inside(parent: &[OsString], target: &Path) -> bool {
    let mut depth = parent.len();
    for comp in target.components() {
        match comp {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                if depth == 0 {
                    return false;
                }
                depth -= 1;
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// Reads exactly `remaining` bytes: a file that shrinks while packed is an error, not a corrupt
/// archive, and one that grows is cut at the size its header announced.
struct ExactReader<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        let max = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was being packed",
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Hashes and counts everything written through it.
struct HashWriter<W> {
    inner: W,
    digester: Digester,
    size: u64,
}

impl<W: Write> HashWriter<W> {
    fn new(inner: W) -> Self {
        HashWriter {
            inner,
            digester: Digester::new(Algorithm::Sha256),
            size: 0,
        }
    }

    fn finish(self) -> (W, Digest, u64) {
        (self.inner, self.digester.finalize(), self.size)
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digester.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// How [`unpack_into_place`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnpackOptions {
    /// Keep the tar's permission bits (minus setuid/setgid) instead of masking them by the umask.
    pub preserve_permissions: bool,
    /// Fail if the target already exists (`-k`); otherwise an existing directory is merged into.
    pub keep_old_files: bool,
    /// Cap on the decompressed bytes.
    pub limit: u64,
}

impl Default for UnpackOptions {
    fn default() -> Self {
        UnpackOptions {
            preserve_permissions: false,
            keep_old_files: false,
            limit: DEFAULT_UNPACK_LIMIT,
        }
    }
}

/// Extracts the tar+gzip stream `archive`, whose entries are named `<title>/…`, to `target`:
/// into a temp directory beside `target` first, checking every entry and, when given, the digest
/// of the uncompressed tar (`expected_tar`); then the directory is renamed to `target` (or, when
/// `target` is an existing directory and `keep_old_files` is off, its entries are moved into it).
/// `archive` may still be arriving: nothing is placed before it reached its end, so a reader that
/// fails at its end (a blob whose digest does not match) leaves nothing behind.
/// Blocking: call it from a blocking thread.
pub fn unpack_into_place(
    archive: impl Read,
    title: &str,
    expected_tar: Option<&Digest>,
    target: &Path,
    opts: &UnpackOptions,
) -> Result<()> {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let existing = existing_kind(target)?;
    if existing.is_some() && opts.keep_old_files {
        return Err(Error::OverwriteDisallowed {
            path: target.to_path_buf(),
        });
    }
    if existing == Some(Existing::Other) {
        return Err(Error::invalid(format!(
            "{}: exists and is not a directory; remove it to pull the directory {title}",
            target.display()
        )));
    }
    let tmp = tempfile::Builder::new()
        .prefix(".oras-unpack-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io(&parent, e))?;
    let mut ex = Extractor::new(tmp.path(), title, opts)?;
    ex.extract(archive, expected_tar)?;
    ex.check_symlinks()?;
    match existing_kind(target)? {
        None => {
            let placed = ex
                .apply_dir_attributes(tmp.path(), true)
                .and_then(|()| fs::rename(tmp.path(), target).map_err(|e| Error::io(target, e)));
            if let Err(e) = placed {
                // Read-only directories from the archive would stop the guard's removal.
                make_removable(tmp.path());
                return Err(e);
            }
            // Renamed: nothing left for the guard to remove.
            let _ = tmp.keep();
        }
        Some(_) if opts.keep_old_files => {
            return Err(Error::OverwriteDisallowed {
                path: target.to_path_buf(),
            });
        }
        Some(Existing::Dir) => {
            merge(tmp.path(), target)?;
            ex.apply_dir_attributes(target, false)?;
        }
        Some(Existing::Other) => {
            return Err(Error::invalid(format!(
                "{}: exists and is not a directory",
                target.display()
            )));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Existing {
    /// A real directory (not a symlink to one).
    Dir,
    /// Anything else, symlinks included.
    Other,
}

fn existing_kind(path: &Path) -> Result<Option<Existing>> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_dir() => Ok(Some(Existing::Dir)),
        Ok(_) => Ok(Some(Existing::Other)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Moves every entry of `src` into the existing real directory `dst`, descending into
/// directories both sides have; files and symlinks replace files and symlinks (rename never
/// follows the link it replaces). Directories of `dst` that are symlinks are never entered.
/// A dry run over the whole tree comes first, so a conflict (a directory against a file or a
/// symlink) is found before anything moves.
fn merge(src: &Path, dst: &Path) -> Result<()> {
    merge_walk(src, dst, true)?;
    merge_walk(src, dst, false)
}

fn merge_walk(src: &Path, dst: &Path, dry_run: bool) -> Result<()> {
    if !dry_run {
        // A directory a previous pull made read-only (mode from the archive) must take
        // entries now; the modes are applied again once the merge is done.
        let meta = fs::symlink_metadata(dst).map_err(|e| Error::io(dst, e))?;
        if meta.mode() & 0o300 != 0o300 {
            fs::set_permissions(
                dst,
                fs::Permissions::from_mode(meta.mode() & 0o7777 | 0o300),
            )
            .map_err(|e| Error::io(dst, e))?;
        }
    }
    let mut names: Vec<OsString> = fs::read_dir(src)
        .and_then(|it| it.map(|e| e.map(|e| e.file_name())).collect())
        .map_err(|e| Error::io(src, e))?;
    names.sort();
    for name in names {
        let (s, d) = (src.join(&name), dst.join(&name));
        let s_is_dir = fs::symlink_metadata(&s)
            .map_err(|e| Error::io(&s, e))?
            .is_dir();
        match (s_is_dir, existing_kind(&d)?) {
            (_, None) | (false, Some(Existing::Other)) => {
                if !dry_run {
                    fs::rename(&s, &d).map_err(|e| Error::io(&d, e))?;
                }
            }
            (true, Some(Existing::Dir)) => merge_walk(&s, &d, dry_run)?,
            (true, Some(Existing::Other)) => {
                return Err(Error::invalid(format!(
                    "{}: exists and is not a directory",
                    d.display()
                )));
            }
            (false, Some(Existing::Dir)) => {
                return Err(Error::invalid(format!(
                    "{}: is a directory, cannot replace it with a file",
                    d.display()
                )));
            }
        }
    }
    Ok(())
}

/// Reads the decompressed stream: hashes it, counts it and fails past the cap.
struct CappedReader<R> {
    inner: R,
    digester: Digester,
    count: u64,
    limit: u64,
    exceeded: bool,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.exceeded {
            return Err(io::Error::other("decompressed size limit exceeded"));
        }
        let n = self.inner.read(buf)?;
        if self.count.saturating_add(n as u64) > self.limit {
            self.exceeded = true;
            return Err(io::Error::other("decompressed size limit exceeded"));
        }
        self.count += n as u64;
        self.digester.update(&buf[..n]);
        Ok(n)
    }
}

struct DirAttrs {
    rel: PathBuf,
    mode: u32,
    /// `None` for a directory the archive has no entry for: its mtime is left alone.
    mtime: Option<u64>,
}

struct Extractor<'a> {
    root: &'a Path,
    title: &'a str,
    /// Components of the title, which every entry name must start with.
    prefix: Vec<Component<'a>>,
    opts: &'a UnpackOptions,
    umask: u32,
    dirs: Vec<DirAttrs>,
    symlinks: Vec<PathBuf>,
    entries: u64,
    /// Every path this extraction made, by its name in the archive: a path that exists
    /// without being in here was made under another name the filesystem confuses with it.
    created: HashSet<PathBuf>,
    /// One buffer for every file's bytes: `io::copy`'s 8 KiB would make a read and a write
    /// syscall per 8 KiB (1 GiB: 130,000 of each).
    buf: Vec<u8>,
}

/// Size of [`Extractor::buf`].
const EXTRACT_BUF: usize = 256 * 1024;

impl<'a> Extractor<'a> {
    fn new(root: &'a Path, title: &'a str, opts: &'a UnpackOptions) -> Result<Self> {
        let prefix: Vec<Component<'a>> = Path::new(title)
            .components()
            .filter(|c| *c != Component::CurDir)
            .collect();
        Ok(Extractor {
            root,
            title,
            prefix,
            opts,
            umask: probe_umask(root)?,
            dirs: Vec::new(),
            symlinks: Vec::new(),
            entries: 0,
            created: HashSet::new(),
            buf: vec![0; EXTRACT_BUF],
        })
    }

    fn refuse(&self, entry: &Path, reason: impl Into<String>) -> Error {
        Error::UnsafeArchiveEntry {
            title: self.title.to_string(),
            entry: entry.display().to_string(),
            reason: reason.into(),
        }
    }

    /// The error for a failed creation of `path` (entry `rel`): a name some filesystems refuse
    /// (`a:b` on exFAT, `CON` on NTFS with `windows_names`) says so instead of the filesystem's
    /// own, often baffling, errno.
    fn create_error(&self, name: &Path, rel: &Path, path: &Path, e: io::Error) -> Error {
        let doubtful = rel
            .file_name()
            .is_some_and(|n| n.to_str().is_none_or(super::names::may_be_refused));
        if doubtful && e.kind() != io::ErrorKind::AlreadyExists {
            return self.refuse(
                name,
                format!(
                    "this filesystem cannot store the name ({})",
                    crate::error::describe_io(&e)
                ),
            );
        }
        Error::io(path, e)
    }

    fn limit_error(&self) -> Error {
        Error::UnpackLimit {
            title: self.title.to_string(),
            limit: self.opts.limit,
        }
    }

    fn extract(&mut self, archive: impl Read, expected_tar: Option<&Digest>) -> Result<()> {
        let mut reader = CappedReader {
            inner: MultiGzDecoder::new(BufReader::with_capacity(1 << 20, archive)),
            digester: Digester::new(
                expected_tar
                    .map(Digest::algorithm)
                    .unwrap_or(Algorithm::Sha256),
            ),
            count: 0,
            limit: self.opts.limit,
            exceeded: false,
        };
        let result = self.extract_entries(&mut reader);
        let result = result.and_then(|()| {
            // Trailing blocks count and hash too: the annotation covers the whole tar stream.
            io::copy(&mut reader, &mut io::sink())
                .map(|_| ())
                .map_err(|e| self.archive_error(e))
        });
        if reader.exceeded {
            return Err(self.limit_error());
        }
        result?;
        if let Some(expected) = expected_tar {
            let actual = reader.digester.finalize();
            if &actual != expected {
                return Err(Error::ContentDigestMismatch {
                    title: self.title.to_string(),
                    expected: expected.clone(),
                    actual,
                });
            }
        }
        Ok(())
    }

    fn archive_error(&self, e: io::Error) -> Error {
        Error::Archive {
            title: self.title.to_string(),
            message: e.to_string(),
        }
    }

    fn extract_entries<R: Read>(&mut self, reader: &mut CappedReader<R>) -> Result<()> {
        let mut archive = tar::Archive::new(reader);
        let entries = archive.entries().map_err(|e| self.archive_error(e))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| self.archive_error(e))?;
            self.entries += 1;
            if self.entries > MAX_ENTRIES {
                return Err(Error::invalid(format!(
                    "{}: more than {MAX_ENTRIES} entries in the archive",
                    self.title
                )));
            }
            self.extract_entry(&mut entry)?;
        }
        Ok(())
    }

    /// The entry's path below the title, or a refusal.
    fn relative(&self, name: &Path) -> Result<PathBuf> {
        let comps: Vec<Component<'_>> = name
            .components()
            .filter(|c| *c != Component::CurDir)
            .collect();
        if comps.len() < self.prefix.len() || comps[..self.prefix.len()] != self.prefix[..] {
            return Err(self.refuse(name, format!("outside the directory {}", self.title)));
        }
        let mut rel = PathBuf::new();
        for comp in &comps[self.prefix.len()..] {
            match comp {
                Component::Normal(part) => rel.push(part),
                _ => return Err(self.refuse(name, "`..` or an absolute path in the name")),
            }
        }
        Ok(rel)
    }

    /// Checks (and, when `create`, makes) the parents of `rel`: each must be a real directory.
    fn parents(&mut self, name: &Path, rel: &Path, create: bool) -> Result<()> {
        let mut dir = self.root.to_path_buf();
        let comps: Vec<_> = rel.components().collect();
        for comp in comps.iter().take(comps.len().saturating_sub(1)) {
            dir.push(comp);
            match fs::symlink_metadata(&dir) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(self.refuse(name, "a parent directory is a symbolic link"));
                }
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(self.refuse(name, "a parent is not a directory")),
                Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
                    let rel = dir.strip_prefix(self.root).unwrap_or(&dir).to_path_buf();
                    fs::DirBuilder::new()
                        .mode(0o700)
                        .create(&dir)
                        .map_err(|e| self.create_error(name, &rel, &dir, e))?;
                    self.created.insert(rel.clone());
                    // A directory without its own entry gets the default mode.
                    let mode = if self.opts.preserve_permissions {
                        0o755
                    } else {
                        0o777
                    };
                    self.dirs.push(DirAttrs {
                        rel,
                        mode,
                        mtime: None,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(self.refuse(name, "the link target is not in the archive"));
                }
                Err(e) => return Err(Error::io(&dir, e)),
            }
        }
        Ok(())
    }

    fn extract_entry<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> Result<()> {
        let kind = entry.header().entry_type();
        if kind == EntryType::XGlobalHeader {
            return Ok(());
        }
        let name = entry
            .path()
            .map_err(|e| self.archive_error(e))?
            .into_owned();
        let rel = self.relative(&name)?;
        let mode = entry.header().mode().map_err(|e| self.archive_error(e))?;
        let mtime = entry.header().mtime().unwrap_or(0);
        if rel.as_os_str().is_empty() {
            if kind != EntryType::Directory {
                return Err(self.refuse(&name, "the top entry is not a directory"));
            }
            self.dirs.push(DirAttrs {
                rel,
                mode,
                mtime: Some(mtime),
            });
            return Ok(());
        }
        self.parents(&name, &rel, true)?;
        let path = self.root.join(&rel);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() && kind == EntryType::Directory => {
                // A directory listed twice: the last entry's attributes win.
                self.dirs.push(DirAttrs {
                    rel,
                    mode,
                    mtime: Some(mtime),
                });
                return Ok(());
            }
            Ok(_) if self.created.contains(&rel) => {
                return Err(self.refuse(&name, "duplicate entry"));
            }
            Ok(_) => {
                return Err(self.refuse(
                    &name,
                    "this filesystem takes it for an earlier entry whose name differs only by case",
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
        // Recorded up front: a failed creation ends the extraction anyway.
        self.created.insert(rel.clone());
        match kind {
            EntryType::Regular | EntryType::Continuous => {
                let size = entry.header().size().map_err(|e| self.archive_error(e))?;
                if size > self.opts.limit {
                    return Err(self.limit_error());
                }
                let create_mode = if self.opts.preserve_permissions {
                    0o600
                } else {
                    mode & 0o777
                };
                // create_new: O_EXCL, so nothing existing (a symlink above all) is written through.
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(create_mode)
                    .open(&path)
                    .map_err(|e| self.create_error(&name, &rel, &path, e))?;
                let mut buf = std::mem::take(&mut self.buf);
                let copied = copy_with(entry, &mut file, &mut buf);
                self.buf = buf;
                copied.map_err(|e| {
                    if e.raw_os_error().is_some() {
                        Error::io(&path, e)
                    } else {
                        self.archive_error(e)
                    }
                })?;
                if self.opts.preserve_permissions {
                    file.set_permissions(fs::Permissions::from_mode(mode & 0o1777))
                        .map_err(|e| Error::io(&path, e))?;
                }
                let _ = file.set_modified(to_system_time(mtime));
            }
            EntryType::Directory => {
                fs::DirBuilder::new()
                    .mode(0o700)
                    .create(&path)
                    .map_err(|e| self.create_error(&name, &rel, &path, e))?;
                self.dirs.push(DirAttrs {
                    rel,
                    mode,
                    mtime: Some(mtime),
                });
            }
            EntryType::Symlink => {
                let target = entry
                    .link_name()
                    .map_err(|e| self.archive_error(e))?
                    .ok_or_else(|| self.refuse(&name, "symbolic link without a target"))?
                    .into_owned();
                if !self.resolves_inside(&rel, &target) {
                    return Err(self.refuse(
                        &name,
                        format!(
                            "symbolic link to {} points outside the directory",
                            target.display()
                        ),
                    ));
                }
                std::os::unix::fs::symlink(&target, &path)
                    .map_err(|e| self.create_error(&name, &rel, &path, e))?;
                self.symlinks.push(rel);
            }
            EntryType::Link => {
                let target = entry
                    .link_name()
                    .map_err(|e| self.archive_error(e))?
                    .ok_or_else(|| self.refuse(&name, "hard link without a target"))?
                    .into_owned();
                // Hard link names are archive paths, like entry names.
                let target_rel = self.relative(&target).map_err(|_| {
                    self.refuse(
                        &name,
                        format!("hard link to {} outside the directory", target.display()),
                    )
                })?;
                self.parents(&name, &target_rel, false)?;
                let source = self.root.join(&target_rel);
                match fs::symlink_metadata(&source) {
                    Ok(m) if m.file_type().is_file() && !target_rel.as_os_str().is_empty() => {}
                    _ => {
                        return Err(self.refuse(
                            &name,
                            format!(
                                "hard link to {}, which is not an earlier regular file of the archive",
                                target.display()
                            ),
                        ));
                    }
                }
                // Both paths absolute: link(2) never resolves anything against the CWD.
                fs::hard_link(&source, &path)
                    .map_err(|e| self.create_error(&name, &rel, &path, e))?;
            }
            EntryType::Char | EntryType::Block => {
                return Err(self.refuse(&name, "device files are not extracted"));
            }
            EntryType::Fifo => return Err(self.refuse(&name, "FIFOs are not extracted")),
            other => {
                return Err(self.refuse(
                    &name,
                    format!("unsupported entry type {:?}", other.as_byte() as char),
                ));
            }
        }
        Ok(())
    }

    /// Whether the symlink at `rel` with text `target` resolves inside the root, following the
    /// symlinks already extracted (a missing component is taken literally).
    fn resolves_inside(&self, rel: &Path, target: &Path) -> bool {
        let mut current: Vec<OsString> = rel
            .parent()
            .map(|p| p.iter().map(OsString::from).collect())
            .unwrap_or_default();
        let mut pending: Vec<OsString> = Vec::new();
        let mut hops = 0;
        // `pending` is a stack: the next component is at the end.
        let push_target = |pending: &mut Vec<OsString>, t: &Path| -> bool {
            let mut comps = Vec::new();
            for c in t.components() {
                match c {
                    Component::Normal(p) => comps.push(p.to_os_string()),
                    Component::ParentDir => comps.push(OsString::from("..")),
                    Component::CurDir => {}
                    Component::RootDir | Component::Prefix(_) => return false,
                }
            }
            pending.extend(comps.into_iter().rev());
            true
        };
        if !push_target(&mut pending, target) {
            return false;
        }
        while let Some(comp) = pending.pop() {
            if comp == ".." {
                if current.pop().is_none() {
                    return false;
                }
                continue;
            }
            current.push(comp);
            let path: PathBuf = current
                .iter()
                .fold(self.root.to_path_buf(), |p, c| p.join(c));
            if let Ok(m) = fs::symlink_metadata(&path)
                && m.file_type().is_symlink()
            {
                hops += 1;
                if hops > MAX_LINK_HOPS {
                    return false;
                }
                let Ok(next) = fs::read_link(&path) else {
                    return false;
                };
                current.pop();
                if !push_target(&mut pending, &next) {
                    return false;
                }
            }
        }
        true
    }

    /// Re-checks every symlink once the whole tree exists: a link added later may change where
    /// an earlier one leads.
    fn check_symlinks(&self) -> Result<()> {
        for rel in &self.symlinks {
            let path = self.root.join(rel);
            let target = fs::read_link(&path).map_err(|e| Error::io(&path, e))?;
            if !self.resolves_inside(rel, &target) {
                return Err(self.refuse(
                    &Path::new(self.title).join(rel),
                    format!(
                        "symbolic link to {} resolves outside the directory",
                        target.display()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Gives the directories their modes and mtimes, deepest first, below `base` (the temp
    /// directory before the rename, `fresh`, or the existing target after a merge).
    fn apply_dir_attributes(&self, base: &Path, fresh: bool) -> Result<()> {
        let root_listed = self.dirs.iter().any(|d| d.rel.as_os_str().is_empty());
        let mut dirs: Vec<&DirAttrs> = self.dirs.iter().collect();
        dirs.sort_by_key(|d| std::cmp::Reverse(d.rel.components().count()));
        for d in dirs {
            let path = base.join(&d.rel);
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            if !meta.is_dir() {
                continue;
            }
            let mode = if self.opts.preserve_permissions {
                d.mode & 0o1777
            } else {
                d.mode & 0o777 & !self.umask
            };
            fs::set_permissions(&path, fs::Permissions::from_mode(mode))
                .map_err(|e| Error::io(&path, e))?;
            if let Some(mtime) = d.mtime
                && let Ok(dir) = fs::File::open(&path)
            {
                let _ = dir.set_modified(to_system_time(mtime));
            }
        }
        if fresh && !root_listed {
            // tempfile makes private directories; an unlisted root gets the default mode.
            let mode = 0o777 & !self.umask;
            fs::set_permissions(base, fs::Permissions::from_mode(mode))
                .map_err(|e| Error::io(base, e))?;
        }
        Ok(())
    }
}

/// Gives every directory below `dir` owner rwx again, best effort, so it can be removed.
/// `io::copy` through `buf`, so reads and writes are as large as it is.
fn copy_with(reader: &mut impl Read, writer: &mut impl Write, buf: &mut [u8]) -> io::Result<()> {
    loop {
        let n = match reader.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        writer.write_all(&buf[..n])?;
    }
}

fn make_removable(dir: &Path) {
    if let Ok(meta) = fs::symlink_metadata(dir)
        && meta.is_dir()
    {
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        if let Ok(entries) = fs::read_dir(dir) {
            for entry in entries.flatten() {
                make_removable(&entry.path());
            }
        }
    }
}

/// An archive's mtime as a time; one past what the platform can hold (a tar header may say
/// `u64::MAX`) is the epoch.
fn to_system_time(mtime: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(mtime))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The process umask, read without changing it: make a directory with mode 0777 and look.
fn probe_umask(dir: &Path) -> Result<u32> {
    let probe = dir.join(".oras-umask-probe");
    fs::DirBuilder::new()
        .mode(0o777)
        .create(&probe)
        .map_err(|e| Error::io(&probe, e))?;
    let mode = fs::symlink_metadata(&probe)
        .map_err(|e| Error::io(&probe, e))?
        .mode();
    fs::remove_dir(&probe).map_err(|e| Error::io(&probe, e))?;
    Ok(!mode & 0o777)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_mtimes_past_what_a_time_holds_are_the_epoch() {
        assert_eq!(to_system_time(u64::MAX), SystemTime::UNIX_EPOCH);
        assert_eq!(
            to_system_time(1_700_000_000),
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
        );
    }

    #[test]
    fn lexical_link_check() {
        let parent = [OsString::from("a")];
        assert!(lexically_inside(&parent, Path::new("../b")));
        assert!(lexically_inside(&parent, Path::new("./c/../d")));
        assert!(!lexically_inside(&parent, Path::new("../../b")));
        assert!(!lexically_inside(&parent, Path::new("/etc/passwd")));
        assert!(!lexically_inside(&[], Path::new("..")));
    }

    #[test]
    fn pack_is_reproducible_and_unpacks_to_the_same_tree() {
        let src = tempfile::tempdir().unwrap();
        let dir = src.path().join("d");
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("sub/f"), b"hello").unwrap();
        std::os::unix::fs::symlink("sub/f", dir.join("l")).unwrap();
        let opts = DirPackOptions { mtime: Some(42) };
        let first = pack_dir(&dir, "d", &opts).unwrap();
        let file = fs::File::options()
            .write(true)
            .open(dir.join("sub/f"))
            .unwrap();
        file.set_modified(to_system_time(1_000_000)).unwrap();
        let second = pack_dir(&dir, "d", &opts).unwrap();
        assert_eq!(first.digest, second.digest);
        assert_eq!(first.tar_digest, second.tar_digest);
        assert_eq!(first.size, fs::metadata(&first.path).unwrap().len());
        let unreproducible = pack_dir(&dir, "d", &DirPackOptions::default()).unwrap();
        assert_ne!(first.digest, unreproducible.digest);

        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("d");
        unpack_into_place(
            fs::File::open(&first.path).unwrap(),
            "d",
            Some(&first.tar_digest),
            &target,
            &UnpackOptions::default(),
        )
        .unwrap();
        assert_eq!(fs::read(target.join("sub/f")).unwrap(), b"hello");
        assert_eq!(fs::read_link(target.join("l")).unwrap(), Path::new("sub/f"));
        assert_eq!(fs::metadata(target.join("sub/f")).unwrap().mtime(), 42);

        // A wrong content digest leaves nothing under the final name.
        let again = out.path().join("again");
        let err = unpack_into_place(
            fs::File::open(&first.path).unwrap(),
            "d",
            Some(&Digest::sha256_of(b"other")),
            &again,
            &UnpackOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, Error::ContentDigestMismatch { .. }), "{err}");
        assert!(!again.exists());
        let names: Vec<_> = fs::read_dir(out.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "temp directory left behind");
    }
}
