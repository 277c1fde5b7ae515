fn main() -> std::process::ExitCode {
    serlab::cli::run()
}
