//! Writing output files (`-o FILE`, exports, backups) without ever hurting what is already there.
//!
//! A regular file is replaced atomically: the new content goes to a temporary file created
//! exclusively (`O_EXCL`, an unpredictable name) in the target's own folder, is flushed to disk and
//! then renamed over the target, so the target is either the old file or the whole new one, a
//! planted symlink is never followed, and no half-written file is left behind on any error. The new
//! file gets the mode the umask gives (an existing file keeps its own mode). A character device or a
//! FIFO (`/dev/stdout`, a named pipe) is written to directly: replacing it would break it.
//!
//! What this module must not do: choose paths (callers pass what the learner typed) or read a
//! bank.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Why an output file could not be written; each names the path.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The folder the file goes in cannot hold a new file.
    #[error("cannot create a file in {dir}: {source}")]
    Folder {
        /// The target's folder.
        dir: String,
        /// The I/O error.
        source: io::Error,
    },
    /// Writing the content failed (the target is unchanged).
    #[error("writing {path}: {source} (nothing was changed)")]
    Write {
        /// The target.
        path: String,
        /// The I/O error.
        source: io::Error,
    },
    /// The content could not be produced (the target is unchanged).
    #[error("writing {path}: {source}")]
    Fill {
        /// The target.
        path: String,
        /// What the producer reported.
        source: anyhow::Error,
    },
    /// The finished file could not be moved into place.
    #[error("cannot write {path}: {source}")]
    Persist {
        /// The target.
        path: String,
        /// The I/O error.
        source: io::Error,
    },
    /// The target is a folder (or another kind of file that cannot be replaced).
    #[error("{path} is {kind}, not a file: choose a file name")]
    NotAFile {
        /// The target.
        path: String,
        /// What it is.
        kind: &'static str,
    },
    /// The target exists and must not be replaced (backups).
    #[error("{path} already exists: choose a new file name (retake never overwrites a backup)")]
    Exists {
        /// The target.
        path: String,
    },
}

/// What is at a path before it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Existing {
    Nothing,
    Regular,
    /// A character device or a FIFO: written to, never replaced.
    Stream,
    Other(&'static str),
}

fn existing(path: &Path) -> Existing {
    // The link itself: a symlink at the target is replaced by the rename, never followed —
    // except to see whether it points at a stream (`/dev/stdout` is a symlink on Linux).
    let Ok(link) = fs::symlink_metadata(path) else {
        return Existing::Nothing;
    };
    let meta = if link.file_type().is_symlink() {
        match fs::metadata(path) {
            Ok(m) => m,
            Err(_) => return Existing::Regular,
        }
    } else {
        link
    };
    let t = meta.file_type();
    if is_stream(&t) {
        Existing::Stream
    } else if t.is_dir() {
        Existing::Other("a folder")
    } else if t.is_file() || link_is_symlink(path) {
        Existing::Regular
    } else {
        Existing::Other("a special file")
    }
}

fn link_is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(unix)]
fn is_stream(t: &fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt as _;
    t.is_char_device() || t.is_fifo()
}

#[cfg(not(unix))]
fn is_stream(_: &fs::FileType) -> bool {
    false
}

/// The folder a target lives in (`.` for a bare file name).
pub fn folder_of(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// A new temporary file in `dir`: created exclusively under an unpredictable name, with the mode
/// the umask gives a new file (tempfile's default would be 0600).
pub fn temp_file_in(dir: &Path) -> Result<NamedTempFile, OutputError> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".retake-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // Passed to open(2) with O_CREAT | O_EXCL: the kernel applies the umask.
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir).map_err(|source| OutputError::Folder {
        dir: dir.display().to_string(),
        source,
    })
}

/// Streams `fill`'s output to `path`: straight into a character device or FIFO, else atomically
/// through a temporary file in the same folder that is synced and renamed over `path`.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> Result<(), OutputError> {
    let label = path.display().to_string();
    let write_err = |source| OutputError::Write {
        path: label.clone(),
        source,
    };
    match existing(path) {
        Existing::Stream => {
            let file = OpenOptions::new().write(true).open(path).map_err(write_err)?;
            let mut w = BufWriter::new(file);
            fill(&mut w).map_err(|source| OutputError::Fill {
                path: label.clone(),
                source,
            })?;
            return w.flush().map_err(write_err);
        }
        Existing::Other(kind) => {
            return Err(OutputError::NotAFile { path: label, kind });
        }
        Existing::Nothing | Existing::Regular => {}
    }
    let dir = folder_of(path);
    let tmp = temp_file_in(&dir)?;
    if let Some(meta) = fs::metadata(path).ok().filter(|m| m.is_file()) {
        // Replacing a file keeps its mode (a private export stays private).
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(write_err)?;
    }
    let mut w = BufWriter::new(tmp);
    // On any error below, `tmp` is dropped, which deletes it: nothing partial stays behind.
    fill(&mut w).map_err(|source| OutputError::Fill {
        path: label.clone(),
        source,
    })?;
    w.flush().map_err(write_err)?;
    let tmp = w.into_inner().map_err(|e| write_err(e.into_error()))?;
    tmp.as_file().sync_all().map_err(write_err)?;
    tmp.persist(path).map_err(|e| OutputError::Persist {
        path: label,
        source: e.error,
    })?;
    sync_folder(&dir);
    Ok(())
}

