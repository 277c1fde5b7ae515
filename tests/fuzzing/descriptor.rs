//! Plugin descriptors built from fuzz bytes: every field and string comes from the input, but
//! every pointer stays valid (a host cannot defend against a wild pointer; it can against every
//! value behind a valid one), so the fuzzing exercises the host's checks, not the kernel's.

use serlab_plugin_api::*;
use std::cell::RefCell;
use std::ffi::CString;
use std::os::raw::c_char;

/// Reads choices from the input, zeros once it runs out.
struct Choices<'a> {
    bytes: &'a [u8],
}

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((first, rest)) => {
                self.bytes = rest;
                *first
            }
            None => 0,
        }
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    fn f64(&mut self) -> f64 {
        match self.byte() % 8 {
            0 => 0.0,
            1 => 100.0,
            2 => -1.0,
            3 => f64::NAN,
            4 => f64::INFINITY,
            5 => 1e300,
            _ => f64::from(self.u32()) / 1000.0,
        }
    }

    /// A C string of input bytes (any encoding), or sometimes a well-formed name.
    fn text(&mut self) -> CString {
        let len = self.byte() as usize % 24;
        let mut bytes: Vec<u8> = (0..len).map(|_| self.byte()).filter(|&b| b != 0).collect();
        if self.byte().is_multiple_of(2) {
            bytes.retain(|b| b.is_ascii_alphanumeric());
            if bytes.is_empty() {
                bytes.push(b'x');
            }
        }
        CString::new(bytes).expect("NULs removed")
    }
}

thread_local! {
    /// What the fuzzed plugin's layout() reports: usually the descriptor's own names.
    static LAYOUT_NAMES: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

unsafe extern "C" fn fuzzed_layout(
    _params: *const f64,
    _param_count: u32,
    _sample_rate: u32,
    _sample_count: u64,
    features: *mut u32,
    frames: *mut u64,
    names: *mut c_char,
    capacity: u64,
    names_len: *mut u64,
) -> i32 {
    LAYOUT_NAMES.with(|joined| {
        let joined = joined.borrow();
        let count = joined.split(|&b| b == b'\n').count() as u32;
        *features = count;
        *frames = 1;
        *names_len = joined.len() as u64 + 1;
        if !names.is_null() {
            if capacity < joined.len() as u64 + 1 {
                return SERLAB_ERR_BUFFER_TOO_SMALL;
            }
            std::ptr::copy_nonoverlapping(joined.as_ptr(), names as *mut u8, joined.len());
            *names.add(joined.len()) = 0;
        }
        SERLAB_OK
    })
}

unsafe extern "C" fn fuzzed_extract(_args: *const serlab_extract_args_v1) -> i32 {
    SERLAB_ERR_INTERNAL
}

/// A descriptor and everything its pointers point at.
pub struct Fuzzed {
    descriptor: Box<serlab_plugin_descriptor_v1>,
    _strings: Vec<CString>,
    _name_table: Vec<*const c_char>,
    _params: Vec<serlab_param_v1>,
}

impl Fuzzed {
    pub fn from_bytes(input: &[u8]) -> Self {
        let mut c = Choices { bytes: input };
        let mut strings = Vec::new();
        let mut keep = |s: CString| -> *const c_char {
            let ptr = s.as_ptr();
            strings.push(s);
            ptr
        };
        let maybe_text = |c: &mut Choices, keep: &mut dyn FnMut(CString) -> *const c_char| {
            if c.byte() % 8 == 7 {
                std::ptr::null()
            } else {
                let text = c.text();
                keep(text)
            }
        };
        let abi_version = match c.byte() % 8 {
            0 => 0,
            1 => 2,
            2 => c.u32(),
            _ => SERLAB_PLUGIN_ABI_VERSION,
        };
        let full = std::mem::size_of::<serlab_plugin_descriptor_v1>() as u32;
        let struct_size = match c.byte() % 8 {
            0 => 0,
            1 => 24,
            2 => full + 8,
            _ => full,
        };
        let name = maybe_text(&mut c, &mut keep);
        let version = maybe_text(&mut c, &mut keep);
        let description = maybe_text(&mut c, &mut keep);
        let output_kind = match c.byte() % 6 {
            0 => SERLAB_OUTPUT_SEQUENCE,
            1 => c.u32(),
            _ => SERLAB_OUTPUT_VECTOR,
        };
        let frame_rate = c.f64();
        // The names table: `listed` entries then the NULL terminator; the count may disagree.
        let listed = c.byte() as usize % 6;
        let mut name_table: Vec<*const c_char> = Vec::new();
        let mut joined = Vec::new();
        for i in 0..listed {
            let entry = maybe_text(&mut c, &mut keep);
            if !entry.is_null() {
                if i > 0 {
                    joined.push(b'\n');
                }
                // SAFETY: `entry` points into a CString kept in `strings`.
                joined.extend_from_slice(unsafe { std::ffi::CStr::from_ptr(entry) }.to_bytes());
            }
            name_table.push(entry);
        }
        name_table.push(std::ptr::null());
        let feature_count = match c.byte() % 8 {
            0 => listed.saturating_sub(1) as u32,
            1 => listed as u32 + 1,
            2 => c.u32(),
            _ => listed as u32,
        };
        if c.byte().is_multiple_of(8) {
            joined.extend_from_slice(b"\nsurplus");
        }
        LAYOUT_NAMES.with(|names| *names.borrow_mut() = joined);
        let param_count = c.byte() as usize % 4;
        let params: Vec<serlab_param_v1> = (0..param_count)
            .map(|_| serlab_param_v1 {
                name: maybe_text(&mut c, &mut keep),
                kind: match c.byte() % 5 {
                    4 => c.u32(),
                    k => u32::from(k % 3),
                },
                default_value: c.f64(),
                min: c.f64(),
                max: c.f64(),
                description: maybe_text(&mut c, &mut keep),
            })
            .collect();
        let feature_names = if c.byte().is_multiple_of(16) {
            std::ptr::null()
        } else {
            name_table.as_ptr()
        };
        let params_ptr = if param_count > 0 && c.byte().is_multiple_of(16) {
            std::ptr::null()
        } else {
            params.as_ptr()
        };
        let layout: Option<LayoutFn> = (!c.byte().is_multiple_of(16)).then_some(fuzzed_layout);
        let extract: Option<ExtractFn> = (!c.byte().is_multiple_of(16)).then_some(fuzzed_extract);
        let descriptor = Box::new(serlab_plugin_descriptor_v1 {
            abi_version,
            struct_size,
            name,
            version,
            description,
            output_kind,
            frame_rate,
            feature_count,
            feature_names,
            param_count: param_count as u32,
            params: params_ptr,
            layout,
            extract,
        });
        Self {
            descriptor,
            _strings: strings,
            _name_table: name_table,
            _params: params,
        }
    }

    pub fn as_ptr(&self) -> *const serlab_plugin_descriptor_v1 {
        &*self.descriptor
    }
}
