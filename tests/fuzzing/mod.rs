//! A small, dependency-free mutation fuzzer for the test suite: inputs grown from seed files by
//! byte-level mutations, each run under `catch_unwind` with its heap use measured by a counting
//! allocator. Deterministic (seeded per target), bounded (a fixed number of executions).

pub mod descriptor;

use serlab::util::rng::SplitMix64;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::Instant;

/// No single input may make a parser hold more than this on the heap at once.
pub const MEMORY_LIMIT: usize = 64 << 20;
const MAX_INPUT: usize = 64 << 10;

// Heap use per thread (tests run on several threads at once; each measures its own).
thread_local! {
    static IN_USE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static QUIET_PANICS: Cell<bool> = const { Cell::new(false) };
}

struct Counting;

fn account(delta: isize) {
    let _ = IN_USE.try_with(|used| {
        let now = used.get() + delta;
        used.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: forwards to the system allocator; the bookkeeping touches only const thread-locals.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        account(layout.size() as isize);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        account(-(layout.size() as isize));
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        account(layout.size() as isize);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        account(new_size as isize - layout.size() as isize);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`, returning its result and the most heap it held at once beyond what was in use before.
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = IN_USE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(Cell::get);
    (out, (peak - base).max(0) as usize)
}

pub enum Outcome {
    /// Parsed into something valid.
    Accepted,
    /// Refused with a clear error.
    Rejected,
    /// Neither: a wrong result or an unclear error.
    Bad(String),
}

#[derive(Debug)]
pub struct Report {
    pub target: String,
    pub executions: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub peak_bytes: usize,
    pub failures: Vec<String>,
}

impl Report {
    pub fn assert_clean(&self) {
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} inputs failed:\n{}",
            self.target,
            self.failures.len(),
            self.executions,
            self.failures
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// `SERLAB_FUZZ_SCALE` multiplies every target's default count (longer campaigns by hand).
fn iterations(default: usize) -> usize {
    let scale: f64 = std::env::var("SERLAB_FUZZ_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|s: &f64| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0);
    (default as f64 * scale).round() as usize
}

/// Keeps the default panic message for every thread but the fuzzing ones.
fn install_quiet_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET_PANICS.with(Cell::get) {
                default(info);
            }
        }));
    });
}

/// Runs every seed as it is, then `default_iterations` mutated inputs (times
/// `SERLAB_FUZZ_SCALE`), through `run`.
pub fn fuzz(
    target: &str,
    seeds: &[Vec<u8>],
    default_iterations: usize,
    run: impl Fn(&[u8]) -> Outcome,
) -> Report {
    assert!(!seeds.is_empty(), "{target}: no seeds");
    install_quiet_hook();
    let mut report = Report {
        target: target.into(),
        executions: 0,
        accepted: 0,
        rejected: 0,
        peak_bytes: 0,
        failures: Vec::new(),
    };
    let mut rng = SplitMix64::from_str_seed(0x5e71ab, target);
    let total = seeds.len() + iterations(default_iterations);
    let started = Instant::now();
    for i in 0..total {
        let input = if i < seeds.len() {
            seeds[i].clone()
        } else {
            mutate(seeds, &mut rng)
        };
        QUIET_PANICS.with(|q| q.set(true));
        let result = catch_unwind(AssertUnwindSafe(|| measure(|| run(&input))));
        QUIET_PANICS.with(|q| q.set(false));
        report.executions += 1;
        let problem = match result {
            Err(panic) => Some(format!(
                "panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
            Ok((outcome, peak)) => {
                report.peak_bytes = report.peak_bytes.max(peak);
                match outcome {
                    _ if peak > MEMORY_LIMIT => Some(format!("held {peak} bytes of heap")),
                    Outcome::Accepted => {
                        report.accepted += 1;
                        None
                    }
                    Outcome::Rejected => {
                        report.rejected += 1;
                        None
                    }
                    Outcome::Bad(why) => Some(why),
                }
            }
        };
        if let Some(problem) = problem {
            // Kept in the build folder's scratch space (cleaned with it), not in /tmp: the
            // harness's own self-test fails on purpose every run.
            let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
            let saved = folder.join(format!("{target}-{i}.bin"));
            let _ = std::fs::create_dir_all(&folder).and_then(|()| std::fs::write(&saved, &input));
            report
                .failures
                .push(format!("input {i} ({}): {problem}", saved.display()));
        }
    }
    println!(
        "fuzz {target}: {} executions in {:.1} s, {} accepted, {} rejected, {} failed, peak heap {} KiB",
        report.executions,
        started.elapsed().as_secs_f64(),
        report.accepted,
        report.rejected,
        report.failures.len(),
        report.peak_bytes / 1024
    );
    report
}

const TOKENS: &[&[u8]] = &[
    b"RIFF",
    b"WAVE",
    b"fmt ",
    b"data",
    b"LIST",
    b"\xfe\xff",
    b"[[corpus]]\n",
    b"[labels]\n",
    b"[plugins]\n",
    b"[smileapi]\n",
    b"kind = \"ravdess\"\n",
    b"path = \"",
    b"classes = [",
    b"enabled = ",
    b"sample_rate = ",
    b"\"",
    b"=",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b"\n",
    b"#",
    b"\\u0000",
    b"\xef\xbb\xbf",
    b"1e400",
    b"-1",
    b"nan",
    b"inf",
    b"/",
    b"\\",
    b"..",
    b"_",
    b"-",
    b".wav",
    b"Actor_",
    b"\xff\xfe",
    b"\xc3\x28",
    b"\0",
];

fn pick<'a, T>(rng: &mut SplitMix64, items: &'a [T]) -> &'a T {
    &items[(rng.next_u64() % items.len() as u64) as usize]
}

fn below(rng: &mut SplitMix64, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (rng.next_u64() % n as u64) as usize
    }
}

fn mutate(seeds: &[Vec<u8>], rng: &mut SplitMix64) -> Vec<u8> {
    let mut data = pick(rng, seeds).clone();
    let rounds = 1 + below(rng, 4);
    for _ in 0..rounds {
        let len = data.len();
        match below(rng, 11) {
            0 if len > 0 => {
                let i = below(rng, len);
                data[i] ^= 1 << below(rng, 8);
            }
            1 if len > 0 => {
                let i = below(rng, len);
                data[i] = *pick(rng, &[0u8, 1, 0x7f, 0x80, 0xff, b' ', b'\n']);
            }
            2 if len >= 4 => {
                let i = below(rng, len - 3);
                let value = *pick(
                    rng,
                    &[
                        0u32,
                        1,
                        2,
                        16,
                        44,
                        0x7fff_ffff,
                        0x8000_0000,
                        0xffff_fffe,
                        0xffff_ffff,
                    ],
                );
                data[i..i + 4].copy_from_slice(&value.to_le_bytes());
            }
            3 if len >= 2 => {
                let i = below(rng, len - 1);
                let value = *pick(rng, &[0u16, 1, 3, 8, 16, 24, 32, 64, 0x55, 0xfffe, 0xffff]);
                data[i..i + 2].copy_from_slice(&value.to_le_bytes());
            }
            4 => data.truncate(below(rng, len + 1)),
            5 if len > 0 => {
                let from = below(rng, len);
                let to = (from + 1 + below(rng, 64)).min(len);
                data.drain(from..to);
            }
            6 => {
                let at = below(rng, len + 1);
                let bytes: Vec<u8> = (0..1 + below(rng, 16))
                    .map(|_| rng.next_u64() as u8)
                    .collect();
                data.splice(at..at, bytes);
            }
            7 if len > 0 => {
                let from = below(rng, len);
                let to = (from + 1 + below(rng, 256)).min(len);
                let copy = data[from..to].to_vec();
                let at = below(rng, len + 1);
                data.splice(at..at, copy);
            }
            8 => {
                let other = pick(rng, seeds);
                let cut = below(rng, len + 1);
                let from = below(rng, other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            9 => {
                let at = below(rng, len + 1);
                let token = pick(rng, TOKENS).to_vec();
                data.splice(at..at, token);
            }
            _ => {
                // A long run: very long names, strings and lines.
                let at = below(rng, len + 1);
                let byte = *pick(rng, &[b'a', b'/', b'0', 0xff]);
                data.splice(at..at, std::iter::repeat_n(byte, 1 + below(rng, 5000)));
            }
        }
        data.truncate(MAX_INPUT);
    }
    data
}
