//! The `pppp` binary.

fn main() {
    std::process::exit(pppp_cli::run(std::env::args_os()));
}
