//! Shared by the benchmarks.

/// CPU time of the whole process, in seconds: every thread's, so work a call hands to a worker
/// thread (a plugin call runs on one, under its time limit) is counted, as `time.process_time`
/// counts it for the Python references. Audio-seconds per CPU-second needs CPU time, not wall
/// time, on a shared and noisy machine; a bench measures one piece of work at a time, so the
/// process's other threads are idle meanwhile.
pub fn process_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}
