//! The intake pipeline: bytes → checked → decoded → oriented → cropped → greyscale or
//! colour → at most 300-dpi A4 → JPEG, thumbnail and SHA-256.
//!
//! Every source (file, scanner, camera frame, watched folder) ends here, so a page looks the
//! same whichever way it came in.

use std::io::{Cursor, Read};
use std::path::Path;

use image::imageops;
use image::{DynamicImage, GrayImage, ImageDecoder, ImageError, ImageReader, RgbImage};
use sha2::{Digest, Sha256};

use crate::format::{self, SourceFormat};
use crate::{Limits, ScanError, crop};

/// Whether a page is stored in greyscale or in colour. The evidence type decides: text
/// documents (contracts, certificates) in grey, ID cards and photos in colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColourMode {
    /// One channel: about half the size and time of colour for a text page.
    Grey,
    /// Three channels, chroma subsampled 4:2:0.
    Colour,
}

impl ColourMode {
    /// Both, grey first (the default for a text page).
    pub const ALL: [ColourMode; 2] = [ColourMode::Grey, ColourMode::Colour];

    /// The mode named `name` ([`as_str`](Self::as_str)); anything else is grey, the mode
    /// that is never wrong for a document page.
    pub fn from_name(name: &str) -> ColourMode {
        if name == ColourMode::Colour.as_str() { ColourMode::Colour } else { ColourMode::Grey }
    }

    /// Lowercase name for logs and JSON: `grey` or `colour`.
    pub fn as_str(self) -> &'static str {
        match self {
            ColourMode::Grey => "grey",
            ColourMode::Colour => "colour",
        }
    }
}

/// A rotation the clerk asks for, applied after the EXIF orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// Leave the page as it is.
    Keep,
    /// A quarter turn clockwise.
    Clockwise90,
    /// Upside down.
    Clockwise180,
    /// A quarter turn anticlockwise.
    Clockwise270,
}

/// How one input becomes a stored page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeOptions {
    /// Ceilings checked before decoding.
    pub limits: Limits,
    /// Greyscale or colour output.
    pub mode: ColourMode,
    /// Rotation on request, after the EXIF orientation.
    pub rotation: Rotation,
    /// Crop a uniform dark border around a light page (a page photographed on a dark desk,
    /// a scanner lid left open). Only done when the border is unambiguous; otherwise the
    /// page is left whole. See [`Page::auto_cropped`].
    pub auto_crop: bool,
    /// Longest side of the stored page, in pixels. Larger pages are scaled down; smaller
    /// ones are never scaled up. At most 65,000 (JPEG's own limit). [`IntakeOptions::for_mode`]
    /// gives [`GREY_MAX_LONG_SIDE`] (A4 at 200 dpi) for greyscale and
    /// [`COLOUR_MAX_LONG_SIDE`] (A4 at 300 dpi) for colour; docs/scan.md says why.
    pub max_long_side: u32,
    /// JPEG quality of greyscale pages, 1–100 (default 60, with ImageMagick's quantisation
    /// tables: text strokes survive intact at 300 dpi; docs/scan.md has the sizes).
    pub grey_quality: u8,
    /// JPEG quality of colour pages, 1–100 (default 75, chroma subsampled 4:2:0).
    pub colour_quality: u8,
    /// Longest side of the thumbnail, in pixels (default 256).
    pub thumbnail_long_side: u32,
}

/// Longest side of a stored greyscale page: A4 at 200 dpi (2339 px). A dense text page
/// stores at about 330 KB here against 550 KB at 300 dpi, and 8-point print stays legible
/// (docs/scan.md, "Choices and what they cost").
pub const GREY_MAX_LONG_SIDE: u32 = 2339;

/// Longest side of a stored colour page: A4 at 300 dpi (3508 px). Colour is chosen for ID
/// cards, stamps and photographs, whose small print and security patterns need it.
pub const COLOUR_MAX_LONG_SIDE: u32 = 3508;

