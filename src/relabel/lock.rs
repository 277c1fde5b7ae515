//! An advisory exclusive lock on `<file>.lock`, held for one read-modify-write of the relabel file.
//! The kernel drops it when the process dies, so a killed serlab never leaves a stale lock.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::io::AsRawFd;
use std::path::Path;

pub struct Lock {
    _file: File,
}

/// Blocks until no other process holds the lock.
pub fn exclusive(path: &Path) -> io::Result<Lock> {
    let mut name = path.as_os_str().to_os_string();
    name.push(".lock");
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&name)?;
    loop {
        // SAFETY: flock on a descriptor this function owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(Lock { _file: file });
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}
