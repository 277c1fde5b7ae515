//! openSMILE's public C API (SMILEapi), loaded with libloading. Only the documented entry points
//! are used; no openSMILE code is part of serlab.

use libloading::Library;
use std::ffi::{c_char, c_int, c_long, c_void, CStr, CString};
use std::path::{Path, PathBuf};

const SMILE_SUCCESS: c_int = 0;

#[repr(C)]
struct SmileOpt {
    name: *const c_char,
    value: *const c_char,
}

type SinkCallback =
    unsafe extern "C" fn(data: *const f32, size: c_long, param: *mut c_void) -> c_int;

struct Api {
    new: unsafe extern "C" fn() -> *mut c_void,
    initialize: unsafe extern "C" fn(
        *mut c_void,
        *const c_char,
        c_int,
        *const SmileOpt,
        c_int,
        c_int,
        c_int,
        *const c_char,
    ) -> c_int,
    run: unsafe extern "C" fn(*mut c_void) -> c_int,
    free: unsafe extern "C" fn(*mut c_void),
    write_data: unsafe extern "C" fn(*mut c_void, *const c_char, *const c_void, c_int) -> c_int,
    set_eoi: unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int,
    set_callback:
        unsafe extern "C" fn(*mut c_void, *const c_char, SinkCallback, *mut c_void) -> c_int,
    num_elements: unsafe extern "C" fn(*mut c_void, *const c_char, *mut c_long) -> c_int,
    element_name:
        unsafe extern "C" fn(*mut c_void, *const c_char, c_long, *mut *const c_char) -> c_int,
    error_msg: unsafe extern "C" fn(*mut c_void) -> *const c_char,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub library: PathBuf,
    pub config: PathBuf,
    pub options: Vec<(String, String)>,
    pub source: String,
    pub sink: String,
}

impl Settings {
    pub fn from_env() -> Result<Self, String> {
        let library = std::env::var_os("SERLAB_SMILEAPI_LIB").map(PathBuf::from).ok_or(
            "openSMILE library not found at $SERLAB_SMILEAPI_LIB (not set): point it, or `library` in the [smileapi] table of datasets.toml, at libSMILEapi.so",
        )?;
        if !library.is_file() {
            return Err(format!(
                "openSMILE library not found at {}",
                library.display()
            ));
        }
        let config = std::env::var_os("SERLAB_SMILEAPI_CONFIG")
            .map(PathBuf::from)
            .ok_or("no openSMILE config: set SERLAB_SMILEAPI_CONFIG, or `config` in the [smileapi] table of datasets.toml, to a .conf file")?;
        if !config.is_file() {
            return Err(format!(
                "openSMILE config not found at {}",
                config.display()
            ));
        }
        let options = match std::env::var("SERLAB_SMILEAPI_OPTIONS") {
            Ok(text) => parse_options(&text)?,
            Err(_) => default_io_options(&config),
        };
        Ok(Self {
            library,
            config,
            options,
            source: std::env::var("SERLAB_SMILEAPI_SOURCE").unwrap_or_else(|_| "extsource".into()),
            sink: std::env::var("SERLAB_SMILEAPI_SINK").unwrap_or_else(|_| "extsink".into()),
        })
    }
}

fn parse_options(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(';')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| format!("SERLAB_SMILEAPI_OPTIONS: `{pair}` is not name=value"))
        })
        .collect()
}

/// The external source and sink includes of the `opensmile` Python package's config tree: in
/// `shared/` of the nearest folder above the config that has them (the package's configs sit one
/// level deep, `compare/`, `emobase/`, or two, `egemaps/v02/`).
fn default_io_options(config: &Path) -> Vec<(String, String)> {
    for root in config.ancestors().skip(1) {
        let shared = root.join("shared");
        let source = shared.join("standard_external_wave_input.conf.inc");
        let sink = shared.join("standard_external_data_output_single.conf.inc");
        if source.is_file() && sink.is_file() {
            return vec![
                ("source".into(), source.display().to_string()),
                ("sink".into(), sink.display().to_string()),
            ];
        }
    }
    Vec::new()
}

pub struct Bridge {
    pub settings: Settings,
    pub names: Vec<String>,
    api: Api,
    // Keeps the symbols in `api` valid; never unloaded.
    _library: Library,
}

// SAFETY: the function pointers are plain C entry points; each call creates its own smile object.
unsafe impl Sync for Bridge {}
unsafe impl Send for Bridge {}

