//! serlab: a terminal lab for speech emotion recognition. The library does the work; the CLI
//! (`cli`) and the terminal UI (`tui`) are two thin faces over it.

pub mod audio;
pub mod augment;
pub mod cli;
pub mod config;
pub mod corpus;
pub mod features;
pub mod listen;
pub mod model;
pub mod relabel;
pub mod train;
pub mod tui;
pub mod util;
