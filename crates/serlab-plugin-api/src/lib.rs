//! The serlab plugin ABI, version 1: a plain C ABI, shown here as the C header it is equivalent to
//! (`include/serlab_plugin.h` is that header, for plugins written in C).
//!
//! ```c
//! #define SERLAB_PLUGIN_ABI_VERSION 1
//! /* The one exported symbol of a version-1 plugin. */
//! const serlab_plugin_descriptor_v1 *serlab_plugin_v1(void);
//!
//! typedef struct {
//!     const char *name;          /* UTF-8, NUL-terminated, e.g. "n_mfcc" */
//!     uint32_t    kind;          /* SERLAB_PARAM_FLOAT / _INT / _BOOL */
//!     double      default_value;
//!     double      min, max;      /* inclusive range; the host rejects values outside it */
//!     const char *description;
//! } serlab_param_v1;
//!
//! typedef struct {
//!     uint32_t      struct_size;   /* sizeof(serlab_extract_args_v1), set by the host */
//!     const float  *samples;       /* mono, f32 in [-1, 1] */
//!     uint64_t      sample_count;
//!     uint32_t      sample_rate;
//!     const double *params;        /* param_count values, in the descriptor's order */
//!     uint32_t      param_count;
//!     float        *out;           /* host-owned: out_capacity floats, row-major frames x features */
//!     uint64_t      out_capacity;
//!     uint64_t     *out_frames;    /* the plugin writes how many frames it filled (1 for vectors) */
//!     char         *error;         /* host-owned: on failure a NUL-terminated UTF-8 message */
//!     uint32_t      error_capacity;
//! } serlab_extract_args_v1;
//!
//! typedef struct {
//!     uint32_t abi_version;        /* first, always: SERLAB_PLUGIN_ABI_VERSION */
//!     uint32_t struct_size;        /* sizeof(serlab_plugin_descriptor_v1) */
//!     const char *name, *version, *description;   /* UTF-8, NUL-terminated, static */
//!     uint32_t output_kind;        /* SERLAB_OUTPUT_VECTOR (one row per clip) or _SEQUENCE */
//!     double   frame_rate;         /* frames per second for sequences, 0 for vectors */
//!     uint32_t feature_count;      /* with the default parameters */
//!     const char *const *feature_names;  /* feature_count names, then a NULL terminator */
//!     uint32_t param_count;
//!     const serlab_param_v1 *params;
//!     /* Features and frames for given parameters and input length. Either out pointer may be
//!        NULL. names_buf (host-owned, names_capacity bytes) receives the feature names joined by
//!        '\n' and NUL-terminated; a too-small buffer gives SERLAB_ERR_BUFFER_TOO_SMALL with
//!        *names_len set to the size needed. */
//!     int32_t (*layout)(const double *params, uint32_t param_count, uint32_t sample_rate,
//!                       uint64_t sample_count, uint32_t *features, uint64_t *frames,
//!                       char *names_buf, uint64_t names_capacity, uint64_t *names_len);
//!     int32_t (*extract)(const serlab_extract_args_v1 *args);
//! } serlab_plugin_descriptor_v1;
//! ```
//!
//! Rules: the host owns every buffer the plugin writes into, so no memory crosses the boundary to
//! be freed; strings in the descriptor live as long as the library (the host never unloads it);
//! every call returns a status code (`SERLAB_OK` or an error, with a message in `args.error`).
//! Like CLAP, the ABI grows by new versioned symbols (`serlab_plugin_v2`, ...); a version-1
//! struct never changes shape.

#![allow(non_camel_case_types)]

use std::os::raw::c_char;

/// Writes computed values into the host's `out` buffer as `f32`, as far as both go (the host sized
/// `out` from the plugin's layout). Returns how many were written.
pub fn write_values(out: &mut [f32], values: impl IntoIterator<Item = f64>) -> usize {
    let mut written = 0;
    for (o, v) in out.iter_mut().zip(values) {
        *o = v as f32;
        written += 1;
    }
    written
}

mod export;
pub use export::{
    descriptor_for, extract_entry, layout_entry, ExtractError, OutputKind, ParamKind, ParamSpec,
    Plugin, PluginInfo,
};

pub const SERLAB_PLUGIN_ABI_VERSION: u32 = 1;
/// The entry symbol of a version-1 plugin, NUL-terminated for `dlsym`.
pub const SERLAB_PLUGIN_ENTRY_V1: &[u8] = b"serlab_plugin_v1\0";

pub const SERLAB_OUTPUT_VECTOR: u32 = 0;
pub const SERLAB_OUTPUT_SEQUENCE: u32 = 1;

pub const SERLAB_PARAM_FLOAT: u32 = 0;
pub const SERLAB_PARAM_INT: u32 = 1;
pub const SERLAB_PARAM_BOOL: u32 = 2;

pub const SERLAB_OK: i32 = 0;
/// The input is unusable (too short, wrong rate, bad parameter).
pub const SERLAB_ERR_INVALID_INPUT: i32 = 1;
/// A host buffer is too small; the size needed is reported through the out pointers.
pub const SERLAB_ERR_BUFFER_TOO_SMALL: i32 = 2;
/// The plugin failed for its own reasons.
pub const SERLAB_ERR_INTERNAL: i32 = 3;
/// The plugin panicked; the export wrapper caught it before it could cross the C boundary.
pub const SERLAB_ERR_PANIC: i32 = 4;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct serlab_param_v1 {
    pub name: *const c_char,
    pub kind: u32,
    pub default_value: f64,
    pub min: f64,
    pub max: f64,
    pub description: *const c_char,
}

#[repr(C)]
#[derive(Debug)]
pub struct serlab_extract_args_v1 {
    pub struct_size: u32,
    pub samples: *const f32,
    pub sample_count: u64,
    pub sample_rate: u32,
    pub params: *const f64,
    pub param_count: u32,
    pub out: *mut f32,
    pub out_capacity: u64,
    pub out_frames: *mut u64,
    pub error: *mut c_char,
    pub error_capacity: u32,
}

pub type LayoutFn = unsafe extern "C" fn(
    params: *const f64,
    param_count: u32,
    sample_rate: u32,
    sample_count: u64,
    features: *mut u32,
    frames: *mut u64,
    names_buf: *mut c_char,
    names_capacity: u64,
    names_len: *mut u64,
) -> i32;

pub type ExtractFn = unsafe extern "C" fn(args: *const serlab_extract_args_v1) -> i32;

#[repr(C)]
#[derive(Debug)]
pub struct serlab_plugin_descriptor_v1 {
    pub abi_version: u32,
    pub struct_size: u32,
    pub name: *const c_char,
    pub version: *const c_char,
    pub description: *const c_char,
    pub output_kind: u32,
    pub frame_rate: f64,
    pub feature_count: u32,
    pub feature_names: *const *const c_char,
    pub param_count: u32,
    pub params: *const serlab_param_v1,
    pub layout: Option<LayoutFn>,
    pub extract: Option<ExtractFn>,
}

pub type EntryFnV1 = unsafe extern "C" fn() -> *const serlab_plugin_descriptor_v1;

// SAFETY: the descriptor is immutable after construction and its pointers refer to data that
// lives as long as the library, so sharing it between threads is sound.
unsafe impl Sync for serlab_plugin_descriptor_v1 {}
unsafe impl Send for serlab_plugin_descriptor_v1 {}
unsafe impl Sync for serlab_param_v1 {}
unsafe impl Send for serlab_param_v1 {}
