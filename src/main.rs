//! The `motcua` command: server, demo, and the operator's tools. A short entry point: the
//! subcommands are in `cli/`, the measurement harnesses in `bench/` (both binary-side).

mod bench;
mod cli;

fn main() -> anyhow::Result<()> {
    tune_allocator();
    cli::run()
}

/// glibc raises its mmap threshold after a large block is freed, so argon2's 19 MiB working
/// buffer (one per login) would then come from the heap and stay resident. A fixed threshold
/// keeps every such buffer mmapped and returned to the system when freed.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called once at start, before threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
