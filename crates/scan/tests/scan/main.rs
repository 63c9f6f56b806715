//! Tests of the `scan` crate on real inputs: generated pages written as JPEG, PNG and TIFF,
//! hand-made bad files, camera data URLs, a watched folder, SANE's `test` backend through
//! the real `scanimage`, and a bounded fuzzer.

#![allow(clippy::unwrap_used, reason = "tests: a failure is a test failure")]

mod bad_input;
mod camera;
mod exif;
mod fixtures;
mod folder;
mod fuzz;
mod pages;
mod pdf;
mod sane;

use image::{DynamicImage, GrayImage, RgbImage};
use scan::{ColourMode, IntakeOptions, Page};

/// Decodes a stored page back, to look at its pixels.
fn decode(jpeg: &[u8]) -> DynamicImage {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).unwrap()
}

/// Greyscale with the 300-dpi ceiling: most tests look at the pipeline at full size; the
/// 200-dpi default has its own test (`pages.rs`).
fn grey_options() -> IntakeOptions {
    IntakeOptions { max_long_side: scan::COLOUR_MAX_LONG_SIDE, ..IntakeOptions::default() }
}

fn colour_options() -> IntakeOptions {
    IntakeOptions::for_mode(ColourMode::Colour)
}

/// A small image with a black square in its top-left corner, to see where rotations put it.
fn marked(width: u32, height: u32) -> GrayImage {
    GrayImage::from_fn(width, height, |x, y| {
        image::Luma([if x < width / 4 && y < height / 4 { 0 } else { 255 }])
    })
}

/// Which corner of a stored page is dark: "top-left", "top-right", …
fn dark_corner(page: &Page) -> &'static str {
    let image = decode(&page.jpeg).into_luma8();
    let (width, height) = image.dimensions();
    let corners = [
        ("top-left", 2, 2),
        ("top-right", width - 3, 2),
        ("bottom-left", 2, height - 3),
        ("bottom-right", width - 3, height - 3),
    ];
    let dark: Vec<&str> = corners
        .iter()
        .filter(|(_, x, y)| image.get_pixel(*x, *y).0[0] < 100)
        .map(|(name, _, _)| *name)
        .collect();
    assert_eq!(dark.len(), 1, "exactly one corner should be dark, found {dark:?}");
    dark[0]
}

fn rgb(image: RgbImage) -> DynamicImage {
    DynamicImage::ImageRgb8(image)
}
