//! One AFL++ persistent-mode driver for every target of `fuzz_targets`: the target is
//! named by `FUZZ_TARGET` (see `scripts/fuzz.sh`). A panic in the target aborts the
//! process, which AFL++ records as a crash with the input that caused it.

fn main() {
    let wanted = std::env::var("FUZZ_TARGET").unwrap_or_default();
    let Some(&(_, target)) = fuzz_targets::TARGETS.iter().find(|(name, _)| *name == wanted) else {
        let names: Vec<&str> = fuzz_targets::TARGETS.iter().map(|(name, _)| *name).collect();
        eprintln!("FUZZ_TARGET must be one of {names:?}");
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| {
        target(data);
    });
}
