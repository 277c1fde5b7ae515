//! The Rust side of the ABI: implement [`Plugin`], then `serlab_plugin_api::export_plugin!(MyPlugin);`
//! exports it. Every exported call runs inside `catch_unwind`, because a panic unwinding out of
//! an `extern "C"` function aborts the host process.

use crate::*;
use std::cell::RefCell;
use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OutputKind {
    /// One row of features per clip.
    Vector,
    /// A sequence of frames, `frame_rate` frames per second.
    Sequence { frame_rate: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Float,
    Int,
    Bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    pub description: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PluginInfo {
    pub name: &'static str,
    pub version: &'static str,
    pub description: &'static str,
    pub kind: OutputKind,
    pub params: Vec<ParamSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractError {
    /// The input or parameters cannot be processed.
    InvalidInput(String),
    /// The plugin failed.
    Internal(String),
}

/// A feature extractor. `params` always holds one value per [`PluginInfo::params`] entry, in
/// order, already checked against the declared ranges by the host.
pub trait Plugin {
    fn info() -> PluginInfo;
    /// Names of the features produced with these parameters.
    fn feature_names(params: &[f64]) -> Vec<String>;
    /// How many frames an input of `samples` samples produces (1 for vector plugins).
    fn frame_count(params: &[f64], sample_rate: u32, samples: usize) -> usize;
    /// Fills `out` (frames x features, row-major; sized by `frame_count` and `feature_names`) and
    /// returns the number of frames written.
    fn extract(
        params: &[f64],
        sample_rate: u32,
        samples: &[f32],
        out: &mut [f32],
    ) -> Result<usize, ExtractError>;
}

/// Exports a [`Plugin`] as the `serlab_plugin_v1` symbol.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        #[no_mangle]
        pub extern "C" fn serlab_plugin_v1() -> *const $crate::serlab_plugin_descriptor_v1 {
            static DESCRIPTOR: ::std::sync::OnceLock<
                Option<&'static $crate::serlab_plugin_descriptor_v1>,
            > = ::std::sync::OnceLock::new();
            let descriptor = DESCRIPTOR.get_or_init(|| {
                ::std::panic::catch_unwind(|| $crate::descriptor_for::<$plugin>()).ok()
            });
            match descriptor {
                Some(d) => *d as *const _,
                None => ::std::ptr::null(),
            }
        }
    };
}

thread_local! {
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A plugin's panics must not print over the host's terminal UI: remember the message for the
/// error report instead. The hook belongs to the plugin's own copy of std (a cdylib links its own).
fn install_quiet_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let payload = info.payload();
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            PANIC_MESSAGE.with(|m| *m.borrow_mut() = Some(format!("{text}{location}")));
        }));
    });
}

fn take_panic_message() -> String {
    PANIC_MESSAGE
        .with(|m| m.borrow_mut().take())
        .unwrap_or_else(|| "unknown panic".into())
}

fn leak_cstr(text: &str) -> *const c_char {
    // Interior NULs cannot be represented; the host would reject a cut name anyway.
    let clean: String = text.chars().filter(|&c| c != '\0').collect();
    CString::new(clean)
        .map(|c| c.into_raw() as *const c_char)
        .unwrap_or(std::ptr::null())
}

/// Builds the static descriptor of `P` (leaked: it lives as long as the library).
pub fn descriptor_for<P: Plugin>() -> &'static serlab_plugin_descriptor_v1 {
    install_quiet_panic_hook();
    let info = P::info();
    let defaults: Vec<f64> = info.params.iter().map(|p| p.default).collect();
    let names = P::feature_names(&defaults);
    let mut name_ptrs: Vec<*const c_char> = names.iter().map(|n| leak_cstr(n)).collect();
    name_ptrs.push(std::ptr::null());
    let params: Vec<serlab_param_v1> = info
        .params
        .iter()
        .map(|p| serlab_param_v1 {
            name: leak_cstr(p.name),
            kind: match p.kind {
                ParamKind::Float => SERLAB_PARAM_FLOAT,
                ParamKind::Int => SERLAB_PARAM_INT,
                ParamKind::Bool => SERLAB_PARAM_BOOL,
            },
            default_value: p.default,
            min: p.min,
            max: p.max,
            description: leak_cstr(p.description),
        })
        .collect();
    let (output_kind, frame_rate) = match info.kind {
        OutputKind::Vector => (SERLAB_OUTPUT_VECTOR, 0.0),
        OutputKind::Sequence { frame_rate } => (SERLAB_OUTPUT_SEQUENCE, frame_rate),
    };
    Box::leak(Box::new(serlab_plugin_descriptor_v1 {
        abi_version: SERLAB_PLUGIN_ABI_VERSION,
        struct_size: std::mem::size_of::<serlab_plugin_descriptor_v1>() as u32,
        name: leak_cstr(info.name),
        version: leak_cstr(info.version),
        description: leak_cstr(info.description),
        output_kind,
        frame_rate,
        feature_count: names.len() as u32,
        feature_names: Box::leak(name_ptrs.into_boxed_slice()).as_ptr(),
        param_count: params.len() as u32,
        params: Box::leak(params.into_boxed_slice()).as_ptr(),
        layout: Some(layout_entry::<P>),
        extract: Some(extract_entry::<P>),
    }))
}