impl IntakeOptions {
    /// The defaults for `mode`: greyscale pages at 200 dpi, colour pages at 300 dpi.
    pub fn for_mode(mode: ColourMode) -> IntakeOptions {
        let max_long_side = match mode {
            ColourMode::Grey => GREY_MAX_LONG_SIDE,
            ColourMode::Colour => COLOUR_MAX_LONG_SIDE,
        };
        IntakeOptions { mode, max_long_side, ..IntakeOptions::default() }
    }
}

/// Greyscale at 200 dpi ([`IntakeOptions::for_mode`] with [`ColourMode::Grey`]); for
/// colour use `for_mode`, so the ceiling follows the mode.
impl Default for IntakeOptions {
    fn default() -> Self {
        IntakeOptions {
            limits: Limits::default(),
            mode: ColourMode::Grey,
            rotation: Rotation::Keep,
            auto_crop: true,
            max_long_side: GREY_MAX_LONG_SIDE,
            grey_quality: 60,
            colour_quality: 75,
            thumbnail_long_side: 256,
        }
    }
}

/// A normalised page, ready to be stored with a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The stored page: baseline JPEG, no metadata (EXIF, including GPS, is dropped).
    pub jpeg: Vec<u8>,
    /// A JPEG of at most [`IntakeOptions::thumbnail_long_side`] pixels for lists.
    pub thumbnail: Vec<u8>,
    /// Width of the stored page, in pixels.
    pub width: u32,
    /// Height of the stored page, in pixels.
    pub height: u32,
    /// Greyscale or colour.
    pub mode: ColourMode,
    /// SHA-256 of [`Page::jpeg`], lowercase hex: the page's content hash.
    pub sha256: String,
    /// The format the input was in.
    pub source_format: SourceFormat,
    /// Width of the decoded input before orientation, crop and scaling.
    pub source_width: u32,
    /// Height of the decoded input before orientation, crop and scaling.
    pub source_height: u32,
    /// Whether a dark border was found and cropped away.
    pub auto_cropped: bool,
}

/// Reads a file and takes it in. The size is checked from the file's metadata before a
/// single byte is read, so a 200 MB file is refused at once.
pub fn intake_file(path: &Path, options: &IntakeOptions) -> Result<Page, ScanError> {
    intake(&read_limited(path, options)?, options)
}

/// [`intake_file`] for any proof file: a PDF brings every page (rendered by Poppler, see
/// `pdf.rs`), an image one.
pub fn intake_file_pages(path: &Path, options: &IntakeOptions) -> Result<Vec<Page>, ScanError> {
    intake_document(&read_limited(path, options)?, options)
}

/// Takes a document in: a PDF page by page, an image as one page.
pub fn intake_document(bytes: &[u8], options: &IntakeOptions) -> Result<Vec<Page>, ScanError> {
    if crate::pdf::is_pdf(bytes) {
        crate::pdf::intake_pdf(bytes, options)
    } else {
        Ok(vec![intake(bytes, options)?])
    }
}

