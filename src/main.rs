use clap::Parser;
use serlab::cli::Cli;

/// The two faces over one library: the terminal UI without a subcommand, the CLI with one.
fn main() -> std::process::ExitCode {
    // A plugin-host process (a probe or a worker) runs plugin code and nothing else.
    if let Some(code) = serlab::features::isolation::child::run_if_requested() {
        return code;
    }
    if let Ok(exe) = std::env::current_exe() {
        serlab::features::isolation::set_host_program(exe);
    }
    let cli = Cli::parse();
    if cli.command.is_none() {
        return serlab::tui::run_app(
            cli.datasets.as_deref(),
            &cli.plugin_options(),
            cli.on_plugin_error,
        );
    }
    serlab::cli::run(cli)
}