unsafe fn params_slice<'a>(params: *const f64, count: u32) -> Option<&'a [f64]> {
    if count == 0 {
        Some(&[])
    } else if params.is_null() {
        None
    } else {
        Some(std::slice::from_raw_parts(params, count as usize))
    }
}

/// # Safety
/// Called by the host through the descriptor with pointers valid for the given sizes.
pub unsafe extern "C" fn layout_entry<P: Plugin>(
    params: *const f64,
    param_count: u32,
    sample_rate: u32,
    sample_count: u64,
    features: *mut u32,
    frames: *mut u64,
    names_buf: *mut c_char,
    names_capacity: u64,
    names_len: *mut u64,
) -> i32 {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let Some(params) = params_slice(params, param_count) else {
            return SERLAB_ERR_INVALID_INPUT;
        };
        if params.len() != P::info().params.len() {
            return SERLAB_ERR_INVALID_INPUT;
        }
        let names = P::feature_names(params);
        if !features.is_null() {
            *features = names.len() as u32;
        }
        if !frames.is_null() {
            *frames = P::frame_count(params, sample_rate, sample_count as usize) as u64;
        }
        if !names_buf.is_null() || !names_len.is_null() {
            let joined = names.join("\n");
            let needed = joined.len() as u64 + 1;
            if !names_len.is_null() {
                *names_len = needed;
            }
            if !names_buf.is_null() {
                if names_capacity < needed {
                    return SERLAB_ERR_BUFFER_TOO_SMALL;
                }
                std::ptr::copy_nonoverlapping(joined.as_ptr(), names_buf as *mut u8, joined.len());
                *names_buf.add(joined.len()) = 0;
            }
        }
        SERLAB_OK
    }));
    result.unwrap_or(SERLAB_ERR_PANIC)
}

unsafe fn write_error(args: &serlab_extract_args_v1, message: &str) {
    if args.error.is_null() || args.error_capacity == 0 {
        return;
    }
    let mut end = message.len().min(args.error_capacity as usize - 1);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    std::ptr::copy_nonoverlapping(message.as_ptr(), args.error as *mut u8, end);
    *args.error.add(end) = 0;
}

/// # Safety
/// Called by the host with an argument struct whose pointers are valid for the given sizes.
pub unsafe extern "C" fn extract_entry<P: Plugin>(args: *const serlab_extract_args_v1) -> i32 {
    if args.is_null() {
        return SERLAB_ERR_INVALID_INPUT;
    }
    let args = &*args;
    if (args.struct_size as usize) < std::mem::size_of::<serlab_extract_args_v1>() {
        return SERLAB_ERR_INVALID_INPUT;
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        let Some(params) = params_slice(args.params, args.param_count) else {
            write_error(args, "parameter pointer is null");
            return SERLAB_ERR_INVALID_INPUT;
        };
        if params.len() != P::info().params.len() {
            write_error(args, "wrong number of parameters");
            return SERLAB_ERR_INVALID_INPUT;
        }
        if args.samples.is_null() || args.out.is_null() || args.out_frames.is_null() {
            write_error(args, "null buffer");
            return SERLAB_ERR_INVALID_INPUT;
        }
        let samples = std::slice::from_raw_parts(args.samples, args.sample_count as usize);
        let features = P::feature_names(params).len();
        let frames = P::frame_count(params, args.sample_rate, samples.len());
        let needed = (frames * features) as u64;
        if args.out_capacity < needed {
            *args.out_frames = frames as u64;
            write_error(
                args,
                &format!(
                    "output buffer holds {} floats, {needed} needed",
                    args.out_capacity
                ),
            );
            return SERLAB_ERR_BUFFER_TOO_SMALL;
        }
        let out = std::slice::from_raw_parts_mut(args.out, needed as usize);
        match P::extract(params, args.sample_rate, samples, out) {
            Ok(written) => {
                *args.out_frames = written as u64;
                SERLAB_OK
            }
            Err(ExtractError::InvalidInput(message)) => {
                write_error(args, &message);
                SERLAB_ERR_INVALID_INPUT
            }
            Err(ExtractError::Internal(message)) => {
                write_error(args, &message);
                SERLAB_ERR_INTERNAL
            }
        }
    }));
    match result {
        Ok(status) => status,
        Err(_) => {
            write_error(args, &format!("plugin panicked: {}", take_panic_message()));
            SERLAB_ERR_PANIC
        }
    }
}
