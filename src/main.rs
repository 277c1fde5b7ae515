fn main() -> std::process::ExitCode {
    // A plugin-host process (a probe or a worker) runs plugin code and nothing else.
    if let Some(code) = serlab::features::isolation::child::run_if_requested() {
        return code;
    }
    if let Ok(exe) = std::env::current_exe() {
        serlab::features::isolation::set_host_program(exe);
    }
    serlab::cli::run()
}
