//! Automatic border crop: finds a light page lying on a uniform dark background.
//!
//! The detection only answers when the picture is unambiguous, because a wrong crop loses
//! part of a proof while a missed one only wastes a few kilobytes. It looks at a small
//! greyscale preview and crops only if
//! - the page (the rows and columns that are mostly light) covers at least a quarter of the
//!   picture and is itself mostly light,
//! - everything outside it is dark (at least 97 % of those pixels) and uniform (standard
//!   deviation at most 25 grey levels),
//! - and there is something to crop.
//!
//! A page that is skewed, a patterned desk, a grey scanner lid or a dark photo fails one of
//! these and is left whole; the clerk can crop by hand in the window.

use image::GrayImage;

/// Grey levels from this value up count as light (paper), below as dark (background).
const LIGHT: u8 = 128;
/// A row or column belongs to the page when at least this share of it is light.
const PAGE_ROW_LIGHT_SHARE: f64 = 0.5;
/// Share of the background that must be dark.
const BORDER_DARK_SHARE: f64 = 0.97;
/// Largest standard deviation of the background, in grey levels.
const BORDER_MAX_DEVIATION: f64 = 25.0;
/// Share of the page that must be light.
const PAGE_LIGHT_SHARE: f64 = 0.6;
/// Smallest page, as a share of the picture.
const PAGE_MIN_AREA_SHARE: f64 = 0.25;

/// A rectangle in full-resolution pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageBox {
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// Finds the page in `preview` (a scaled-down greyscale copy) and returns it in the
/// coordinates of the full image, `full` = (width, height); `None` when unsure.
pub(crate) fn find_page(preview: &GrayImage, full: (u32, u32)) -> Option<PageBox> {
    let (width, height) = preview.dimensions();
    if width < 8 || height < 8 {
        return None;
    }
    let is_light = |x: u32, y: u32| preview.get_pixel(x, y).0[0] >= LIGHT;
    let row_is_page =
        |y: u32| share((0..width).filter(|&x| is_light(x, y)).count(), width) >= PAGE_ROW_LIGHT_SHARE;
    let column_is_page =
        |x: u32| share((0..height).filter(|&y| is_light(x, y)).count(), height) >= PAGE_ROW_LIGHT_SHARE;

    let top = (0..height).find(|&y| row_is_page(y))?;
    let bottom = (0..height).rev().find(|&y| row_is_page(y))? + 1;
    let left = (0..width).find(|&x| column_is_page(x))?;
    let right = (0..width).rev().find(|&x| column_is_page(x))? + 1;
    if top == 0 && left == 0 && bottom == height && right == width {
        return None;
    }
    let page_area = u64::from(right - left) * u64::from(bottom - top);
    let total_area = u64::from(width) * u64::from(height);
    if (page_area as f64) < PAGE_MIN_AREA_SHARE * total_area as f64 {
        return None;
    }

    let mut page_light = 0_u64;
    let mut border = Tally::default();
    for (x, y, pixel) in preview.enumerate_pixels() {
        let value = pixel.0[0];
        if (left..right).contains(&x) && (top..bottom).contains(&y) {
            page_light += u64::from(value >= LIGHT);
        } else {
            border.add(value);
        }
    }
    if (page_light as f64) < PAGE_LIGHT_SHARE * page_area as f64
        || border.dark_share() < BORDER_DARK_SHARE
        || border.deviation() > BORDER_MAX_DEVIATION
    {
        return None;
    }

    // The preview pixel at the page's edge mixes page and background: step one preview
    // pixel inwards on each side that had a border, so no dark strip survives.
    let inset = |start: u32, end: u32, size: u32| {
        let start = if start > 0 { start + 1 } else { start };
        let end = if end < size { end - 1 } else { end };
        (start, end.max(start + 1))
    };
    let (left, right) = inset(left, right, width);
    let (top, bottom) = inset(top, bottom, height);
    let to_full = |value: u32, preview_size: u32, full_size: u32| {
        let scaled = u64::from(value) * u64::from(full_size) / u64::from(preview_size);
        u32::try_from(scaled).unwrap_or(full_size).min(full_size)
    };
    let x = to_full(left, width, full.0);
    let y = to_full(top, height, full.1);
    let x_end = to_full(right, width, full.0).max(x + 1).min(full.0);
    let y_end = to_full(bottom, height, full.1).max(y + 1).min(full.1);
    if x >= x_end || y >= y_end {
        return None;
    }
    Some(PageBox { x, y, width: x_end - x, height: y_end - y })
}

/// Count, dark count, sum and sum of squares of the background's grey levels.
#[derive(Default)]
struct Tally {
    count: u64,
    dark: u64,
    sum: u64,
    sum_of_squares: u64,
}

impl Tally {
    fn add(&mut self, value: u8) {
        self.count += 1;
        self.dark += u64::from(value < LIGHT);
        self.sum += u64::from(value);
        self.sum_of_squares += u64::from(value) * u64::from(value);
    }

    fn dark_share(&self) -> f64 {
        share_u64(self.dark, self.count)
    }

    fn deviation(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let count = self.count as f64;
        let mean = self.sum as f64 / count;
        (self.sum_of_squares as f64 / count - mean * mean).max(0.0).sqrt()
    }
}

fn share(part: usize, whole: u32) -> f64 {
    share_u64(u64::try_from(part).unwrap_or(u64::MAX), u64::from(whole))
}

fn share_u64(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    part as f64 / whole as f64
}
