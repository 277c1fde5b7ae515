//! The plugin-host side: what `serlab __plugin-host probe|serve PATH` does. Its stdin and stdout
//! carry the protocol (`wire`); the plugin's own writes to stdout are sent to stderr, so nothing
//! a plugin prints can garble a reply.

use super::wire::{read_message, write_message, Reply, Request};
use super::HIDDEN_COMMAND;
use crate::features::Plugin;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::os::fd::FromRawFd;
use std::path::PathBuf;
use std::process::ExitCode;

/// Runs the plugin-host mode when the arguments ask for it; `None` otherwise.
pub fn run_if_requested() -> Option<ExitCode> {
    let mut args = std::env::args_os().skip(1);
    if args.next()? != HIDDEN_COMMAND {
        return None;
    }
    let mode = args.next().and_then(|m| m.into_string().ok());
    let path = args.next().map(PathBuf::from);
    Some(match (mode.as_deref(), path) {
        (Some("probe"), Some(path)) => probe(path),
        (Some("serve"), Some(path)) => serve(path),
        _ => {
            eprintln!("serlab: {HIDDEN_COMMAND} is internal: {HIDDEN_COMMAND} probe|serve PATH");
            ExitCode::from(2)
        }
    })
}

/// Takes over stdin and stdout for the protocol and points the standard descriptors elsewhere.
fn protocol_pipes() -> std::io::Result<(File, File)> {
    // SAFETY: dup/dup2/open on the standard descriptors of this fresh process; the duplicates
    // are owned by the returned files alone.
    unsafe {
        let input = libc::dup(libc::STDIN_FILENO);
        let output = libc::dup(libc::STDOUT_FILENO);
        if input < 0 || output < 0 {
            return Err(std::io::Error::last_os_error());
        }
        libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO);
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
        if null >= 0 {
            libc::dup2(null, libc::STDIN_FILENO);
            libc::close(null);
        }
        Ok((File::from_raw_fd(input), File::from_raw_fd(output)))
    }
}

fn probe(path: PathBuf) -> ExitCode {
    let Ok((_, output)) = protocol_pipes() else {
        return ExitCode::from(3);
    };
    let reply = match Plugin::load(&path) {
        Ok(plugin) => Reply::Ready(plugin.info()),
        Err(error) => Reply::Failed(error),
    };
    match write_message(&mut BufWriter::new(output), &reply, &[]) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(3),
    }
}

fn serve(path: PathBuf) -> ExitCode {
    let Ok((input, output)) = protocol_pipes() else {
        return ExitCode::from(3);
    };
    let mut input = BufReader::new(input);
    let mut output = BufWriter::new(output);
    let plugin = match Plugin::load(&path) {
        Ok(plugin) => plugin,
        Err(error) => {
            let _ = write_message(&mut output, &Reply::Failed(error), &[]);
            return ExitCode::SUCCESS;
        }
    };
    if write_message(&mut output, &Reply::Ready(plugin.info()), &[]).is_err() {
        return ExitCode::from(3);
    }
    loop {
        let (request, samples) = match read_message::<Request>(&mut input) {
            Ok(Some(message)) => message,
            // The host closed the pipe: it is done with this worker.
            Ok(None) => return ExitCode::SUCCESS,
            Err(_) => return ExitCode::from(3),
        };
        let written = match request {
            Request::Layout {
                params,
                sample_rate,
                samples,
            } => {
                let reply = match plugin.layout(&params, sample_rate, samples as usize) {
                    Ok((names, frames)) => Reply::Layout {
                        names,
                        frames: frames as u64,
                    },
                    Err(error) => Reply::Failed(error),
                };
                write_message(&mut output, &reply, &[])
            }
            Request::Extract {
                params,
                sample_rate,
            } => match plugin.extract_here(&samples, sample_rate, &params) {
                Ok(features) => write_message(
                    &mut output,
                    &Reply::Features {
                        names: features.names.to_vec(),
                        frames: features.frames as u64,
                    },
                    &features.data,
                ),
                Err(error) => write_message(&mut output, &Reply::Failed(error), &[]),
            },
        };
        if written.is_err() {
            return ExitCode::from(3);
        }
    }
}