/// Writes `bytes` to `path` as [`write_with`] does.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_with(path, |w| Ok(w.write_all(bytes)?))
}

/// Creates `path` with content made by `fill`, which is handed the path of a fresh, empty,
/// exclusively created temporary file in the same folder (e.g. for SQLite's backup API). Refuses an
/// existing `path` (even a dangling symlink) and never replaces one that appears meanwhile; on any
/// error the temporary file is removed.
pub fn create_new_with<E>(
    path: &Path,
    fill: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<Result<(), E>, OutputError> {
    let label = path.display().to_string();
    if fs::symlink_metadata(path).is_ok() {
        return Err(OutputError::Exists { path: label });
    }
    let dir = folder_of(path);
    let tmp = temp_file_in(&dir)?;
    if let Err(e) = fill(tmp.path()) {
        return Ok(Err(e));
    }
    tmp.as_file().sync_all().map_err(|source| OutputError::Write {
        path: label.clone(),
        source,
    })?;
    tmp.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            OutputError::Exists { path: label.clone() }
        } else {
            OutputError::Persist {
                path: label.clone(),
                source: e.error,
            }
        }
    })?;
    sync_folder(&dir);
    Ok(Ok(()))
}

/// Makes a rename durable where the platform allows it (best effort: some file systems refuse).
fn sync_folder(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .map(|r| {
                r.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    #[test]
    fn replaces_a_file_and_leaves_nothing_else() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let target = dir.path().join("out.txt");
        fs::write(&target, "old")?;
        write(&target, b"new")?;
        assert_eq!(fs::read_to_string(&target)?, "new");
        assert_eq!(names(dir.path()), ["out.txt"]);
        Ok(())
    }

    #[test]
    fn a_failing_producer_leaves_the_old_file_and_no_temporary() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let target = dir.path().join("out.txt");
        fs::write(&target, "old")?;
        let r = write_with(&target, |w| {
            w.write_all(b"half")?;
            Err(anyhow::anyhow!("boom"))
        });
        assert!(matches!(r, Err(OutputError::Fill { .. })));
        assert_eq!(fs::read_to_string(&target)?, "old");
        assert_eq!(names(dir.path()), ["out.txt"]);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_replaced_not_followed() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious")?;
        let target = dir.path().join("out.txt");
        std::os::unix::fs::symlink(&victim, &target)?;
        write(&target, b"export")?;
        assert_eq!(fs::read_to_string(&victim)?, "precious");
        assert!(!fs::symlink_metadata(&target)?.file_type().is_symlink());
        assert_eq!(fs::read_to_string(&target)?, "export");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn new_files_get_the_umask_mode_and_old_files_keep_theirs() -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir()?;
        // What a plain create gives under this process's umask.
        let probe = dir.path().join("probe");
        File::create(&probe)?;
        let umask_mode = fs::metadata(&probe)?.permissions().mode() & 0o777;
        let fresh = dir.path().join("fresh");
        write(&fresh, b"x")?;
        assert_eq!(fs::metadata(&fresh)?.permissions().mode() & 0o777, umask_mode);
        let private = dir.path().join("private");
        fs::write(&private, "x")?;
        fs::set_permissions(&private, fs::Permissions::from_mode(0o600))?;
        write(&private, b"y")?;
        assert_eq!(fs::metadata(&private)?.permissions().mode() & 0o777, 0o600);
        Ok(())
    }

    #[test]
    fn create_new_refuses_an_existing_target_and_cleans_up() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let target = dir.path().join("backup.db");
        let made = create_new_with(&target, |p| fs::write(p, "db"))?;
        assert!(made.is_ok());
        assert_eq!(fs::read_to_string(&target)?, "db");
        assert!(matches!(
            create_new_with(&target, |p| fs::write(p, "again")),
            Err(OutputError::Exists { .. })
        ));
        let other = dir.path().join("other.db");
        let failed = create_new_with(&other, |_| Err::<(), _>("full"))?;
        assert_eq!(failed, Err("full"));
        assert_eq!(names(dir.path()), ["backup.db"]);
        Ok(())
    }
}
