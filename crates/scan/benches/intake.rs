//! Intake time and stored size per 300-dpi A4 page (2481 × 3508), for the three
//! pages: a clean printed page, a noisy phone photo, a colour ID-card copy.
//!
//! Run with `cargo bench -p scan` (release settings). Each case runs once to warm up, then
//! nine times; the table gives the median, the fastest and the slowest run. "decode" is
//! image's decode alone, for comparison.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a bench prints its table and owns its fixtures"
)]

#[path = "../tests/scan/fixtures.rs"]
mod fixtures;

use std::time::{Duration, Instant};

use fixtures::{A4_HEIGHT, A4_WIDTH};
use image::{DynamicImage, ImageFormat};
use scan::{ColourMode, IntakeOptions, intake};

const RUNS: usize = 9;

fn median(mut times: Vec<Duration>) -> (Duration, Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[0], times[times.len() - 1])
}

fn milliseconds(duration: Duration) -> String {
    format!("{:.0}", duration.as_secs_f64() * 1000.0)
}

fn main() {
    let printed = DynamicImage::ImageLuma8(fixtures::printed_page(A4_WIDTH, A4_HEIGHT));
    let photo = DynamicImage::ImageRgb8(fixtures::phone_photo(A4_WIDTH, A4_HEIGHT, 120));
    let card = DynamicImage::ImageRgb8(fixtures::id_card_copy(A4_WIDTH, A4_HEIGHT));
    // The shipped defaults: grey at 200 dpi, colour at 300 dpi; and grey at 300 dpi for
    // the comparison docs/scan.md makes.
    let grey = IntakeOptions::default();
    let grey_300_dpi =
        IntakeOptions { max_long_side: scan::COLOUR_MAX_LONG_SIDE, ..IntakeOptions::default() };
    let colour = IntakeOptions::for_mode(ColourMode::Colour);
    let cases = [
        ("clean printed page, scanner PNG", fixtures::encode(&printed, ImageFormat::Png), &grey, "grey"),
        (
            "clean printed page, scanner PNG",
            fixtures::encode(&printed, ImageFormat::Png),
            &grey_300_dpi,
            "grey, 300 dpi",
        ),
        ("clean printed page, JPEG q90", fixtures::jpeg(&printed, 90), &grey, "grey"),
        ("noisy phone photo, JPEG q90", fixtures::jpeg(&photo, 90), &grey, "grey"),
        ("noisy phone photo, JPEG q90", fixtures::jpeg(&photo, 90), &colour, "colour"),
        ("colour ID-card copy, JPEG q92", fixtures::jpeg(&card, 92), &colour, "colour"),
        ("colour ID-card copy, JPEG q92", fixtures::jpeg(&card, 92), &grey, "grey"),
    ];

    println!(
        "| page (input) | input KB | stored as | median ms | fastest–slowest ms | of which decode ms | stored KB | thumbnail KB | cropped |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    // `BENCH_WRITE_INPUTS=<folder>` also writes each input page there (`printed.png`,
    // `printed.jpg`, `photo.jpg`, `card.jpg`), so that `make bench-intake-cli` times
    // `permitctl intake` on the very same pages.
    if let Some(folder) = std::env::var_os("BENCH_WRITE_INPUTS") {
        let folder = std::path::Path::new(&folder);
        std::fs::create_dir_all(folder).unwrap();
        for (file, index) in [("printed.png", 0), ("printed.jpg", 2), ("photo.jpg", 3), ("card.jpg", 5)] {
            std::fs::write(folder.join(file), &cases[index].1).unwrap();
        }
    }
    for (name, bytes, options, mode) in cases {
        let page = intake(&bytes, options).unwrap();
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let start = Instant::now();
            let again = intake(&bytes, options).unwrap();
            times.push(start.elapsed());
            assert_eq!(again.sha256, page.sha256);
        }
        let mut decode_times = Vec::new();
        for _ in 0..RUNS {
            let start = Instant::now();
            let decoded = image::load_from_memory(&bytes).unwrap();
            decode_times.push(start.elapsed());
            drop(decoded);
        }
        let (middle, fastest, slowest) = median(times);
        let (decode, _, _) = median(decode_times);
        println!(
            "| {name} | {} | {mode}, {} × {} | {} | {}–{} | {} | {:.0} | {:.1} | {} |",
            bytes.len() / 1000,
            page.width,
            page.height,
            milliseconds(middle),
            milliseconds(fastest),
            milliseconds(slowest),
            milliseconds(decode),
            page.jpeg.len() as f64 / 1000.0,
            page.thumbnail.len() as f64 / 1000.0,
            if page.auto_cropped { "yes" } else { "no" },
        );
    }
}
