//! Real non-Linux filesystems for pulls to land on (reliability case D48): an exFAT image
//! (case-insensitive, refuses `<>:"|?*`) mounted with exfat-fuse on a loop device, and an NTFS
//! image mounted with ntfs-3g, optionally with `windows_names` (also refuses `CON`, `NUL`, …).
//! The kernel here has neither vfat nor casefold support, so these FUSE drivers are the
//! filesystems USB sticks and dual-boot partitions really are mounted with on Linux.
//!
//! Needs root, `/dev/fuse` and loop devices, and Debian's exfat-fuse, exfatprogs and ntfs-3g
//! (`scripts/test` installs them). A mount that cannot be made fails the test: it never skips.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

/// A filesystem image mounted on a fresh directory, unmounted (and its loop device freed) on drop.
pub struct FsImage {
    mountpoint: PathBuf,
    loop_device: Option<String>,
    // Holds the image file and the mount point; removed after the unmount.
    _dir: TempDir,
}

/// `name` as a command, found in the sbin directories too: a CI shell's PATH may lack them.
fn tool(name: &str) -> Command {
    for dir in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
        let path = Path::new(dir).join(name);
        if path.exists() {
            return Command::new(path);
        }
    }
    Command::new(name)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (scripts/test installs it)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}): {}{}\nThese tests need root, /dev/fuse, loop devices and Debian's \
         exfat-fuse, exfatprogs and ntfs-3g (scripts/test installs them).",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn image(size_mib: u64) -> (TempDir, PathBuf, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("oras-rs-fs-")
        .tempdir()
        .expect("temp dir");
    let img = dir.path().join("fs.img");
    fs::File::create(&img)
        .and_then(|f| f.set_len(size_mib << 20))
        .expect("create image");
    let mnt = dir.path().join("mnt");
    fs::create_dir(&mnt).expect("mount point");
    (dir, img, mnt)
}

impl FsImage {
    /// A 32 MiB exFAT filesystem.
    pub fn exfat() -> FsImage {
        let (dir, img, mnt) = image(32);
        run(tool("mkfs.exfat").arg(&img));
        // As root, exfat-fuse mounts with `blkdev`, which needs a block device.
        let dev = run(tool("losetup").args(["--find", "--show"]).arg(&img));
        let mounted = tool("mount.exfat-fuse").arg(&dev).arg(&mnt).output();
        let image = FsImage {
            mountpoint: mnt,
            loop_device: Some(dev),
            _dir: dir,
        };
        match mounted {
            Ok(out) if out.status.success() => image,
            other => panic!("mount.exfat-fuse failed: {other:?}"),
        }
    }

    /// A 16 MiB NTFS filesystem mounted by ntfs-3g with `options` (e.g. `windows_names`).
    pub fn ntfs(options: &[&str]) -> FsImage {
        let (dir, img, mnt) = image(16);
        run(tool("mkntfs").args(["-q", "-F", "-Q"]).arg(&img));
        let mut cmd = tool("ntfs-3g");
        if !options.is_empty() {
            cmd.arg("-o").arg(options.join(","));
        }
        run(cmd.arg(&img).arg(&mnt));
        FsImage {
            mountpoint: mnt,
            loop_device: None,
            _dir: dir,
        }
    }

    /// Where the filesystem is mounted.
    pub fn path(&self) -> &Path {
        &self.mountpoint
    }

    /// Every entry below the mount point (files and directories), relative, sorted: what a pull
    /// left there, hidden temp files included.
    pub fn entries(&self) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            for entry in fs::read_dir(dir).expect("read mounted dir").flatten() {
                let path = entry.path();
                out.push(path.strip_prefix(root).unwrap().display().to_string());
                if entry.file_type().unwrap().is_dir() {
                    walk(root, &path, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.mountpoint, &self.mountpoint, &mut out);
        out.sort();
        out
    }
}

/// Runs `cmd` until it succeeds, 5 s at most: the FUSE daemon may still hold the mount or the
/// loop device for a moment after the last write.
fn retry(cmd: &mut Command) {
    for _ in 0..50 {
        if cmd.output().is_ok_and(|o| o.status.success()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Drop for FsImage {
    fn drop(&mut self) {
        retry(tool("umount").arg(&self.mountpoint));
        // Detached only after the unmount, once the daemon let go of the device.
        if let Some(dev) = &self.loop_device {
            retry(tool("losetup").args(["-d", dev]));
        }
    }
}
