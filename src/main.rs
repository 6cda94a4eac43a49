fn main() -> std::process::ExitCode {
    tangkap::cli::main()
}
