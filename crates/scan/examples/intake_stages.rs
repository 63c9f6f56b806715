//! Where a greyscale page's intake time goes, step by step, on the bench's clean printed
//! page (300-dpi A4 PNG, stored at 200 dpi): each step the pipeline takes, timed alone, nine
//! runs after a warm-up, medians. Run with `cargo run -p scan --release --example
//! intake_stages`. For profiling only; `cargo bench -p scan` is the figure of record.
//!
//! With a folder argument it also writes `scaling-before-after.png` there: the same 360 ×
//! 220 corner of the stored 200-dpi page, shrunk by image's `thumbnail` (before) and by
//! the SIMD box filter (after), each then stored as the pipeline stores it (JPEG, grey
//! quality), shown at twice their size side by side (docs/scan.md).

#![allow(clippy::print_stdout, clippy::unwrap_used, reason = "a profiling tool prints and owns its fixtures")]

#[path = "../tests/scan/fixtures.rs"]
mod fixtures;

use std::time::{Duration, Instant};

use image::{DynamicImage, ImageFormat, imageops};
use scan::{IntakeOptions, intake};

fn median(mut run: impl FnMut()) -> Duration {
    run();
    let mut times: Vec<Duration> = (0..9)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[4]
}

/// A grey page encoded as the pipeline stores it (jpeg-encoder, ImageMagick's tables).
fn encode_grey(image: &image::GrayImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    let tables = jpeg_encoder::QuantizationTableType::ImageMagick;
    encoder.set_quantization_tables(tables.clone(), tables);
    encoder
        .encode(image.as_raw(), image.width() as u16, image.height() as u16, jpeg_encoder::ColorType::Luma)
        .unwrap();
    out
}

/// The pipeline's box filter (fast_image_resize), for the grey page.
fn shrink(image: &image::GrayImage, width: u32, height: u32) -> Vec<u8> {
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images};
    let source = images::ImageRef::new(image.width(), image.height(), image.as_raw(), PixelType::U8).unwrap();
    let mut target = images::Image::new(width, height, PixelType::U8);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Box));
    Resizer::new().resize(&source, &mut target, &options).unwrap();
    target.into_vec()
}

fn main() {
    let printed = fixtures::printed_page(fixtures::A4_WIDTH, fixtures::A4_HEIGHT);
    let png = fixtures::encode(&DynamicImage::ImageLuma8(printed.clone()), ImageFormat::Png);
    let options = IntakeOptions::default();
    let (width, height) = (1654, 2339);
    let fitted = imageops::thumbnail(&printed, width, height);
    let stored = encode_grey(&fitted, options.grey_quality);
    let steps: Vec<(&str, Duration)> = vec![
        ("whole intake", median(|| drop(intake(&png, &options).unwrap()))),
        ("decode PNG", median(|| drop(image::load_from_memory_with_format(&png, ImageFormat::Png).unwrap()))),
        (
            "preview for the border (600 px), image's thumbnail",
            median(|| drop(imageops::thumbnail(&printed, 424, 600))),
        ),
        ("preview for the border (600 px), SIMD box filter", median(|| drop(shrink(&printed, 424, 600)))),
        (
            "fit 2481 × 3508 → 1654 × 2339, image's thumbnail",
            median(|| drop(imageops::thumbnail(&printed, width, height))),
        ),
        ("fit 2481 × 3508 → 1654 × 2339, SIMD box filter", median(|| drop(shrink(&printed, width, height)))),
        ("thumbnail 256 px", median(|| drop(shrink(&fitted, 181, 256)))),
        ("encode JPEG 1654 × 2339", median(|| drop(encode_grey(&fitted, options.grey_quality)))),
        (
            "SHA-256 of the stored JPEG",
            median(|| {
                std::hint::black_box(sha2::Digest::finalize(
                    <sha2::Sha256 as sha2::Digest>::new_with_prefix(&stored),
                ));
            }),
        ),
    ];
    if let Some(folder) = std::env::args_os().nth(1) {
        write_comparison(&printed, width, height, options.grey_quality, std::path::Path::new(&folder));
    }
    println!("| step | median ms |\n|---|---|");
    for (step, time) in steps {
        println!("| {step} | {:.1} |", time.as_secs_f64() * 1000.0);
    }
}

/// The stored page's corner both ways, side by side at twice the size.
fn write_comparison(page: &image::GrayImage, width: u32, height: u32, quality: u8, folder: &std::path::Path) {
    let stored = |pixels: image::GrayImage| {
        image::load_from_memory(&encode_grey(&pixels, quality)).unwrap().into_luma8()
    };
    let before = stored(imageops::thumbnail(page, width, height));
    let after = stored(image::GrayImage::from_raw(width, height, shrink(page, width, height)).unwrap());
    let (x, y, w, h) = (120, 160, 360, 220);
    let mut canvas = image::GrayImage::from_pixel(2 * (2 * w) + 16, 2 * h, image::Luma([255]));
    for (n, side) in [before, after].iter().enumerate() {
        let corner = imageops::crop_imm(side, x, y, w, h).to_image();
        let big = imageops::resize(&corner, 2 * w, 2 * h, imageops::FilterType::Nearest);
        imageops::replace(&mut canvas, &big, (n as u32 * (2 * w + 16)).into(), 0);
    }
    let path = folder.join("scaling-before-after.png");
    canvas.save(&path).unwrap();
    println!("wrote {}", path.display());
}
