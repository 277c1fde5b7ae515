//! ALSA (through cpal) prints diagnostics straight to file descriptor 2, which would scribble over
//! the TUI and clutter CLI errors. This guard points fd 2 at a log file while it lives and puts the
//! original back when dropped.

use std::fs::OpenOptions;
use std::io;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

pub struct StderrRedirect {
    saved_fd: libc::c_int,
    log_path: PathBuf,
}

impl StderrRedirect {
    /// Appends everything written to stderr to `log_path` until the guard is dropped.
    pub fn to_file(log_path: &Path) -> io::Result<Self> {
        if let Some(dir) = log_path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)?;
        // SAFETY: dup/dup2 on valid descriptors; we own `file` for the duration of the call.
        let saved_fd = unsafe { libc::dup(libc::STDERR_FILENO) };
        if saved_fd < 0 {
            return Err(io::Error::last_os_error());
        }
        if unsafe { libc::dup2(file.as_raw_fd(), libc::STDERR_FILENO) } < 0 {
            let err = io::Error::last_os_error();
            unsafe { libc::close(saved_fd) };
            return Err(err);
        }
        Ok(Self {
            saved_fd,
            log_path: log_path.to_path_buf(),
        })
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }
}

impl Drop for StderrRedirect {
    fn drop(&mut self) {
        // SAFETY: `saved_fd` is the descriptor we duplicated in `to_file` and still own.
        unsafe {
            libc::dup2(self.saved_fd, libc::STDERR_FILENO);
            libc::close(self.saved_fd);
        }
    }
}