fn cstring(text: &str) -> Result<CString, String> {
    CString::new(text).map_err(|_| format!("`{text}` contains a NUL byte"))
}

/// A log file for one openSMILE initialisation, removed on drop.
struct InitLog {
    path: PathBuf,
}

impl InitLog {
    fn new() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("serlab-smileapi-{}-{n}.log", std::process::id()));
        Self { path }
    }

    /// The log's error lines (else its last lines), joined: what openSMILE said went wrong.
    fn errors(&self) -> String {
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let errors: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| l.contains("ERROR") || l.contains("error"))
            .collect();
        let chosen = if errors.is_empty() {
            &lines[lines.len().saturating_sub(3)..]
        } else {
            &errors[..]
        };
        chosen.join(" / ")
    }
}

impl Drop for InitLog {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One initialised openSMILE instance, freed on drop.
struct Instance<'a> {
    api: &'a Api,
    obj: *mut c_void,
}

impl Drop for Instance<'_> {
    fn drop(&mut self) {
        // SAFETY: obj came from smile_new and is freed once.
        unsafe { (self.api.free)(self.obj) }
    }
}

impl Instance<'_> {
    fn error(&self, what: &str, code: c_int) -> String {
        // SAFETY: smile_error_msg returns a NUL-terminated string owned by the object, or NULL.
        let msg = unsafe {
            let p = (self.api.error_msg)(self.obj);
            if p.is_null() {
                String::new()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        };
        format!("openSMILE {what} failed (code {code}): {msg}")
    }
}

impl Bridge {
    pub fn open(settings: Settings) -> Result<Self, String> {
        // SAFETY: loading a library runs its initialisers; the user chose this file as openSMILE.
        let library = unsafe { Library::new(&settings.library) }.map_err(|e| {
            format!(
                "cannot load openSMILE library {}: {e}",
                settings.library.display()
            )
        })?;
        macro_rules! sym {
            ($name:literal) => {
                // SAFETY: the symbol types follow openSMILE's published SMILEapi header.
                *unsafe { library.get($name) }.map_err(|e| {
                    format!(
                        "{} is not an openSMILE SMILEapi library: {e}",
                        settings.library.display()
                    )
                })?
            };
        }
        let api = Api {
            new: sym!(b"smile_new\0"),
            initialize: sym!(b"smile_initialize\0"),
            run: sym!(b"smile_run\0"),
            free: sym!(b"smile_free\0"),
            write_data: sym!(b"smile_extaudiosource_write_data\0"),
            set_eoi: sym!(b"smile_extaudiosource_set_external_eoi\0"),
            set_callback: sym!(b"smile_extsink_set_data_callback\0"),
            num_elements: sym!(b"smile_extsink_get_num_elements\0"),
            element_name: sym!(b"smile_extsink_get_element_name\0"),
            error_msg: sym!(b"smile_error_msg\0"),
        };
        let mut bridge = Self {
            settings,
            names: Vec::new(),
            api,
            _library: library,
        };
        bridge.names = bridge.query_names()?;
        if bridge.names.is_empty() {
            return Err(format!(
                "the config {} gives no features at sink `{}`",
                bridge.settings.config.display(),
                bridge.settings.sink
            ));
        }
        Ok(bridge)
    }