/// The file's bytes, refused before reading when empty or over the size limit.
fn read_limited(path: &Path, options: &IntakeOptions) -> Result<Vec<u8>, ScanError> {
    let io_error = |source| ScanError::Io { what: path.display().to_string(), source };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let file_bytes = file.metadata().map_err(io_error)?.len();
    let limit = options.limits.max_file_bytes;
    if file_bytes == 0 {
        return Err(ScanError::Empty);
    }
    if file_bytes > limit {
        return Err(ScanError::TooLarge { bytes: file_bytes, limit });
    }
    // The file may grow while a scanner is still writing it: never read past the limit.
    let mut bytes = Vec::with_capacity(usize::try_from(file_bytes).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(io_error)?;
    Ok(bytes)
}

/// Takes one image in: checks, decodes and normalises it into a [`Page`].
///
/// JPEG, PNG and TIFF are decoded; PDF and every other format are refused with their own
/// error. The size and the header's dimensions are checked against
/// [`IntakeOptions::limits`] before any pixel is decoded.
pub fn intake(bytes: &[u8], options: &IntakeOptions) -> Result<Page, ScanError> {
    let limits = options.limits;
    if bytes.is_empty() {
        return Err(ScanError::Empty);
    }
    let input_bytes = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if input_bytes > limits.max_file_bytes {
        return Err(ScanError::TooLarge { bytes: input_bytes, limit: limits.max_file_bytes });
    }
    let source_format = format::detect(bytes)?;
    match source_format {
        // Read the declared size ourselves: a PNG bomb is refused before the decoder
        // looks at a single chunk after the header.
        SourceFormat::Png => {
            let (width, height) = format::png_dimensions(bytes)?;
            check_dimensions(width, height, &limits)?;
        }
        // The same for a JPEG's frame header; and zune-jpeg fills a cut-off JPEG with grey
        // instead of failing, so the walk also refuses one without its end marker.
        SourceFormat::Jpeg => {
            let (width, height) = format::jpeg_dimensions(bytes)?;
            check_dimensions(width, height, &limits)?;
        }
        SourceFormat::Tiff => {}
    }

    let mut reader = ImageReader::with_format(Cursor::new(bytes), source_format.to_image_format());
    reader.limits(limits.to_image_limits());
    let mut decoder = reader.into_decoder().map_err(|error| decode_error(error, None, &limits))?;
    let (source_width, source_height) = decoder.dimensions();
    check_dimensions(source_width, source_height, &limits)?;
    // A damaged EXIF block is no reason to lose the page: keep it as it was shot.
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut decoded = DynamicImage::from_decoder(decoder)
        .map_err(|error| decode_error(error, Some((source_width, source_height)), &limits))?;
    decoded.apply_orientation(orientation);

    let (jpeg, thumbnail, width, height, auto_cropped) = match options.mode {
        ColourMode::Grey => {
            let (grey, auto_cropped) = shape(to_grey(decoded), options, grey_preview);
            let thumbnail = fit_thumbnail(&grey, options.thumbnail_long_side);
            let luma = jpeg_encoder::ColorType::Luma;
            (
                encode(&grey, luma, options.grey_quality)?,
                encode(&thumbnail, luma, THUMBNAIL_QUALITY)?,
                grey.width(),
                grey.height(),
                auto_cropped,
            )
        }
        ColourMode::Colour => {
            let (colour, auto_cropped) = shape(to_colour(decoded), options, colour_preview);
            let thumbnail = fit_thumbnail(&colour, options.thumbnail_long_side);
            let rgb = jpeg_encoder::ColorType::Rgb;
            (
                encode(&colour, rgb, options.colour_quality)?,
                encode(&thumbnail, rgb, THUMBNAIL_QUALITY)?,
                colour.width(),
                colour.height(),
                auto_cropped,
            )
        }
    };
    let sha256 = hex::encode(Sha256::digest(&jpeg));
    Ok(Page {
        jpeg,
        thumbnail,
        width,
        height,
        mode: options.mode,
        sha256,
        source_format,
        source_width,
        source_height,
        auto_cropped,
    })
}

/// Thumbnails are only looked at small: quality 70 keeps them at a few KB.
const THUMBNAIL_QUALITY: u8 = 70;

/// Longest side of the image the border detection looks at: enough to place the crop
/// within a millimetre at 300 dpi, cheap to scan.
const PREVIEW_LONG_SIDE: u32 = 600;

fn check_dimensions(width: u32, height: u32, limits: &Limits) -> Result<(), ScanError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(ScanError::TooManyPixels { width, height, limit: limits.max_pixels });
    }
    if width.max(height) > limits.max_dimension {
        return Err(ScanError::DimensionTooLarge { width, height, limit: limits.max_dimension });
    }
    if pixels == 0 {
        return Err(ScanError::Corrupt {
            detail: format!("image header declares {width} × {height} pixels"),
        });
    }
    Ok(())
}

