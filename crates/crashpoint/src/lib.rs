//! Named crash points for the kill harnesses (issue 21): the places in a save or a sync
//! where a process killed at that instant leaves the most to get right. Each crate names
//! its own points (`sync::crash`, `store::crash`) and passes them with [`point`].
//!
//! Built without the `armed` feature (every release build), [`point`] is empty and
//! compiled away. With it (the crates' own tests turn it on), a harness arms one point for
//! a child process: `PERMIT_DESK_TEST_CRASH_AT=<name>:<hit>` kills the process with
//! SIGKILL the `hit`-th time it passes `<name>`, after writing the name to the file named
//! by `PERMIT_DESK_TEST_CRASH_MARK` (so the harness knows the kill landed where it aimed,
//! not somewhere else). Nothing is flushed or unwound: the process dies as under kill -9.

/// Passes the crash point `name`: kills the process here when a harness armed it.
#[inline(always)]
pub fn point(name: &'static str) {
    #[cfg(feature = "armed")]
    armed::pass(name);
    #[cfg(not(feature = "armed"))]
    let _ = name;
}

#[cfg(feature = "armed")]
mod armed {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The environment variable arming a point: `<name>:<hit>`.
    pub const CRASH_AT: &str = "PERMIT_DESK_TEST_CRASH_AT";
    /// The file a landed kill names its point in.
    pub const CRASH_MARK: &str = "PERMIT_DESK_TEST_CRASH_MARK";

    struct Armed {
        name: String,
        hit: u64,
        passes: AtomicU64,
    }

    fn armed() -> Option<&'static Armed> {
        static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
        ARMED
            .get_or_init(|| {
                let text = std::env::var(CRASH_AT).ok()?;
                let (name, hit) = text.rsplit_once(':')?;
                Some(Armed { name: name.to_owned(), hit: hit.parse().ok()?, passes: AtomicU64::new(0) })
            })
            .as_ref()
    }

    pub fn pass(name: &'static str) {
        let Some(armed) = armed() else { return };
        if armed.name != name || armed.passes.fetch_add(1, Ordering::SeqCst) + 1 != armed.hit {
            return;
        }
        if let Ok(mark) = std::env::var(CRASH_MARK) {
            // Written and synced before the kill: the harness reads it after the death.
            if let Ok(file) = std::fs::File::create(&mark) {
                use std::io::Write;
                let mut file = file;
                let _ = file.write_all(name.as_bytes());
                let _ = file.sync_all();
            }
        }
        let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
        // SIGKILL cannot be caught; should the kill itself fail, stop here all the same.
        std::process::abort();
    }
}

#[cfg(feature = "armed")]
pub use armed::{CRASH_AT, CRASH_MARK};
