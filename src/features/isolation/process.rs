//! One child process of serlab's own binary in its hidden plugin-host mode: started with an
//! address-space limit, talked to over its stdin and stdout with a deadline on every read and
//! write, and, when it dies or is killed, described (signal, exit status, peak memory, the last
//! words it wrote to stderr) so the host can say what happened.

use super::{IsolationSettings, HIDDEN_COMMAND};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How much of a worker's stderr is kept for the message when it dies.
const STDERR_TAIL_BYTES: usize = 2048;

pub struct WorkerProcess {
    child: Child,
    input: PipeWriter,
    output: PipeReader,
    stderr_tail: Arc<Mutex<Vec<u8>>>,
    drain: Option<std::thread::JoinHandle<()>>,
    memory_limit: Option<u64>,
}

/// How a worker process ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Ending {
    pub signal: Option<i32>,
    pub exit_code: Option<i32>,
    pub peak_rss_bytes: u64,
    pub stderr_tail: String,
    pub memory_limit: Option<u64>,
}

impl WorkerProcess {
    /// Starts `serlab __plugin-host MODE PATH` with the settings' limits and environment.
    pub fn spawn(settings: &IsolationSettings, mode: &str, plugin: &Path) -> io::Result<Self> {
        let program = super::host_program()?;
        let mut command = Command::new(&program);
        command
            .arg(HIDDEN_COMMAND)
            .arg(mode)
            .arg(plugin)
            .envs(settings.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let memory_limit = settings.memory_limit_bytes;
        // SAFETY: only async-signal-safe system calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                limit_child(memory_limit);
                Ok(())
            });
        }
        let mut child = command.spawn().map_err(|e| {
            io::Error::new(e.kind(), format!("cannot start {}: {e}", program.display()))
        })?;
        let input = PipeWriter::new(child.stdin.take().expect("piped stdin"))?;
        let output = PipeReader(child.stdout.take().expect("piped stdout"));
        let stderr_tail = Arc::new(Mutex::new(Vec::new()));
        let drain = drain_stderr(
            child.stderr.take().expect("piped stderr"),
            stderr_tail.clone(),
        );
        Ok(Self {
            child,
            input,
            output,
            stderr_tail,
            drain: Some(drain),
            memory_limit,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A writer and a reader that give up at `deadline` with `ErrorKind::TimedOut`.
    pub fn pipes(&mut self, deadline: Instant) -> (impl Write + '_, impl Read + '_) {
        self.input.deadline = Some(deadline);
        (
            &mut self.input,
            DeadlineRead {
                reader: &mut self.output,
                deadline,
            },
        )
    }

    /// Kills the process if it still runs, reaps it and says how it ended.
    pub fn finish(mut self) -> Ending {
        // SAFETY: plain signal to our own child, which has not been reaped yet.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGKILL) };
        let (status, rusage) = reap(self.child.id() as i32);
        if let Some(drain) = self.drain.take() {
            // The pipe closes when the process dies, unless a child of the plugin holds it: wait
            // briefly for the last words, never for the grandchild.
            let until = Instant::now() + Duration::from_millis(200);
            while !drain.is_finished() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let tail = self
            .stderr_tail
            .lock()
            .map(|t| t.clone())
            .unwrap_or_default();
        Ending {
            signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
            exit_code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
            // ru_maxrss is in KiB on Linux.
            peak_rss_bytes: rusage.ru_maxrss.max(0) as u64 * 1024,
            stderr_tail: String::from_utf8_lossy(&tail).trim().to_string(),
            memory_limit: self.memory_limit,
        }
    }

    /// Waits until the process exits on its own or `deadline` passes, when it is killed. The
    /// flag says whether it exited on its own.
    pub fn wait_until(self, deadline: Instant) -> (Ending, bool) {
        let pid = self.child.id() as i32;
        loop {
            // SAFETY: asks about our own child without reaping it (WNOWAIT); `finish` reaps.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            let polled = unsafe {
                libc::waitid(
                    libc::P_PID,
                    pid as libc::id_t,
                    &mut info,
                    libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
                )
            };
            if polled == 0 && unsafe { info.si_pid() } == pid {
                return (self.finish(), true);
            }
            if Instant::now() >= deadline {
                return (self.finish(), false);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if self.drain.is_some() {
            // Not finished: a worker is never left running or unreaped.
            unsafe { libc::kill(self.child.id() as i32, libc::SIGKILL) };
            let _ = reap(self.child.id() as i32);
        }
    }
}

impl Ending {
    /// A worker dies under its address-space limit by an allocation that fails: Rust code aborts
    /// saying so, C code usually dereferences the NULL it got back.
    pub fn hit_memory_limit(&self) -> bool {
        let Some(limit) = self.memory_limit else {
            return false;
        };
        self.stderr_tail.contains("memory allocation of")
            || self.stderr_tail.contains("out of memory")
            || self.peak_rss_bytes.saturating_mul(10) >= limit.saturating_mul(8)
    }

    /// What happened, for a message: `SIGSEGV (segmentation fault)`, `exited with status 3`.
    pub fn describe(&self) -> String {
        let mut text = match (self.signal, self.exit_code) {
            (Some(signal), _) => signal_name(signal),
            (None, Some(code)) => format!("exited with status {code}"),
            (None, None) => "ended".to_string(),
        };
        if self.hit_memory_limit() {
            let limit = self.memory_limit.unwrap_or(0);
            text.push_str(&format!(
                " after reaching its memory limit ({} MiB of address space; [plugins] memory_limit_mb in datasets.toml)",
                limit >> 20
            ));
        }
        if let Some(line) = self
            .stderr_tail
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
        {
            text.push_str(&format!("; its last words: {}", line.trim()));
        }
        text
    }
}

pub fn signal_name(signal: i32) -> String {
    let (name, meaning) = match signal {
        libc::SIGSEGV => ("SIGSEGV", "segmentation fault"),
        libc::SIGBUS => ("SIGBUS", "bus error"),
        libc::SIGABRT => ("SIGABRT", "aborted"),
        libc::SIGILL => ("SIGILL", "illegal instruction"),
        libc::SIGFPE => ("SIGFPE", "arithmetic fault"),
        libc::SIGKILL => ("SIGKILL", "killed"),
        libc::SIGTERM => ("SIGTERM", "terminated"),
        libc::SIGTRAP => ("SIGTRAP", "trap"),
        libc::SIGSYS => ("SIGSYS", "bad system call"),
        libc::SIGXCPU => ("SIGXCPU", "CPU time limit"),
        libc::SIGPIPE => ("SIGPIPE", "broken pipe"),
        other => return format!("signal {other}"),
    };
    format!("{name} ({meaning})")
}

/// In the child between fork and exec: the address-space limit, no core files, and death with
/// the parent (a worker stuck in plugin code must not outlive serlab).
fn limit_child(memory_limit: Option<u64>) {
    // SAFETY: setrlimit and prctl are async-signal-safe system calls on valid arguments.
    unsafe {
        if let Some(bytes) = memory_limit {
            let limit = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
        }
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &none);
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
}

fn reap(pid: i32) -> (i32, libc::rusage) {
    let mut status = 0;
    // SAFETY: waiting for our own child with valid out pointers.
    let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut rusage) };
        if r >= 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return (status, rusage);
        }
    }
}

