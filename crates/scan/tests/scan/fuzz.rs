//! A bounded fuzzer for the intake entry point that runs in every `cargo test`: no
//! nightly, no cargo-fuzz. It mutates small valid inputs of each format (bit flips, byte
//! edits, truncation, insertion, header fields set to extreme values, splices, PNG chunks
//! with their CRC repaired so the decoder looks past it) and checks that intake never
//! panics and always answers `Ok` or a typed error.
//!
//! `SCAN_FUZZ_SECONDS` (default 10) bounds the time, `SCAN_FUZZ_SEED` picks another
//! sequence. A panicking input is written to the system's temporary folder and named in
//! the failure.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use image::{DynamicImage, ImageFormat, Rgba, RgbaImage};
use scan::{ColourMode, IntakeOptions, Limits, Rotation, intake};

use crate::fixtures::{self, XorShift};

/// Most inputs per run, whatever the time bound.
const MAX_INPUTS: u64 = 50_000;

fn seeds() -> Vec<Vec<u8>> {
    let grey = DynamicImage::ImageLuma8(fixtures::printed_page(96, 128));
    let colour = crate::rgb(fixtures::phone_photo(96, 128, 8));
    let alpha = DynamicImage::ImageRgba8(RgbaImage::from_fn(40, 30, |x, y| {
        Rgba([x as u8, y as u8, 90, (x * 6) as u8])
    }));
    vec![
        fixtures::jpeg(&grey, 80),
        fixtures::jpeg(&colour, 80),
        fixtures::encode(&grey, ImageFormat::Png),
        fixtures::encode(&alpha, ImageFormat::Png),
        fixtures::encode(&DynamicImage::ImageLuma16(grey.to_luma16()), ImageFormat::Png),
        fixtures::encode(&grey, ImageFormat::Tiff),
        fixtures::encode(&colour, ImageFormat::Tiff),
    ]
}

fn mutate(input: &[u8], seeds: &[Vec<u8>], random: &mut XorShift) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..random.range(1, 5) {
        if bytes.is_empty() {
            break;
        }
        let length = bytes.len() as u32;
        let at = random.range(0, length) as usize;
        match random.range(0, 8) {
            0 => bytes[at] ^= 1 << random.range(0, 8),
            1 => bytes[at] = random.next() as u8,
            2 => bytes.truncate(at),
            3 => {
                let count = random.range(1, 64) as usize;
                let inserted: Vec<u8> = (0..count).map(|_| random.next() as u8).collect();
                bytes.splice(at..at, inserted);
            }
            4 => {
                // Header fields: sizes, offsets and counts live in the first bytes.
                let field = random.range(0, length.min(160)) as usize;
                let value: u32 = [0, 1, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 65_500, 100_000]
                    [random.range(0, 8) as usize];
                let width = if random.range(0, 2) == 0 { 2 } else { 4 };
                let encoded = if width == 2 {
                    (value as u16).to_be_bytes().to_vec()
                } else {
                    value.to_be_bytes().to_vec()
                };
                for (offset, byte) in encoded.into_iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(field + offset) {
                        *slot = byte;
                    }
                }
            }
            5 => {
                let end = (at + random.range(1, 256) as usize).min(bytes.len());
                bytes.drain(at..end);
            }
            6 => {
                // Splice the tail of another seed onto this head.
                let other = &seeds[random.range(0, seeds.len() as u32) as usize];
                let from = random.range(0, other.len() as u32) as usize;
                bytes.truncate(at);
                bytes.extend_from_slice(&other[from..]);
            }
            _ => {
                let end = (at + random.range(1, 64) as usize).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    if bytes.starts_with(b"\x89PNG") && random.range(0, 2) == 0 {
        repair_png_crcs(&mut bytes);
    }
    bytes
}

/// Recomputes every chunk's CRC, so a mutated PNG reaches the decoder's deeper checks
/// instead of failing at the first checksum.
fn repair_png_crcs(bytes: &mut [u8]) {
    let mut position = 8;
    while position + 12 <= bytes.len() {
        let length = u32::from_be_bytes(bytes[position..position + 4].try_into().unwrap()) as usize;
        let Some(end) = (position + 8).checked_add(length) else { return };
        if end + 4 > bytes.len() {
            return;
        }
        let crc = crc32fast::hash(&bytes[position + 4..end]);
        bytes[end..end + 4].copy_from_slice(&crc.to_be_bytes());
        position = end + 4;
    }
}

#[test]
fn fuzz_intake_bounded() {
    let seconds: u64 =
        std::env::var("SCAN_FUZZ_SECONDS").ok().and_then(|value| value.parse().ok()).unwrap_or(10);
    let seed: u64 =
        std::env::var("SCAN_FUZZ_SEED").ok().and_then(|value| value.parse().ok()).unwrap_or(0x00C0_FFEE);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let seeds = seeds();
    let mut random = XorShift(seed.max(1));
    // Small limits keep each input cheap; the limits themselves are part of what is fuzzed.
    let limits = Limits {
        max_file_bytes: 1_000_000,
        max_pixels: 4_000_000,
        max_dimension: 8_000,
        max_decode_bytes: 64 * 1024 * 1024,
    };
    let (mut inputs, mut accepted) = (0_u64, 0_u64);
    while inputs < MAX_INPUTS && Instant::now() < deadline {
        let seed_input = &seeds[random.range(0, seeds.len() as u32) as usize];
        let input = mutate(seed_input, &seeds, &mut random);
        let options = IntakeOptions {
            limits,
            mode: if random.range(0, 2) == 0 { ColourMode::Grey } else { ColourMode::Colour },
            rotation: [Rotation::Keep, Rotation::Clockwise90, Rotation::Clockwise180, Rotation::Clockwise270]
                [random.range(0, 4) as usize],
            auto_crop: random.range(0, 2) == 0,
            max_long_side: random.range(1, 200),
            thumbnail_long_side: random.range(1, 64),
            grey_quality: random.range(0, 101) as u8,
            ..IntakeOptions::default()
        };
        inputs += 1;
        match catch_unwind(AssertUnwindSafe(|| intake(&input, &options))) {
            Ok(Ok(page)) => {
                accepted += 1;
                assert!(
                    page.width >= 1
                        && page.height >= 1
                        && page.width.max(page.height) <= options.max_long_side
                );
                assert!(!page.jpeg.is_empty() && !page.thumbnail.is_empty());
            }
            Ok(Err(error)) => assert!(!error.message_zh().is_empty()),
            Err(_) => {
                let path = std::env::temp_dir().join(format!("scan-fuzz-panic-{seed}-{inputs}.bin"));
                std::fs::write(&path, &input).unwrap();
                panic!(
                    "intake panicked on input {inputs} of seed {seed} ({options:?}); saved to {}",
                    path.display()
                );
            }
        }
    }
    eprintln!("fuzz_intake_bounded: seed {seed}, {inputs} inputs, {accepted} accepted");
    assert!(inputs >= 500, "the fuzzer ran only {inputs} inputs in {seconds} s");
}
