//! Intake per 300-dpi A4 page the whole way the counter does it — decode → normalise →
//! encode → store (encrypted, `synchronous = FULL`, with its audit row) — for the issue's
//! three pages, with the shipped defaults (grey pages at 200 dpi, colour at 300 dpi).
//!
//! Run with `cargo bench -p app --bench intake_store`. One warm-up, then nine runs per
//! page; the table gives the median and the slowest run, and the store step alone.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a bench prints its table and owns its fixtures"
)]

#[path = "../../scan/tests/scan/fixtures.rs"]
mod fixtures;

use std::path::Path;
use std::time::{Duration, Instant};

use app::cases;
use app::office::{KdfParams, LockoutPolicy, Office, Roles, StoreOptions};
use domain::record::ApplicationRecord;
use fixtures::{A4_HEIGHT, A4_WIDTH};
use image::{DynamicImage, ImageFormat};
use scan::{ColourMode, IntakeOptions};

const RUNS: usize = 9;

fn now() -> chrono::DateTime<chrono::Utc> {
    app::clock::now().to_utc()
}

fn median_and_slowest(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |duration: Duration| duration.as_secs_f64() * 1e3;
    (ms(times[times.len() / 2]), ms(times[times.len() - 1]))
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { kdf: KdfParams::INSECURE_FAST, lockout: LockoutPolicy::default() };
    let mut office =
        Office::set_up_with_options(dir.path(), "bench", "a", "bench-password", now(), options).unwrap();
    app::users::set_roles(&mut office, "a", Roles::ACCEPT | Roles::ADMIN, now()).unwrap();
    let example = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap())
        .join("../../docs/examples/application-complete.json");
    let record = ApplicationRecord::from_json(&std::fs::read_to_string(example).unwrap()).unwrap();
    let case_id = cases::new_case_id(now()).unwrap();
    cases::save_draft(&mut office, &case_id, &record, now()).unwrap();

    let printed = DynamicImage::ImageLuma8(fixtures::printed_page(A4_WIDTH, A4_HEIGHT));
    let photo = DynamicImage::ImageRgb8(fixtures::phone_photo(A4_WIDTH, A4_HEIGHT, 120));
    let card = DynamicImage::ImageRgb8(fixtures::id_card_copy(A4_WIDTH, A4_HEIGHT));
    let grey = IntakeOptions::default();
    let colour = IntakeOptions::for_mode(ColourMode::Colour);
    let cases = [
        ("clean printed page, scanner PNG", fixtures::encode(&printed, ImageFormat::Png), &grey, "grey"),
        ("noisy phone photo, JPEG q90", fixtures::jpeg(&photo, 90), &grey, "grey"),
        ("colour ID-card copy, JPEG q92", fixtures::jpeg(&card, 92), &colour, "colour"),
    ];
    println!(
        "| page (input) | stored as | whole intake median ms | slowest ms | of which store median ms | stored KB |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, bytes, options, mode) in cases {
        let warm = scan::intake(&bytes, options).unwrap();
        app::scans::attach(&mut office, &case_id, std::slice::from_ref(&warm), "", now()).unwrap();
        let (mut whole, mut store) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let start = Instant::now();
            let page = scan::intake(&bytes, options).unwrap();
            let stored = Instant::now();
            app::scans::attach(&mut office, &case_id, std::slice::from_ref(&page), "", now()).unwrap();
            store.push(stored.elapsed());
            whole.push(start.elapsed());
        }
        let (median, slowest) = median_and_slowest(whole);
        let (store_median, _) = median_and_slowest(store);
        println!(
            "| {name} | {mode}, {} × {} | {median:.0} | {slowest:.0} | {store_median:.1} | {:.0} |",
            warm.width,
            warm.height,
            warm.jpeg.len() as f64 / 1024.0
        );
    }
    office.close().unwrap();
}
