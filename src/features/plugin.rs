//! Loading one plugin library and calling it safely. Nothing in the descriptor is trusted before
//! its ABI version and size are checked; every string is validated; outputs are checked for
//! length and finiteness. Libraries are never unloaded (their strings and code must stay valid
//! for the life of the process).

use super::isolation::{self, Isolation, IsolationSettings, PluginInfo, ProbeOutcome, WorkerPool};
use super::PluginError;
use serlab_plugin_api::*;
use std::ffi::CStr;
use std::os::raw::c_char;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// An output larger than this (in floats) is refused rather than allocated.
const MAX_OUTPUT_FLOATS: u64 = 256 * 1024 * 1024;
const ERROR_CAPACITY: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum FeatureKind {
    /// One vector per clip.
    Vector,
    /// A sequence of frames, `frame_rate` per second.
    Sequence { frame_rate: f64 },
}

impl FeatureKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Vector => "vector",
            Self::Sequence { .. } => "sequence",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ParamType {
    Float,
    Int,
    Bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParamInfo {
    pub name: String,
    pub kind: ParamType,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    pub description: String,
}

/// Extracted features: `frames` rows of `names.len()` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    pub names: Arc<Vec<String>>,
    pub frames: usize,
    pub data: Vec<f32>,
}

impl Features {
    pub fn dims(&self) -> usize {
        self.names.len()
    }

    pub fn frame(&self, index: usize) -> &[f32] {
        let d = self.dims();
        &self.data[index * d..(index + 1) * d]
    }
}

/// A loaded, validated plugin. Cheap to share across threads.
#[derive(Debug)]
pub struct Plugin {
    pub path: PathBuf,
    pub name: String,
    pub version: String,
    pub description: String,
    pub kind: FeatureKind,
    /// Feature names with the default parameters.
    pub feature_names: Vec<String>,
    pub params: Vec<ParamInfo>,
    runner: Runner,
    /// How long one extraction may take before the host gives up on it (milliseconds).
    timeout_ms: AtomicU64,
    /// Set once an in-process call ran past the timeout: the thread inside the plugin cannot be
    /// stopped, so later calls are refused at once instead of piling up more stuck threads. (An
    /// isolated plugin's worker is killed instead, and the next call gets a fresh one.)
    hung: AtomicBool,
}

/// Where the plugin's code runs.
#[derive(Debug)]
enum Runner {
    /// Loaded into this process.
    InProcess(Calls),
    /// In worker processes (`isolation`).
    Isolated(WorkerPool),
}

/// What a call into the library needs, owned, so a call can run on its own thread.
#[derive(Debug, Clone)]
struct Calls {
    name: String,
    kind: FeatureKind,
    layout: LayoutFn,
    extract: ExtractFn,
}

/// Generous: the slowest built-in extractor needs well under a second for a minute of audio.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(300);

impl Plugin {
    /// Opens a plugin file as the settings say: its descriptor is always read in a probe process
    /// first; then its calls run in worker processes, or (`in-process`) it is loaded here.
    pub fn open(path: &Path, settings: &IsolationSettings) -> Result<Self, PluginError> {
        let outcome = isolation::probe(path, settings);
        Self::from_probe(path, outcome, settings)
    }

    /// The plugin behind a probe's outcome (see `open`).
    pub fn from_probe(
        path: &Path,
        outcome: ProbeOutcome,
        settings: &IsolationSettings,
    ) -> Result<Self, PluginError> {
        let info = match outcome {
            ProbeOutcome::Ready(info) => info,
            ProbeOutcome::Refused(error) => return Err(error),
        };
        let runner = match settings.mode {
            Isolation::InProcess => return Self::load(path),
            Isolation::Process => {
                Runner::Isolated(WorkerPool::new(path, &info.name, settings.clone()))
            }
        };
        Ok(Self::assemble(path, info, runner))
    }

    fn assemble(path: &Path, info: PluginInfo, runner: Runner) -> Self {
        Self {
            path: path.to_path_buf(),
            name: info.name,
            version: info.version,
            description: info.description,
            kind: info.kind,
            feature_names: info.feature_names,
            params: info.params,
            runner,
            timeout_ms: AtomicU64::new(DEFAULT_CALL_TIMEOUT.as_millis() as u64),
            hung: AtomicBool::new(false),
        }
    }

