//! The `chaosc` binary: everything lives in [`chaosc::cli`].

/// mimalloc instead of the system allocator: the front end builds and frees millions
/// of small nodes, and on the 8 MB benchmark file `check`, `fmt` and `plan` take
/// 10–15 % less time with it; the cost is about 0.3 ms more CPU when the process
/// starts (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(chaosc::cli::main());
}