/// Sorts image's errors into ours: limits hit while decoding count as too many pixels, a
/// format variant the decoder lacks (a TIFF compression, say) as unsupported, and all the
/// rest (including an early end of data) as corrupt.
fn decode_error(error: ImageError, dimensions: Option<(u32, u32)>, limits: &Limits) -> ScanError {
    match error {
        ImageError::Limits(_) => {
            let (width, height) = dimensions.unwrap_or((0, 0));
            ScanError::TooManyPixels { width, height, limit: limits.max_pixels }
        }
        ImageError::Unsupported(unsupported) => {
            ScanError::UnsupportedVariant { detail: unsupported.to_string() }
        }
        ImageError::Decoding(_)
        | ImageError::Encoding(_)
        | ImageError::Parameter(_)
        | ImageError::IoError(_) => ScanError::Corrupt { detail: error.to_string() },
    }
}

/// Greyscale, with any transparency laid on white paper.
fn to_grey(decoded: DynamicImage) -> GrayImage {
    if !decoded.color().has_alpha() {
        return decoded.into_luma8();
    }
    let with_alpha = decoded.into_luma_alpha8();
    let (width, height) = with_alpha.dimensions();
    let pixels = with_alpha.as_raw().chunks_exact(2).map(|pixel| on_white(pixel[0], pixel[1])).collect();
    GrayImage::from_raw(width, height, pixels).unwrap_or_else(|| GrayImage::new(width, height))
}

/// Colour, with any transparency laid on white paper.
fn to_colour(decoded: DynamicImage) -> RgbImage {
    if !decoded.color().has_alpha() {
        return decoded.into_rgb8();
    }
    let with_alpha = decoded.into_rgba8();
    let (width, height) = with_alpha.dimensions();
    let pixels = with_alpha
        .as_raw()
        .chunks_exact(4)
        .flat_map(|pixel| {
            let alpha = pixel[3];
            [on_white(pixel[0], alpha), on_white(pixel[1], alpha), on_white(pixel[2], alpha)]
        })
        .collect();
    RgbImage::from_raw(width, height, pixels).unwrap_or_else(|| RgbImage::new(width, height))
}

fn on_white(value: u8, alpha: u8) -> u8 {
    let blended = (u32::from(value) * u32::from(alpha) + 255 * (255 - u32::from(alpha)) + 127) / 255;
    u8::try_from(blended).unwrap_or(u8::MAX)
}

/// An 8-bit image buffer, greyscale or RGB.
type Buffer<P> = image::ImageBuffer<P, Vec<u8>>;

/// Rotation on request, border crop, then scaling: returns the page and whether it was
/// cropped.
fn shape<P: image::Pixel<Subpixel = u8> + 'static>(
    image: Buffer<P>,
    options: &IntakeOptions,
    preview: fn(&Buffer<P>) -> GrayImage,
) -> (Buffer<P>, bool) {
    let mut image = rotate(image, options.rotation);
    let mut auto_cropped = false;
    if options.auto_crop
        && let Some(page) = crop::find_page(&preview(&image), image.dimensions())
    {
        image = imageops::crop_imm(&image, page.x, page.y, page.width, page.height).to_image();
        auto_cropped = true;
    }
    (fit(image, options.max_long_side), auto_cropped)
}

fn rotate<P: image::Pixel<Subpixel = u8> + 'static>(image: Buffer<P>, rotation: Rotation) -> Buffer<P> {
    match rotation {
        Rotation::Keep => image,
        Rotation::Clockwise90 => imageops::rotate90(&image),
        Rotation::Clockwise180 => imageops::rotate180(&image),
        Rotation::Clockwise270 => imageops::rotate270(&image),
    }
}

/// Scales so the longest side is at most `long_side`, keeping the aspect ratio; never up.
fn fit<P: image::Pixel<Subpixel = u8> + 'static>(image: Buffer<P>, long_side: u32) -> Buffer<P> {
    let long_side = long_side.clamp(1, 65_000);
    let (width, height) = image.dimensions();
    if width.max(height) <= long_side {
        return image;
    }
    let (new_width, new_height) = scaled(width, height, long_side);
    shrink(&image, new_width, new_height)
}

fn fit_thumbnail<P: image::Pixel<Subpixel = u8> + 'static>(image: &Buffer<P>, long_side: u32) -> Buffer<P> {
    let (width, height) = image.dimensions();
    let (new_width, new_height) = scaled(width, height, long_side.clamp(1, 65_000));
    shrink(image, new_width, new_height)
}

