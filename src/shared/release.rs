//! Freeing large trees off the critical path.

/// Source texts at least this large have trees worth freeing on another thread: a
/// syntax tree of 8 MB of source takes some 30–60 ms to free, which `check` and `fmt`
/// would otherwise spend after their work is done, on the one thread that prints.
pub const LARGE_SOURCE: usize = 1 << 20;

/// Drops `value` on a thread of its own when `source_len` (the bytes of source it was
/// built from) is at least [`LARGE_SOURCE`], else here. When the process exits first,
/// the operating system takes the memory back, which is all the drop would do.
pub fn drop_off_thread<T: Send + 'static>(value: T, source_len: usize) {
    if source_len < LARGE_SOURCE {
        return drop(value);
    }
    let spawned = std::thread::Builder::new()
        .name("chaosc-free".into())
        .spawn(move || drop(value));
    // Without a thread (none left to the process), it is freed with the thread's
    // closure, here, as before.
    drop(spawned);
}
