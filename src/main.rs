fn main() -> std::process::ExitCode {
    tootwatch::cli::main()
}
