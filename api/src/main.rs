//! `keel`: process start-up. Parses the command line and hands over to `keel::cli`.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: the engine allocates many short-lived strings and
/// JSON values per trigger, and glibc's malloc spent about a third of a benchmark run
/// consolidating and searching free lists (docs/decisions/0003).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = keel::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("keel: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(keel::cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("keel: {e:#}");
            ExitCode::from(1)
        }
    }
}