    fn instance(&self, sample_rate: u32) -> Result<Instance<'_>, String> {
        let mut owned: Vec<(CString, CString)> = Vec::new();
        for (k, v) in &self.settings.options {
            owned.push((cstring(k)?, cstring(v)?));
        }
        owned.push((cstring("sampleRate")?, cstring(&sample_rate.to_string())?));
        owned.push((cstring("nBits")?, cstring("16")?));
        let opts: Vec<SmileOpt> = owned
            .iter()
            .map(|(k, v)| SmileOpt {
                name: k.as_ptr(),
                value: v.as_ptr(),
            })
            .collect();
        let config = cstring(&self.settings.config.display().to_string())?;
        // SAFETY: smile_new has no preconditions; the instance frees the object on drop.
        let instance = Instance {
            api: &self.api,
            obj: unsafe { (self.api.new)() },
        };
        if instance.obj.is_null() {
            return Err("smile_new returned NULL".into());
        }
        // openSMILE says why a config fails in its log, not in smile_error_msg: log to a file of
        // our own (never the console: serlab's screen is not openSMILE's), read it on failure.
        let log = InitLog::new();
        let log_path = cstring(&log.path.display().to_string())?;
        // SAFETY: all strings are NUL-terminated and outlive the call; log level 2, no console.
        let code = unsafe {
            (self.api.initialize)(
                instance.obj,
                config.as_ptr(),
                opts.len() as c_int,
                opts.as_ptr(),
                2,
                0,
                0,
                log_path.as_ptr(),
            )
        };
        if code != SMILE_SUCCESS {
            let mut message = instance.error(
                &format!("initialisation with {}", self.settings.config.display()),
                code,
            );
            let said = log.errors();
            if !said.is_empty() {
                message.push_str(&format!(" openSMILE's log: {said}"));
            }
            return Err(message);
        }
        Ok(instance)
    }

    fn query_names(&self) -> Result<Vec<String>, String> {
        let instance = self.instance(16_000)?;
        let sink = cstring(&self.settings.sink)?;
        let mut count: c_long = 0;
        // SAFETY: valid object and NUL-terminated component name; count is a valid out pointer.
        let code = unsafe { (self.api.num_elements)(instance.obj, sink.as_ptr(), &mut count) };
        if code != SMILE_SUCCESS {
            return Err(instance.error("smile_extsink_get_num_elements", code));
        }
        let mut names = Vec::with_capacity(count.max(0) as usize);
        for i in 0..count {
            let mut name: *const c_char = std::ptr::null();
            // SAFETY: as above; openSMILE owns the returned string while the object lives.
            let code =
                unsafe { (self.api.element_name)(instance.obj, sink.as_ptr(), i, &mut name) };
            if code != SMILE_SUCCESS || name.is_null() {
                return Err(instance.error("smile_extsink_get_element_name", code));
            }
            // SAFETY: non-null, NUL-terminated.
            names.push(
                unsafe { CStr::from_ptr(name) }
                    .to_string_lossy()
                    .into_owned(),
            );
        }
        Ok(names)
    }

    /// Runs the config over one clip; every row the sink receives is returned.
    pub fn run(&self, samples: &[f32], sample_rate: u32) -> Result<Vec<Vec<f32>>, String> {
        let instance = self.instance(sample_rate)?;
        let source = cstring(&self.settings.source)?;
        let sink = cstring(&self.settings.sink)?;
        let mut rows: Vec<Vec<f32>> = Vec::new();
        unsafe extern "C" fn collect(data: *const f32, size: c_long, param: *mut c_void) -> c_int {
            // SAFETY: param is the `rows` vector passed below, alive for the whole run; data
            // points to `size` floats for the duration of the call.
            let rows = &mut *(param as *mut Vec<Vec<f32>>);
            rows.push(std::slice::from_raw_parts(data, size.max(0) as usize).to_vec());
            1
        }
        // SAFETY: the callback and its parameter stay valid until the instance is freed.
        let code = unsafe {
            (self.api.set_callback)(
                instance.obj,
                sink.as_ptr(),
                collect,
                &mut rows as *mut Vec<Vec<f32>> as *mut c_void,
            )
        };
        if code != SMILE_SUCCESS {
            return Err(instance.error("smile_extsink_set_data_callback", code));
        }
        // The same conversion openSMILE's Python wrapper makes: int16 PCM.
        let pcm: Vec<i16> = samples
            .iter()
            .map(|&x| (x * 32768.0).clamp(-32768.0, 32767.0) as i16)
            .collect();
        let bytes = pcm.len() * 2;
        if bytes > c_int::MAX as usize {
            return Err("clip too long for one openSMILE write".into());
        }
        // SAFETY: pcm holds `bytes` bytes and lives across the call.
        let code = unsafe {
            (self.api.write_data)(
                instance.obj,
                source.as_ptr(),
                pcm.as_ptr() as *const c_void,
                bytes as c_int,
            )
        };
        if code != SMILE_SUCCESS {
            return Err(instance.error("smile_extaudiosource_write_data", code));
        }
        // SAFETY: valid object and component name.
        let code = unsafe { (self.api.set_eoi)(instance.obj, source.as_ptr()) };
        if code != SMILE_SUCCESS {
            return Err(instance.error("smile_extaudiosource_set_external_eoi", code));
        }
        // SAFETY: valid, initialised object; runs to the end of input.
        let code = unsafe { (self.api.run)(instance.obj) };
        if code != SMILE_SUCCESS {
            return Err(instance.error("smile_run", code));
        }
        drop(instance);
        Ok(rows)
    }
}
