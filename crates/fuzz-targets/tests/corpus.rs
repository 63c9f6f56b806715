//! The fuzz targets in every `cargo test`, without AFL++: each target's corpus
//! (`corpus/<target>/` and the generated seeds) is replayed, then a deterministic stream
//! of mutations of it. `FUZZ_REPLAY_MUTATIONS` sets how many per target (default 2,000);
//! the coverage-guided runs are `make fuzz`. A failing input is written to the system's
//! temporary folder and named in the failure, ready to be added to the corpus.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

/// xorshift64*: the same mutations on every machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
}

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    let mut inputs: Vec<(String, Vec<u8>)> = fuzz_targets::generated_seeds(target)
        .into_iter()
        .enumerate()
        .map(|(index, bytes)| (format!("generated seed {index}"), bytes))
        .collect();
    if let Ok(entries) = std::fs::read_dir(&folder) {
        let mut files: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).collect();
        files.sort();
        for file in files {
            inputs.push((file.display().to_string(), std::fs::read(&file).unwrap()));
        }
    }
    inputs
}

/// Bit flips, byte changes, cuts, insertions of interesting bytes and splices.
fn mutate(input: &[u8], others: &[(String, Vec<u8>)], random: &mut Random) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..=random.below(4) {
        let at = random.below(bytes.len().max(1));
        match random.below(6) {
            0 if !bytes.is_empty() => bytes[at] ^= 1 << random.below(8),
            1 if !bytes.is_empty() => {
                bytes[at] = [0, 0xff, b'"', b'\\', b'|', b'{', b'9', 0x80][random.below(8)]
            }
            2 => bytes.truncate(at),
            3 => {
                let insert: &[u8] =
                    [&b"\\u0000"[..], b"\xe4\xb8\xad", b"99999999999999999999", b"-1", b"null"]
                        [random.below(5)];
                let at = at.min(bytes.len());
                bytes.splice(at..at, insert.iter().copied());
            }
            4 if !others.is_empty() => {
                let other = &others[random.below(others.len())].1;
                let from = random.below(other.len().max(1)).min(other.len());
                bytes.truncate(at.min(bytes.len()));
                bytes.extend_from_slice(&other[from..]);
            }
            _ => {
                if bytes.len() > 1 {
                    let (last, other) = (bytes.len() - 1, random.below(bytes.len()));
                    bytes.swap(at.min(last), other);
                }
            }
        }
    }
    bytes
}

fn run(name: &str, target: fn(&[u8]), label: &str, input: &[u8]) {
    if catch_unwind(AssertUnwindSafe(|| target(input))).is_err() {
        let path = std::env::temp_dir().join(format!("fuzz-{name}-failing-input.bin"));
        std::fs::write(&path, input).unwrap();
        panic!("target {name} failed on {label}; the input is saved to {}", path.display());
    }
}

#[test]
fn every_target_holds_on_its_corpus_and_its_mutations() {
    let mutations: usize =
        std::env::var("FUZZ_REPLAY_MUTATIONS").ok().and_then(|text| text.parse().ok()).unwrap_or(2_000);
    for &(name, target) in fuzz_targets::TARGETS {
        let inputs = corpus(name);
        assert!(!inputs.is_empty(), "target {name} has no corpus");
        for (label, input) in &inputs {
            run(name, target, label, input);
        }
        let mut random = Random(0x5eed_2026_1205 ^ name.len() as u64);
        for round in 0..mutations {
            let (_, seed) = &inputs[random.below(inputs.len())];
            let input = mutate(seed, &inputs, &mut random);
            run(name, target, &format!("mutation {round}"), &input);
        }
    }
}

/// The targets can fail: an input that breaks a promise is reported, not swallowed (the
/// slip target must refuse to vouch for a text it did not sign; forged here by changing
/// one signed field and re-using the signature).
#[test]
fn a_forged_slip_is_never_vouched_for() {
    let signed = String::from_utf8(fuzz_targets::generated_seeds("slip_payload").remove(0)).unwrap();
    let forged = signed.replacen("3300202600000001", "3300202600000002", 1);
    assert_ne!(forged, signed);
    let key = print::demo_signing_key().verifying_key();
    assert!(print::verify_slip_payload(&signed, &key).is_ok());
    assert!(print::verify_slip_payload(&forged, &key).is_err(), "a changed permit number must not verify");
    // And the target runs both without a broken promise.
    fuzz_targets::slip_payload(signed.as_bytes());
    fuzz_targets::slip_payload(forged.as_bytes());
}

/// The platform target's requests are signed as a counter signs them: its seeds get past
/// the signature check and are accepted, so the fuzzing reaches the parsers behind it.
#[test]
fn the_platform_target_reaches_past_the_signature_check() {
    for seed in fuzz_targets::generated_seeds("platform_request") {
        fuzz_targets::platform_request(&seed);
    }
    assert!(
        fuzz_targets::platform_requests_accepted() >= 4,
        "the seeded push and page batch (plain and gzip) should be answered with a success"
    );
}

/// The office server target's requests come from a logged-in clerk's desk with the
/// session's CSRF token: its seeds are answered with a success (a draft saved, the case
/// read, a worklist, an acceptance), so the fuzzing reaches the commands, not only the
/// session checks.
#[test]
fn the_office_server_target_reaches_its_commands() {
    let seeds = fuzz_targets::generated_seeds("office_server_request");
    assert!(seeds.len() > 40, "a seed for every command: {}", seeds.len());
    for seed in &seeds {
        fuzz_targets::office_server_request(seed);
    }
    assert!(
        fuzz_targets::office_server_requests_accepted() >= 15,
        "the seeded commands should mostly be answered with a success: {}",
        fuzz_targets::office_server_requests_accepted()
    );
}
