//! The `fanzha` binary.

/// mimalloc: ingest allocates and frees small strings per row across two threads, where it is markedly faster
/// than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    api::cli::main()
}
