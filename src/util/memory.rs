//! Keeping freed memory in the process while training. Each training step allocates and frees
//! the same large buffers (activations, gradients: megabytes to tens of megabytes each). glibc
//! returns such blocks to the kernel on free and takes them back on the next allocation, so
//! every step pays page faults and cross-core TLB flushes for memory it just had; on the
//! (300, 40) sequence model that cost a quarter of the step time and made it vary by half.
//! Above the thresholds set here, glibc keeps the blocks, and the footprint stays at the peak
//! of one step.

use std::sync::Once;

/// Sets glibc's allocation thresholds once per process (no-op elsewhere).
pub fn keep_freed_memory() {
    static SET: Once = Once::new();
    SET.call_once(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: mallopt only changes allocator parameters; these are valid ones.
        unsafe {
            // Blocks below 1 GiB come from the heap rather than fresh mappings (older glibc
            // caps the threshold at 32 MiB)...
            if libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 30) == 0 {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
            }
            // ...and the heap is not trimmed back to the kernel below 1 GiB free at its top.
            libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        }
    });
}