/// Shrinks `image` to `width × height` by averaging the source pixels each new pixel
/// covers (a box filter): for shrinking scanned text as sharp as a resampling filter, and
/// what image's `thumbnail` does — here with fast_image_resize's SIMD code (AVX2 or SSE4.1,
/// chosen at run time), about ten times faster: a 300-dpi A4 page to 200 dpi in a few
/// milliseconds instead of 55 (BENCHMARKS.md). image's `thumbnail` remains the fallback.
fn shrink<P: image::Pixel<Subpixel = u8> + 'static>(image: &Buffer<P>, width: u32, height: u32) -> Buffer<P> {
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images};
    let pixel_type = match P::CHANNEL_COUNT {
        1 => PixelType::U8,
        3 => PixelType::U8x3,
        _ => return imageops::thumbnail(image, width, height),
    };
    let resized = images::ImageRef::new(image.width(), image.height(), image.as_raw(), pixel_type)
        .ok()
        .and_then(|source| {
            let mut target = images::Image::new(width, height, pixel_type);
            let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Box));
            Resizer::new().resize(&source, &mut target, &options).ok()?;
            Buffer::<P>::from_raw(width, height, target.into_vec())
        });
    resized.unwrap_or_else(|| imageops::thumbnail(image, width, height))
}

/// The size that fits `width × height` into `long_side`, at least one pixel per side.
fn scaled(width: u32, height: u32, long_side: u32) -> (u32, u32) {
    let longest = u64::from(width.max(height).max(1));
    if longest <= u64::from(long_side) {
        return (width, height);
    }
    let scale = |side: u32| {
        let side = (u64::from(side) * u64::from(long_side) + longest / 2) / longest;
        u32::try_from(side.max(1)).unwrap_or(1)
    };
    (scale(width), scale(height))
}

/// The border detection's small copy: image's exact area average (about 10 ms for an A4
/// page), which the detection's thresholds were tuned on — the SIMD box filter's slightly
/// different edge weights moved a JPEG page's detected border by a few pixels against the
/// same page as PNG.
fn grey_preview(grey: &GrayImage) -> GrayImage {
    let (width, height) = grey.dimensions();
    let (preview_width, preview_height) = scaled(width, height, PREVIEW_LONG_SIDE);
    imageops::thumbnail(grey, preview_width, preview_height)
}

fn colour_preview(colour: &RgbImage) -> GrayImage {
    let (width, height) = colour.dimensions();
    let (preview_width, preview_height) = scaled(width, height, PREVIEW_LONG_SIDE);
    DynamicImage::ImageRgb8(imageops::thumbnail(colour, preview_width, preview_height)).into_luma8()
}

fn encode<P: image::Pixel<Subpixel = u8>>(
    image: &Buffer<P>,
    colour_type: jpeg_encoder::ColorType,
    quality: u8,
) -> Result<Vec<u8>, ScanError> {
    let (width, height) = image.dimensions();
    let pixels = image.as_raw();
    let too_large = |_| ScanError::DimensionTooLarge { width, height, limit: u32::from(u16::MAX) };
    let jpeg_width = u16::try_from(width).map_err(too_large)?;
    let jpeg_height = u16::try_from(height).map_err(too_large)?;
    let mut jpeg = Vec::with_capacity(pixels.len() / 16);
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, quality.clamp(1, 100));
    // No optimised Huffman tables: with 4:2:0 colour, jpeg-encoder 0.7.1's optimised tables
    // give files that libjpeg reads but image's own decoder (zune-jpeg 0.5) garbles. For
    // greyscale, ImageMagick's quantisation tables give pages about 9 % smaller than the
    // standard's at the same stroke fidelity.
    if colour_type == jpeg_encoder::ColorType::Luma {
        let tables = jpeg_encoder::QuantizationTableType::ImageMagick;
        encoder.set_quantization_tables(tables.clone(), tables);
    }
    encoder
        .encode(pixels, jpeg_width, jpeg_height, colour_type)
        .map_err(|error| ScanError::Corrupt { detail: format!("jpeg encoding failed: {error}") })?;
    Ok(jpeg)
}
