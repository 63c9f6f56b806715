//! Synthetic pages, generated rather than checked in: a printed text page, a noisy phone
//! photo of a page on a dark desk, and a colour copy of an ID card, each at 300-dpi A4.
//!
//! Shared by the tests and the bench (`benches/intake.rs` includes this file).

#![allow(dead_code, clippy::unwrap_used, reason = "test fixtures: a failure is a test bug")]

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, Luma, Rgb, RgbImage};

/// A4 at 300 dpi.
pub const A4_WIDTH: u32 = 2481;
/// A4 at 300 dpi.
pub const A4_HEIGHT: u32 = 3508;

/// A small, seeded xorshift generator: the same pages on every run.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A value in `low..high`.
    pub fn range(&mut self, low: u32, high: u32) -> u32 {
        low + (self.next() % u64::from(high - low).max(1)) as u32
    }

    /// Roughly normal noise with the given spread (sum of uniforms).
    pub fn noise(&mut self, spread: i32) -> i32 {
        let sum: i32 = (0..4).map(|_| (self.next() % 256) as i32).sum();
        (sum - 510) * spread / 148
    }
}

/// Draws "text" into `page` inside the given margins: lines of words made of letter-sized
/// strokes, as dense as a typed 11-point document at 300 dpi.
pub fn draw_text(
    mut put: impl FnMut(u32, u32),
    left: u32,
    top: u32,
    right: u32,
    bottom: u32,
    random: &mut XorShift,
) {
    let line_height = 62;
    let mut y = top;
    while y + line_height < bottom {
        let mut x = left;
        // Paragraph ends: some short lines.
        let line_end = if random.range(0, 6) == 0 {
            left + (right - left) / 3 + random.range(0, (right - left) / 2)
        } else {
            right
        };
        while x + 30 < line_end {
            let letters = random.range(1, 9);
            for _ in 0..letters {
                let letter_width = random.range(14, 24);
                let tall = random.range(0, 4) == 0;
                let letter_top = if tall { y } else { y + 10 };
                if x + letter_width >= line_end {
                    break;
                }
                // A letter: two vertical strokes and a bar, roughly.
                for dy in letter_top..y + 32 {
                    for dx in 0..4 {
                        put(x + dx, dy);
                        put(x + letter_width - 4 + dx, dy);
                    }
                }
                let bar = y + 28 - random.range(0, 2) * 14;
                for dx in 0..letter_width {
                    for dy in 0..4 {
                        put(x + dx, bar + dy);
                    }
                }
                x += letter_width + 5;
            }
            x += 24;
        }
        y += line_height;
    }
}

/// A clean printed page as a flatbed scanner delivers it: off-white paper with a little
/// sensor noise, black text whose edges the optics soften, 300 dpi.
pub fn printed_page(width: u32, height: u32) -> GrayImage {
    let sharp = sharp_text(width, height);
    // Scanner optics: each pixel mixes with its neighbours (a 3 × 3 binomial kernel).
    let kernel = [1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0].map(|weight| weight / 16.0);
    let mut page = image::imageops::filter3x3(&sharp, &kernel);
    let mut random = XorShift(0x5eed_0004);
    for pixel in page.pixels_mut() {
        // Sensor noise of ±3 grey levels.
        let noise = (random.next() % 7) as i32 - 3;
        pixel.0[0] = (i32::from(pixel.0[0]) + noise).clamp(0, 255) as u8;
    }
    page
}

/// The same page as drawn, before the scanner: hard-edged text on flat paper.
pub fn sharp_text(width: u32, height: u32) -> GrayImage {
    let mut page = GrayImage::from_pixel(width, height, Luma([236]));
    let mut random = XorShift(0x5eed_0001);
    let margin = width / 10;
    draw_text(
        |x, y| {
            if x < width && y < height {
                page.put_pixel(x, y, Luma([24]));
            }
        },
        margin,
        margin,
        width - margin,
        height - margin,
        &mut random,
    );
    page
}

/// A phone photo of a printed page lying on a dark desk: uneven light, sensor noise, a
/// dark border of `border` pixels all round.
pub fn phone_photo(width: u32, height: u32, border: u32) -> RgbImage {
    let mut random = XorShift(0x5eed_0002);
    let text = sharp_text(width - 2 * border, height - 2 * border);
    RgbImage::from_fn(width, height, |x, y| {
        let noise = random.noise(6);
        let inside = x >= border && y >= border && x < width - border && y < height - border;
        let level = if inside {
            // Light falls off towards the bottom right.
            let shade = 30 * (x + y) as i32 / (width + height) as i32;
            let ink = text.get_pixel(x - border, y - border).0[0] < 128;
            if ink { 45 } else { 225 - shade }
        } else {
            38
        };
        let value = |offset: i32| (level + noise + offset).clamp(0, 255) as u8;
        Rgb([value(4), value(0), value(-6)])
    })
}

/// A colour photocopy of both sides of an ID card on a white A4 page.
pub fn id_card_copy(width: u32, height: u32) -> RgbImage {
    let mut random = XorShift(0x5eed_0003);
    let mut page = RgbImage::from_pixel(width, height, Rgb([248, 248, 246]));
    // 85.6 × 54 mm at 300 dpi.
    let (card_width, card_height) = (1011, 638);
    let left = (width - card_width) / 2;
    for (index, top) in [height / 8, height / 2].into_iter().enumerate() {
        for y in top..top + card_height {
            for x in left..left + card_width {
                let u = (x - left) as i32;
                let v = (y - top) as i32;
                let noise = random.noise(4);
                let base = if index == 0 {
                    [200 - v / 8, 215 - u / 20, 235]
                } else {
                    [235, 220 - v / 10, 190 + u / 30]
                };
                let pixel = base.map(|channel| (channel + noise).clamp(0, 255) as u8);
                page.put_pixel(x, y, Rgb(pixel));
            }
        }
        // A red emblem or a photo: an ellipse.
        let (centre_x, centre_y) = (left + 780, top + 300);
        for y in top + 120..top + 480 {
            for x in left + 650..left + 910 {
                let dx = (x as f64 - centre_x as f64) / 130.0;
                let dy = (y as f64 - centre_y as f64) / 180.0;
                if dx * dx + dy * dy <= 1.0 {
                    let colour = if index == 0 { [120, 90, 80] } else { [200, 30, 30] };
                    page.put_pixel(x, y, Rgb(colour));
                }
            }
        }
        draw_text(
            |x, y| page.put_pixel(x, y, Rgb([30, 30, 40])),
            left + 60,
            top + 80,
            left + 600,
            top + card_height - 60,
            &mut random,
        );
    }
    page
}

/// Encodes with image's own encoders (not the code under test).
pub fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
    bytes
}

/// A JPEG at the given quality, as a camera or a scanner's "save as JPEG" writes it.
pub fn jpeg(image: &DynamicImage, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    image.write_with_encoder(encoder).unwrap();
    bytes
}