/// Copies the worker's stderr into a rolling tail (for messages) and on to serlab's own stderr,
/// which the TUI points at its log file.
fn drain_stderr(mut stderr: ChildStderr, tail: Arc<Mutex<Vec<u8>>>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        loop {
            match stderr.read(&mut buffer) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    let _ = io::stderr().write_all(&buffer[..n]);
                    if let Ok(mut tail) = tail.lock() {
                        tail.extend_from_slice(&buffer[..n]);
                        let excess = tail.len().saturating_sub(STDERR_TAIL_BYTES);
                        tail.drain(..excess);
                    }
                }
            }
        }
    })
}

/// Waits until `fd` is ready for `events` or the deadline passes.
fn wait_ready(fd: i32, events: i16, deadline: Option<Instant>) -> io::Result<()> {
    loop {
        let timeout_ms = match deadline {
            None => -1,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"));
                }
                left.as_millis().clamp(1, i32::MAX as u128) as i32
            }
        };
        let mut pfd = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
        if r > 0 {
            return Ok(());
        }
        if r < 0 {
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }
}

struct PipeReader(ChildStdout);

struct DeadlineRead<'a> {
    reader: &'a mut PipeReader,
    deadline: Instant,
}

impl Read for DeadlineRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        wait_ready(self.reader.0.as_raw_fd(), libc::POLLIN, Some(self.deadline))?;
        self.reader.0.read(buf)
    }
}

/// The worker's stdin, non-blocking so that a worker that stops reading cannot hold the host
/// past its deadline.
struct PipeWriter {
    pipe: ChildStdin,
    deadline: Option<Instant>,
}

impl PipeWriter {
    fn new(pipe: ChildStdin) -> io::Result<Self> {
        let fd = pipe.as_raw_fd();
        // SAFETY: fcntl on a descriptor we own.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(Self {
            pipe,
            deadline: None,
        })
    }
}

impl Write for &mut PipeWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            match self.pipe.write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    wait_ready(self.pipe.as_raw_fd(), libc::POLLOUT, self.deadline)?
                }
                other => return other,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
