//! Write a file so that readers (and a crash at any instant) see either the old or the new content,
//! never a mix: write a temp file in the same folder, fsync it, rename it over the target, fsync
//! the folder. Folders (model directories, checkpoints) are built beside their target and swapped
//! in with one atomic exchange.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Makes temp names unique between threads of one process too.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// The folder a file goes in (created if missing) and the file's name, for its temp file.
fn folder_and_name(path: &Path) -> io::Result<(&Path, String)> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    Ok((dir, name))
}

pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let (dir, name) = folder_and_name(path)?;
    remove_stale_temps(dir, &name);
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        NEXT_TEMP.fetch_add(1, Ordering::Relaxed)
    ));
    {
        let mut file = File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
    }
    if let Err(err) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(err);
    }
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Writes a file that many processes, on many machines sharing one file system, may write at
/// once (a shared feature cache): each writes a temp file of its own (host, process, time and a
/// counter in its name, created exclusively), then renames it over the target. Readers see the old
/// file, the new one, or none; never a torn one. No stale temps are swept here: another machine's
/// process cannot be asked whether it still runs.
pub fn write_shared(path: &Path, contents: &[u8]) -> io::Result<()> {
    let (dir, name) = folder_and_name(path)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}-{nanos}-{}",
        host_name(),
        std::process::id(),
        NEXT_TEMP.fetch_add(1, Ordering::Relaxed)
    ));
    {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
    }
    if let Err(err) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(err);
    }
    Ok(())
}

fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into the buffer we own.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]);
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if ok && !clean.is_empty() {
        clean
    } else {
        "host".into()
    }
}

/// Replaces the folder `target` by the complete folder `staged` (a sibling): after a crash at any
/// instant `target` holds either all of the old content or all of the new. Linux exchanges the
/// two names in one step (`renameat2(RENAME_EXCHANGE)`); where the file system cannot, the old
/// folder is moved aside first.
pub fn replace_dir(staged: &Path, target: &Path) -> io::Result<()> {
    sync_tree(staged)?;
    if fs::symlink_metadata(target).is_err() {
        fs::rename(staged, target)?;
    } else if exchange(staged, target).is_ok() {
        // `staged` now holds the old content.
        fs::remove_dir_all(staged)?;
    } else {
        let mut aside = staged.as_os_str().to_os_string();
        aside.push(".old");
        let aside = Path::new(&aside);
        let _ = fs::remove_dir_all(aside);
        fs::rename(target, aside)?;
        fs::rename(staged, target)?;
        let _ = fs::remove_dir_all(aside);
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Ok(dir) = File::open(parent) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: two valid NUL-terminated paths.
    let status = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Flushes every file of a freshly written folder (and the folder) to disk.
fn sync_tree(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        } else {
            File::open(entry.path())?.sync_all()?;
        }
    }
    File::open(dir)?.sync_all()
}

/// A process killed between creating its temp file and renaming it leaves the temp behind; the
/// next writer removes those of processes that no longer run (folders too).
pub fn remove_stale_temps(dir: &Path, name: &str) {
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            let path = entry.path();
            let _ = if path.is_dir() {
                fs::remove_dir_all(path)
            } else {
                fs::remove_file(path)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.toml");
        write_atomically(&path, b"old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "a temp file was left behind");
    }

    #[test]
    fn replace_dir_swaps_whole_folders() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("model");
        let staged = root.path().join(".model.tmp-1");
        fs::create_dir_all(&staged).unwrap();
        fs::write(staged.join("a"), b"first").unwrap();
        replace_dir(&staged, &target).unwrap();
        assert_eq!(fs::read(target.join("a")).unwrap(), b"first");
        fs::create_dir_all(&staged).unwrap();
        fs::write(staged.join("b"), b"second").unwrap();
        replace_dir(&staged, &target).unwrap();
        assert!(
            !target.join("a").exists(),
            "old content left in the new folder"
        );
        assert_eq!(fs::read(target.join("b")).unwrap(), b"second");
        assert!(!staged.exists(), "the old folder was not removed");
    }

    #[test]
    fn temps_of_dead_processes_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.toml");
        // pid_max is at most 2^22 on Linux, so this pid cannot be running.
        let dead = dir.path().join(".labels.toml.tmp-99999999-0");
        let alive = dir
            .path()
            .join(format!(".labels.toml.tmp-{}-999", std::process::id()));
        fs::write(&dead, b"half").unwrap();
        fs::write(&alive, b"busy").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert!(!dead.exists(), "the dead process's temp file stayed");
        assert!(alive.exists(), "a running process's temp file was removed");
    }
}
