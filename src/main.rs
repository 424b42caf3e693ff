//! The `chaosc` binary: everything lives in [`chaosc::cli`].

fn main() {
    std::process::exit(chaosc::cli::main());
}
