//! Configurable ceilings on what intake accepts, checked before any decoding.

/// The largest input intake accepts. Every check happens before the pixels are decoded, so
/// a hostile or broken file costs at most a header read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file, in bytes (default 50 MB). A 600-dpi colour TIFF of an A4 page is about
    /// 100 MB, so that scanner setting is refused; 300 dpi stays well below.
    pub max_file_bytes: u64,
    /// Largest image, in pixels (default 60 million: a 600-dpi A3 page or a 50-megapixel
    /// camera fits, a decompression bomb does not).
    pub max_pixels: u64,
    /// Longest side, in pixels (default 20,000).
    pub max_dimension: u32,
    /// Most memory the decoder may allocate, in bytes (default 512 MiB), passed on to
    /// image's own limits as a second line of defence.
    pub max_decode_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 50 * 1000 * 1000,
            max_pixels: 60 * 1000 * 1000,
            max_dimension: 20_000,
            max_decode_bytes: 512 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// image's limits: only the allocation ceiling. The dimensions are checked by intake
    /// itself, so the error can name them.
    pub(crate) fn to_image_limits(self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(self.max_decode_bytes);
        limits
    }
}