    /// The validated descriptor, as a probe reports it.
    pub fn info(&self) -> PluginInfo {
        PluginInfo {
            name: self.name.clone(),
            version: self.version.clone(),
            description: self.description.clone(),
            kind: self.kind,
            feature_names: self.feature_names.clone(),
            params: self.params.clone(),
        }
    }

    /// Whether calls run in worker processes.
    pub fn is_isolated(&self) -> bool {
        matches!(self.runner, Runner::Isolated(_))
    }

    /// The worker processes waiting for calls (empty for an in-process plugin).
    pub fn idle_workers(&self) -> Vec<u32> {
        match &self.runner {
            Runner::Isolated(pool) => pool.idle_workers(),
            Runner::InProcess(_) => Vec::new(),
        }
    }

    /// Loads the library into this process. Only for a file a probe has vetted, a plugin-host
    /// process, or tests of the validation itself: a broken library can take the process down.
    pub fn load(path: &Path) -> Result<Self, PluginError> {
        check_permissions(path)?;
        // SAFETY: loading runs the library's initialisers; that is the trust a plugin is given.
        let library = unsafe { libloading::Library::new(path) }.map_err(|e| PluginError::Load {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        // Never unloaded: the descriptor's strings and functions must outlive every use.
        let library: &'static libloading::Library = Box::leak(Box::new(library));
        let entry: EntryFnV1 = match unsafe { library.get::<EntryFnV1>(SERLAB_PLUGIN_ENTRY_V1) } {
            Ok(symbol) => *symbol,
            Err(_) => {
                for version in 2..10u32 {
                    let name = format!("serlab_plugin_v{version}\0");
                    if unsafe { library.get::<EntryFnV1>(name.as_bytes()) }.is_ok() {
                        return Err(PluginError::AbiVersion {
                            path: path.to_path_buf(),
                            found: version,
                            expected: SERLAB_PLUGIN_ABI_VERSION,
                        });
                    }
                }
                return Err(PluginError::NotAPlugin {
                    path: path.to_path_buf(),
                });
            }
        };
        // SAFETY: the entry point of a library that exports the version-1 symbol.
        let ptr = unsafe { entry() };
        // SAFETY: a descriptor pointer straight from the library's entry point.
        unsafe { Self::from_descriptor(path, ptr) }
    }

    /// Validates the descriptor a library's entry point returned. Nothing past the first two
    /// fields is read before the ABI version and struct size are checked.
    ///
    /// # Safety
    /// `ptr` is NULL or points at memory readable for `struct_size` bytes, whose pointers are
    /// NULL or valid C strings / NULL-terminated arrays, with `param_count` parameter entries.
    #[doc(hidden)]
    pub unsafe fn from_descriptor(
        path: &Path,
        ptr: *const serlab_plugin_descriptor_v1,
    ) -> Result<Self, PluginError> {
        let descriptor_error = |reason: String| PluginError::Descriptor {
            path: path.to_path_buf(),
            reason,
        };
        if ptr.is_null() {
            return Err(descriptor_error(
                "the entry point returned NULL (the plugin failed to initialise)".into(),
            ));
        }
        // The first two fields are all we may read before knowing the layout.
        let header = ptr as *const u32;
        let (abi_version, struct_size) = unsafe { (*header, *header.add(1)) };
        if abi_version != SERLAB_PLUGIN_ABI_VERSION {
            return Err(PluginError::AbiVersion {
                path: path.to_path_buf(),
                found: abi_version,
                expected: SERLAB_PLUGIN_ABI_VERSION,
            });
        }
        let expected_size = std::mem::size_of::<serlab_plugin_descriptor_v1>();
        if (struct_size as usize) < expected_size {
            return Err(descriptor_error(format!(
                "struct_size is {struct_size} bytes, a version-1 descriptor has {expected_size}"
            )));
        }
        let d = unsafe { &*ptr };
        if d.feature_count == 0 {
            // A plugin that depends on something outside serlab (the openSMILE bridge) loads but
            // offers nothing when that is missing, and says why in its description.
            let (name, version, reason) = unsafe {
                (
                    super::descriptor::read_str(d.name, "name"),
                    super::descriptor::read_str(d.version, "version"),
                    super::descriptor::read_str(d.description, "description"),
                )
            };
            return Err(match (name, version, reason) {
                (Ok(name), Ok(version), Ok(reason))
                    if super::descriptor::check_name(&name).is_ok() =>
                {
                    PluginError::Unavailable {
                        path: path.to_path_buf(),
                        name,
                        version,
                        reason,
                    }
                }
                _ => descriptor_error(
                    "feature_count is 0 and the name, version or reason is unreadable or invalid"
                        .into(),
                ),
            });
        }
        let plugin = unsafe { Self::validate(path, d) }.map_err(descriptor_error)?;
        plugin.check_layout_matches_descriptor()?;
        Ok(plugin)
    }

    /// A plugin loaded here from its validated descriptor.
    unsafe fn validate(path: &Path, d: &serlab_plugin_descriptor_v1) -> Result<Self, String> {
        let (info, layout, extract) = super::descriptor::read(d)?;
        let calls = Calls {
            name: info.name.clone(),
            kind: info.kind,
            layout,
            extract,
        };
        Ok(Self::assemble(path, info, Runner::InProcess(calls)))
    }

    fn check_layout_matches_descriptor(&self) -> Result<(), PluginError> {
        let defaults = self.default_params();
        let (names, _) = self.layout(&defaults, 16_000, 16_000)?;
        if *names != self.feature_names {
            return Err(PluginError::Descriptor {
                path: self.path.clone(),
                reason: format!(
                    "layout() reports {} features for the default parameters, the descriptor lists {}",
                    names.len(),
                    self.feature_names.len()
                ),
            });
        }
        Ok(())
    }

    pub fn dims(&self) -> usize {
        self.feature_names.len()
    }

    pub fn default_params(&self) -> Vec<f64> {
        self.params.iter().map(|p| p.default).collect()
    }

    /// Parameter values from `name=value` overrides on top of the defaults, checked against the
    /// declared types and ranges.
    pub fn resolve_params(&self, overrides: &[(String, String)]) -> Result<Vec<f64>, PluginError> {
        let err = |reason: String| PluginError::Param {
            plugin: self.name.clone(),
            reason,
        };
        let mut values = self.default_params();
        for (key, text) in overrides {
            let Some(index) = self.params.iter().position(|p| &p.name == key) else {
                let known: Vec<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
                return Err(err(format!(
                    "unknown parameter `{key}` (parameters: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            };
            let spec = &self.params[index];
            let value = match (spec.kind, text.trim()) {
                (ParamType::Bool, "true" | "yes" | "on" | "1") => 1.0,
                (ParamType::Bool, "false" | "no" | "off" | "0") => 0.0,
                (ParamType::Bool, other) => {
                    return Err(err(format!("`{key}` takes true or false, not `{other}`")))
                }
                (_, other) => other
                    .parse::<f64>()
                    .map_err(|_| err(format!("`{key}` takes a number, not `{other}`")))?,
            };
            if spec.kind == ParamType::Int && value.fract() != 0.0 {
                return Err(err(format!("`{key}` takes a whole number, not {value}")));
            }
            if !(value.is_finite() && spec.min <= value && value <= spec.max) {
                return Err(err(format!(
                    "`{key}` = {value} is outside {}..{}",
                    spec.min, spec.max
                )));
            }
            values[index] = value;
        }
        Ok(values)
    }

    /// `name=value` pairs in parameter order, e.g. for cache keys and model metadata.
    pub fn describe_params(&self, values: &[f64]) -> String {
        self.params
            .iter()
            .zip(values)
            .map(|(p, v)| format!("{}={v}", p.name))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Feature names and frame count for these parameters and an input length.
    pub fn layout(
        &self,
        params: &[f64],
        sample_rate: u32,
        samples: usize,
    ) -> Result<(Vec<String>, usize), PluginError> {
        match &self.runner {
            Runner::InProcess(calls) => calls.layout(params, sample_rate, samples),
            Runner::Isolated(pool) => {
                pool.layout(params, sample_rate, samples, self.call_timeout())
            }
        }
    }

    /// How long one extraction may run before the host gives up on it and reports it.
    pub fn set_call_timeout(&self, timeout: Duration) {
        self.timeout_ms
            .store(timeout.as_millis().max(1) as u64, Ordering::Relaxed);
    }

    pub fn call_timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.load(Ordering::Relaxed))
    }

    /// Runs the plugin on mono samples. The call runs on a thread of its own so that a plugin
    /// that never returns costs that thread, not the caller: after the timeout the host reports
    /// it and refuses further calls into that plugin.
    pub fn extract(
        &self,
        samples: &[f32],
        sample_rate: u32,
        params: &[f64],
    ) -> Result<Features, PluginError> {
        if params.len() != self.params.len() {
            return Err(PluginError::Param {
                plugin: self.name.clone(),
                reason: format!(
                    "{} parameter values for {} parameters",
                    params.len(),
                    self.params.len()
                ),
            });
        }
        let timeout = self.call_timeout();
        let calls = match &self.runner {
            Runner::Isolated(pool) => return pool.extract(samples, sample_rate, params, timeout),
            Runner::InProcess(calls) => calls.clone(),
        };
        if self.hung.load(Ordering::Relaxed) {
            return Err(PluginError::TimedOut {
                plugin: self.name.clone(),
                seconds: timeout.as_secs_f64(),
                earlier: true,
            });
        }
        let (tx, rx) = mpsc::channel();
        let samples = samples.to_vec();
        let params = params.to_vec();
        std::thread::Builder::new()
            .name(format!("plugin {}", self.name))
            // Plugins may keep large frames on the stack, as they could on a main thread.
            .stack_size(8 << 20)
            .spawn(move || {
                let _ = tx.send(calls.extract(&samples, sample_rate, &params));
            })
            .map_err(|e| PluginError::Failed {
                plugin: self.name.clone(),
                status: "not started",
                message: format!("cannot start a thread for the call: {e}"),
            })?;
        match rx.recv_timeout(timeout) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.hung.store(true, Ordering::Relaxed);
                Err(PluginError::TimedOut {
                    plugin: self.name.clone(),
                    seconds: timeout.as_secs_f64(),
                    earlier: false,
                })
            }
            // The thread ended without an answer: only a panic inside the host's own code can do
            // that (a plugin's own panics are caught at the ABI boundary).
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(PluginError::Failed {
                plugin: self.name.clone(),
                status: "panicked",
                message: "the call ended without a result".into(),
            }),
        }
    }
}

impl Plugin {
    /// Runs an in-process plugin on the calling thread, without a time limit: what a plugin-host
    /// process does, whose host keeps the time.
    pub(crate) fn extract_here(
        &self,
        samples: &[f32],
        sample_rate: u32,
        params: &[f64],
    ) -> Result<Features, PluginError> {
        match &self.runner {
            Runner::InProcess(calls) => calls.extract(samples, sample_rate, params),
            Runner::Isolated(pool) => {
                pool.extract(samples, sample_rate, params, self.call_timeout())
            }
        }
    }
}

impl Calls {
    fn failed(&self, status: i32, message: String) -> PluginError {
        let status = match status {
            SERLAB_ERR_INVALID_INPUT => "invalid input",
            SERLAB_ERR_BUFFER_TOO_SMALL => "buffer too small",
            SERLAB_ERR_INTERNAL => "internal error",
            SERLAB_ERR_PANIC => "panicked",
            _ => "unknown status",
        };
        PluginError::Failed {
            plugin: self.name.clone(),
            status,
            message: if message.is_empty() {
                "no message".into()
            } else {
                message
            },
        }
    }

    /// Feature names and frame count for these parameters and an input length.
    fn layout(
        &self,
        params: &[f64],
        sample_rate: u32,
        samples: usize,
    ) -> Result<(Vec<String>, usize), PluginError> {
        let mut features = 0u32;
        let mut frames = 0u64;
        let mut names_len = 0u64;
        let call = |buf: *mut c_char,
                    capacity: u64,
                    features: &mut u32,
                    frames: &mut u64,
                    len: &mut u64| unsafe {
            (self.layout)(
                params.as_ptr(),
                params.len() as u32,
                sample_rate,
                samples as u64,
                features,
                frames,
                buf,
                capacity,
                len,
            )
        };
        let status = call(
            std::ptr::null_mut(),
            0,
            &mut features,
            &mut frames,
            &mut names_len,
        );
        if status != SERLAB_OK {
            return Err(self.failed(status, "layout() failed".into()));
        }
        if names_len == 0 || names_len > 64 * 1024 * 1024 {
            return Err(PluginError::BadOutput {
                plugin: self.name.clone(),
                reason: format!("layout() reports {names_len} bytes of feature names"),
            });
        }
        let mut buf = vec![0u8; names_len as usize];
        let status = call(
            buf.as_mut_ptr() as *mut c_char,
            names_len,
            &mut features,
            &mut frames,
            &mut names_len,
        );
        if status != SERLAB_OK {
            return Err(self.failed(status, "layout() failed".into()));
        }
        let text = CStr::from_bytes_until_nul(&buf)
            .ok()
            .and_then(|c| c.to_str().ok())
            .ok_or_else(|| PluginError::BadOutput {
                plugin: self.name.clone(),
                reason: "feature names are not NUL-terminated UTF-8".into(),
            })?;
        let names: Vec<String> = text.split('\n').map(str::to_string).collect();
        if names.len() != features as usize {
            return Err(PluginError::BadOutput {
                plugin: self.name.clone(),
                reason: format!(
                    "layout() reports {features} features but {} names",
                    names.len()
                ),
            });
        }
        Ok((names, frames as usize))
    }

    /// Runs the plugin on mono samples, on the calling thread.
    fn extract(
        &self,
        samples: &[f32],
        sample_rate: u32,
        params: &[f64],
    ) -> Result<Features, PluginError> {
        let (names, frames) = self.layout(params, sample_rate, samples.len())?;
        let dims = names.len();
        let capacity = frames as u64 * dims as u64;
        if capacity > MAX_OUTPUT_FLOATS {
            return Err(PluginError::BadOutput {
                plugin: self.name.clone(),
                reason: format!("asks for an output of {frames} frames x {dims} features"),
            });
        }
        if matches!(self.kind, FeatureKind::Vector) && frames != 1 {
            return Err(PluginError::BadOutput {
                plugin: self.name.clone(),
                reason: format!("a vector plugin reports {frames} frames"),
            });
        }
        let mut out = vec![0.0f32; capacity as usize];
        let mut out_frames = 0u64;
        let mut error = vec![0u8; ERROR_CAPACITY];
        let args = serlab_extract_args_v1 {
            struct_size: std::mem::size_of::<serlab_extract_args_v1>() as u32,
            samples: samples.as_ptr(),
            sample_count: samples.len() as u64,
            sample_rate,
            params: params.as_ptr(),
            param_count: params.len() as u32,
            out: out.as_mut_ptr(),
            out_capacity: capacity,
            out_frames: &mut out_frames,
            error: error.as_mut_ptr() as *mut c_char,
            error_capacity: ERROR_CAPACITY as u32,
        };
        let status = unsafe { (self.extract)(&args) };
        if status != SERLAB_OK {
            let message = CStr::from_bytes_until_nul(&error)
                .map(|c| c.to_string_lossy().into_owned())
                .unwrap_or_default();
            return Err(self.failed(status, message));
        }
        if out_frames as usize > frames {
            return Err(PluginError::BadOutput {
                plugin: self.name.clone(),
                reason: format!("claims {out_frames} frames written, the buffer holds {frames}"),
            });
        }
        if matches!(self.kind, FeatureKind::Vector) && out_frames != 1 {
            return Err(PluginError::BadOutput {
                plugin: self.name.clone(),
                reason: format!("a vector plugin wrote {out_frames} frames"),
            });
        }
        out.truncate(out_frames as usize * dims);
        if let Some(index) = out.iter().position(|v| !v.is_finite()) {
            return Err(PluginError::NonFinite {
                plugin: self.name.clone(),
                feature: names[index % dims].clone(),
                frame: index / dims,
                value: out[index],
            });
        }
        Ok(Features {
            names: Arc::new(names),
            frames: out_frames as usize,
            data: out,
        })
    }
}

/// A library that other users can rewrite could be swapped for anything; refuse to run it.
pub(crate) fn check_permissions(path: &Path) -> Result<(), PluginError> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = std::fs::metadata(path).map_err(|e| PluginError::Load {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if metadata.permissions().mode() & 0o002 != 0 {
        return Err(PluginError::Load {
            path: path.to_path_buf(),
            reason: "the file is writable by other users, so anyone could replace the code serlab would run; `chmod o-w` it".into(),
        });
    }
    Ok(())
}
