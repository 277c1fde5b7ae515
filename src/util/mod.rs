//! Small helpers shared by several modules: a deterministic RNG, atomic file writes, allocator
//! settings for training, and a guard that keeps C libraries (ALSA) from writing onto the user's
//! terminal, and text helpers for messages.

pub mod atomic;
pub mod memory;
pub mod rng;
pub mod stderr_redirect;
pub mod text;
pub mod time;
