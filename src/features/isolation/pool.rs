//! The worker processes of one plugin: started on demand (one per thread extracting at once),
//! reused across clips, and replaced after any fault. A worker that crashes, hangs past the call
//! timeout, exits or runs out of its memory limit is killed and reaped, and the call fails with
//! a `PluginError` that says which of these happened; the next call starts a fresh worker.

use super::process::{Ending, WorkerProcess};
use super::wire::{read_message, write_message, Reply, Request};
use super::IsolationSettings;
use crate::features::{Features, PluginError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct WorkerPool {
    path: PathBuf,
    plugin: String,
    settings: IsolationSettings,
    idle: Mutex<Vec<WorkerProcess>>,
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPool")
            .field("path", &self.path)
            .field("plugin", &self.plugin)
            .finish_non_exhaustive()
    }
}

impl WorkerPool {
    pub fn new(path: &Path, plugin: &str, settings: IsolationSettings) -> Self {
        Self {
            path: path.to_path_buf(),
            plugin: plugin.to_string(),
            settings,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Worker processes alive and waiting (for tests and the docs' measurements).
    pub fn idle_workers(&self) -> Vec<u32> {
        self.idle
            .lock()
            .map(|idle| idle.iter().map(WorkerProcess::pid).collect())
            .unwrap_or_default()
    }

    pub fn layout(
        &self,
        params: &[f64],
        sample_rate: u32,
        samples: usize,
        timeout: Duration,
    ) -> Result<(Vec<String>, usize), PluginError> {
        let request = Request::Layout {
            params: params.to_vec(),
            sample_rate,
            samples: samples as u64,
        };
        match self.call(&request, &[], timeout)? {
            (Reply::Layout { names, frames }, _) => Ok((names, frames as usize)),
            (other, _) => Err(self.unexpected(&other)),
        }
    }

    pub fn extract(
        &self,
        samples: &[f32],
        sample_rate: u32,
        params: &[f64],
        timeout: Duration,
    ) -> Result<Features, PluginError> {
        let request = Request::Extract {
            params: params.to_vec(),
            sample_rate,
        };
        match self.call(&request, samples, timeout)? {
            (Reply::Features { names, frames }, data) => {
                if data.len() as u64 != frames * names.len() as u64 {
                    return Err(PluginError::BadOutput {
                        plugin: self.plugin.clone(),
                        reason: format!(
                            "its worker sent {} values for {frames} frames of {} features",
                            data.len(),
                            names.len()
                        ),
                    });
                }
                Ok(Features {
                    names: Arc::new(names),
                    frames: frames as usize,
                    data,
                })
            }
            (other, _) => Err(self.unexpected(&other)),
        }
    }

    /// One request and its reply, on an idle worker or a new one. A worker goes back to the pool
    /// only after a complete reply.
    fn call(
        &self,
        request: &Request,
        payload: &[f32],
        timeout: Duration,
    ) -> Result<(Reply, Vec<f32>), PluginError> {
        let deadline = Instant::now() + timeout;
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut worker = match idle {
            Some(worker) => worker,
            None => self.start(deadline, timeout)?,
        };
        let result = {
            let (mut input, mut output) = worker.pipes(deadline);
            write_message(&mut input, request, payload)
                .and_then(|()| read_message::<Reply>(&mut output))
        };
        match result {
            Ok(Some((Reply::Failed(error), _))) if error.is_fault() => {
                // A caught panic: the worker's state after it is not to be trusted.
                drop(worker);
                Err(error)
            }
            Ok(Some((reply, data))) => {
                if let Ok(mut idle) = self.idle.lock() {
                    idle.push(worker);
                }
                match reply {
                    Reply::Failed(error) => Err(error),
                    reply => Ok((reply, data)),
                }
            }
            Ok(None) => Err(self.fault(worker.finish(), None)),
            Err(e) => Err(self.failed_io(worker, e, timeout)),
        }
    }

    /// Starts a worker and reads its ready message (the library loaded in it).
    fn start(&self, deadline: Instant, timeout: Duration) -> Result<WorkerProcess, PluginError> {
        let mut worker =
            WorkerProcess::spawn(&self.settings, "serve", &self.path).map_err(|e| {
                PluginError::Crashed {
                    plugin: self.plugin.clone(),
                    reason: format!("its worker process could not start: {e}"),
                }
            })?;
        let ready = {
            let (_, mut output) = worker.pipes(deadline);
            read_message::<Reply>(&mut output)
        };
        match ready {
            Ok(Some((Reply::Ready(info), _))) if info.name == self.plugin => Ok(worker),
            Ok(Some((Reply::Ready(info), _))) => {
                drop(worker);
                Err(PluginError::Load {
                    path: self.path.clone(),
                    reason: format!(
                        "the file now holds plugin `{}`, not `{}`: it changed since serlab started",
                        info.name, self.plugin
                    ),
                })
            }
            Ok(Some((Reply::Failed(error), _))) => {
                drop(worker);
                Err(error)
            }
            Ok(Some((other, _))) => Err(self.unexpected(&other)),
            Ok(None) => Err(self.fault(worker.finish(), None)),
            Err(e) => Err(self.failed_io(worker, e, timeout)),
        }
    }

    /// A read or write on the worker's pipes failed: the deadline passed, the worker died (the
    /// pipe closed), or it wrote something that is not the protocol.
    fn failed_io(&self, worker: WorkerProcess, error: io::Error, timeout: Duration) -> PluginError {
        let ending = worker.finish();
        match error.kind() {
            io::ErrorKind::TimedOut => self.fault(ending, Some(timeout)),
            io::ErrorKind::InvalidData => PluginError::Crashed {
                plugin: self.plugin.clone(),
                reason: format!("its worker broke the protocol ({error})"),
            },
            _ => self.fault(ending, None),
        }
    }

    /// The worker died (or was killed at the deadline, `timed_out`).
    fn fault(&self, ending: Ending, timed_out: Option<Duration>) -> PluginError {
        match timed_out {
            Some(timeout) if !ending.hit_memory_limit() => PluginError::TimedOut {
                plugin: self.plugin.clone(),
                seconds: timeout.as_secs_f64(),
                earlier: false,
            },
            _ => PluginError::Crashed {
                plugin: self.plugin.clone(),
                reason: ending.describe(),
            },
        }
    }

    fn unexpected(&self, reply: &Reply) -> PluginError {
        PluginError::BadOutput {
            plugin: self.plugin.clone(),
            reason: format!("its worker answered out of turn ({reply:?})"),
        }
    }
}
