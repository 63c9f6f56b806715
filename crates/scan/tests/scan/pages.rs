//! Good inputs: each format, each mode, rotations, crop, scaling, transparency.

use image::{DynamicImage, ImageFormat, Luma, Rgba, RgbaImage};
use scan::{ColourMode, IntakeOptions, Rotation, SourceFormat, intake, intake_file};
use sha2::{Digest, Sha256};

use crate::fixtures::{self, A4_HEIGHT, A4_WIDTH};
use crate::{colour_options, dark_corner, decode, grey_options, marked, rgb};

#[test]
fn a_printed_a4_page_is_stored_as_a_small_greyscale_jpeg() {
    let page_image = DynamicImage::ImageLuma8(fixtures::printed_page(A4_WIDTH, A4_HEIGHT));
    let page = intake(&fixtures::encode(&page_image, ImageFormat::Png), &grey_options()).unwrap();

    assert_eq!((page.width, page.height), (A4_WIDTH, A4_HEIGHT), "a 300-dpi A4 page keeps its size");
    assert!(!page.auto_cropped, "a page without a dark border is left whole");
    assert_eq!(page.source_format, SourceFormat::Png);
    assert_eq!(page.mode, ColourMode::Grey);
    // The target is 400 KB; at 300 dpi this dense page does not reach it (see
    // BENCHMARKS.md, "Scan"). This bound catches a regression in the encoder settings.
    assert!(page.jpeg.len() <= 600_000, "a dense text page at 300 dpi, got {} bytes", page.jpeg.len());
    assert_eq!(page.sha256, hex::encode(Sha256::digest(&page.jpeg)), "the hash is of the stored JPEG");

    let stored = decode(&page.jpeg);
    assert_eq!(stored.color(), image::ColorType::L8, "greyscale pages are one-channel JPEGs");
    // Text stays legible: ink and paper, told apart at mid-grey, are where they were.
    let original = page_image.as_luma8().unwrap();
    let ink = original.pixels().filter(|pixel| pixel.0[0] < 130).count();
    let moved = stored
        .into_luma8()
        .pixels()
        .zip(original.pixels())
        .filter(|(after, before)| (after.0[0] < 130) != (before.0[0] < 130))
        .count();
    let moved_share = moved as f64 / ink as f64;
    assert!(moved_share < 0.005, "{:.3} % of the ink moved: text must stay legible", moved_share * 100.0);

    let thumbnail = decode(&page.thumbnail);
    assert_eq!(thumbnail.height(), 256, "thumbnail's long side is 256 px");
    assert_eq!(thumbnail.width(), 181);
}

#[test]
fn by_default_a_grey_text_page_is_stored_at_200_dpi_under_400_kb_and_colour_at_300_dpi() {
    let page_image = DynamicImage::ImageLuma8(fixtures::printed_page(A4_WIDTH, A4_HEIGHT));
    let png = fixtures::encode(&page_image, ImageFormat::Png);
    assert_eq!(IntakeOptions::default(), IntakeOptions::for_mode(ColourMode::Grey));
    let page = intake(&png, &IntakeOptions::default()).unwrap();
    assert_eq!((page.width, page.height), (1654, 2339), "A4 at 200 dpi");
    assert!(page.jpeg.len() <= 400_000, "the issue's 400 KB target, got {} bytes", page.jpeg.len());
    // Legibility at 200 dpi: against the 300-dpi page scaled by the same ratio (Catmull-Rom,
    // so no JPEG is involved), the stored page keeps its ink and its grey levels.
    let reference = page_image.resize_exact(1654, 2339, image::imageops::FilterType::CatmullRom).into_luma8();
    let stored = decode(&page.jpeg).into_luma8();
    let ink = |image: &image::GrayImage| image.pixels().filter(|pixel| pixel.0[0] < 130).count() as f64;
    let ink_ratio = ink(&stored) / ink(&reference);
    let mean_difference = stored
        .pixels()
        .zip(reference.pixels())
        .map(|(after, before)| f64::from(after.0[0].abs_diff(before.0[0])))
        .sum::<f64>()
        / f64::from(1654 * 2339);
    assert!((0.93..=1.07).contains(&ink_ratio), "the strokes keep their weight: ink ratio {ink_ratio:.3}");
    assert!(
        mean_difference < 7.0,
        "the page keeps its grey levels: {mean_difference:.2} levels off on average"
    );

    let colour = intake(&png, &IntakeOptions::for_mode(ColourMode::Colour)).unwrap();
    assert_eq!((colour.width, colour.height), (A4_WIDTH, A4_HEIGHT), "colour keeps 300 dpi");
}

#[test]
fn jpeg_png_and_tiff_inputs_give_the_same_page_size_and_format_tag() {
    let image = DynamicImage::ImageLuma8(fixtures::printed_page(620, 877));
    let cases = [
        (fixtures::jpeg(&image, 90), SourceFormat::Jpeg),
        (fixtures::encode(&image, ImageFormat::Png), SourceFormat::Png),
        (fixtures::encode(&image, ImageFormat::Tiff), SourceFormat::Tiff),
        (fixtures::encode(&rgb(image.to_rgb8()), ImageFormat::Tiff), SourceFormat::Tiff),
        (
            fixtures::encode(&DynamicImage::ImageLuma16(image.to_luma16()), ImageFormat::Png),
            SourceFormat::Png,
        ),
    ];
    for (bytes, format) in cases {
        let page = intake(&bytes, &grey_options()).unwrap();
        assert_eq!(page.source_format, format);
        assert_eq!((page.width, page.height), (620, 877), "{format:?}");
        assert_eq!((page.source_width, page.source_height), (620, 877), "{format:?}");
    }
}

#[test]
fn a_colour_id_card_copy_stays_in_colour() {
    let copy = rgb(fixtures::id_card_copy(1240, 1754));
    let page = intake(&fixtures::jpeg(&copy, 92), &colour_options()).unwrap();
    assert_eq!(page.mode, ColourMode::Colour);
    let stored = decode(&page.jpeg).into_rgb8();
    // The red ellipse on the back of the card (centre at left + 780, height / 2 + 300).
    let left = (1240 - 1011) / 2;
    let red = stored.get_pixel(left + 780, 1754 / 2 + 300).0;
    assert!(red[0] > 150 && red[1] < 80 && red[2] < 80, "red stays red, got {red:?}");
    assert_eq!(decode(&page.thumbnail).color(), image::ColorType::Rgb8);

    let grey = intake(&fixtures::jpeg(&copy, 92), &grey_options()).unwrap();
    assert_eq!(decode(&grey.jpeg).color(), image::ColorType::L8);
    assert!(grey.jpeg.len() < page.jpeg.len(), "grey is smaller than colour");
}

#[test]
fn rotations_on_request_turn_the_page_clockwise() {
    let bytes = fixtures::encode(&DynamicImage::ImageLuma8(marked(400, 300)), ImageFormat::Png);
    let cases = [
        (Rotation::Keep, (400, 300), "top-left"),
        (Rotation::Clockwise90, (300, 400), "top-right"),
        (Rotation::Clockwise180, (400, 300), "bottom-right"),
        (Rotation::Clockwise270, (300, 400), "bottom-left"),
    ];
    for (rotation, size, corner) in cases {
        let options = IntakeOptions { rotation, ..grey_options() };
        let page = intake(&bytes, &options).unwrap();
        assert_eq!((page.width, page.height), size, "{rotation:?}");
        assert_eq!(dark_corner(&page), corner, "{rotation:?}");
    }
}

#[test]
fn a_page_photographed_on_a_dark_desk_is_cropped_to_the_page() {
    let (width, height, border) = (1300, 1800, 90);
    let photo = rgb(fixtures::phone_photo(width, height, border));
    let bytes = fixtures::jpeg(&photo, 90);

    for options in [grey_options(), colour_options()] {
        let page = intake(&bytes, &options).unwrap();
        assert!(page.auto_cropped, "{:?}: the dark desk is cropped", options.mode);
        let (page_width, page_height) = (width - 2 * border, height - 2 * border);
        assert!(
            page.width <= page_width && page.width + 20 >= page_width,
            "width {} should be the page's {page_width} less a few pixels",
            page.width
        );
        assert!(page.height <= page_height && page.height + 20 >= page_height, "height {}", page.height);
        // No dark strip left along the edges.
        let stored = decode(&page.jpeg).into_luma8();
        let edge_mean =
            |pixels: Vec<u8>| pixels.iter().map(|&v| u32::from(v)).sum::<u32>() / pixels.len() as u32;
        let top_row = edge_mean((0..page.width).map(|x| stored.get_pixel(x, 0).0[0]).collect());
        let left_column = edge_mean((0..page.height).map(|y| stored.get_pixel(0, y).0[0]).collect());
        assert!(top_row > 150 && left_column > 150, "edges are paper: top {top_row}, left {left_column}");
    }

    let whole = intake(&bytes, &IntakeOptions { auto_crop: false, ..grey_options() }).unwrap();
    assert!(!whole.auto_cropped);
    assert_eq!((whole.width, whole.height), (width, height), "auto_crop off leaves the photo whole");
}

#[test]
fn pictures_without_a_clear_page_border_are_not_cropped() {
    let mut random = fixtures::XorShift(7);
    let cases = [
        // A photo of noise: no page at all.
        image::GrayImage::from_fn(600, 800, |_, _| Luma([random.range(0, 256) as u8])),
        // A page on a light-grey lid: the border is not dark.
        image::GrayImage::from_fn(600, 800, |x, y| {
            let inside = (50..550).contains(&x) && (50..750).contains(&y);
            Luma([if inside { 250 } else { 170 }])
        }),
        // A page on a patterned desk: the border is not uniform.
        image::GrayImage::from_fn(600, 800, |x, y| {
            let inside = (50..550).contains(&x) && (50..750).contains(&y);
            Luma([if inside {
                250
            } else if (x / 8 + y / 8) % 2 == 0 {
                10
            } else {
                140
            }])
        }),
        // A dark photo with a small light window: less than a quarter of the picture.
        image::GrayImage::from_fn(600, 800, |x, y| {
            let inside = (250..350).contains(&x) && (350..450).contains(&y);
            Luma([if inside { 250 } else { 20 }])
        }),
    ];
    for (index, picture) in cases.into_iter().enumerate() {
        let bytes = fixtures::encode(&DynamicImage::ImageLuma8(picture), ImageFormat::Png);
        let page = intake(&bytes, &grey_options()).unwrap();
        assert!(!page.auto_cropped, "case {index} must be left whole");
        assert_eq!((page.width, page.height), (600, 800), "case {index}");
    }
}

#[test]
fn large_pictures_are_scaled_to_300_dpi_a4_and_small_ones_are_not_enlarged() {
    let cases = [((5000, 3000), (3508, 2105)), ((3000, 4000), (2631, 3508)), ((800, 600), (800, 600))];
    for ((width, height), expected) in cases {
        let image = DynamicImage::ImageLuma8(image::GrayImage::from_pixel(width, height, Luma([200])));
        let page = intake(&fixtures::encode(&image, ImageFormat::Png), &grey_options()).unwrap();
        assert_eq!((page.width, page.height), expected, "{width} × {height}");
    }
}

#[test]
fn transparent_areas_become_white_paper() {
    let image =
        RgbaImage::from_fn(100, 100, |x, _| if x < 50 { Rgba([0, 0, 0, 0]) } else { Rgba([0, 0, 0, 255]) });
    let bytes = fixtures::encode(&DynamicImage::ImageRgba8(image), ImageFormat::Png);
    // Half transparent, half black: a dark border to the crop, so crop is off here.
    for mode in [ColourMode::Grey, ColourMode::Colour] {
        let options = IntakeOptions { mode, auto_crop: false, ..grey_options() };
        let stored = decode(&intake(&bytes, &options).unwrap().jpeg).into_luma8();
        assert!(stored.get_pixel(10, 50).0[0] > 240, "{:?}: transparent is white", options.mode);
        assert!(stored.get_pixel(90, 50).0[0] < 15, "{:?}: opaque black stays black", options.mode);
    }
}

#[test]
fn the_same_input_gives_the_same_bytes_and_hash() {
    let bytes =
        fixtures::encode(&DynamicImage::ImageLuma8(fixtures::printed_page(620, 877)), ImageFormat::Png);
    let first = intake(&bytes, &grey_options()).unwrap();
    let second = intake(&bytes, &grey_options()).unwrap();
    assert_eq!(first, second, "intake is deterministic, so a re-import is recognised by its hash");
}

#[test]
fn a_file_on_disk_goes_through_the_same_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proof.tif");
    let bytes =
        fixtures::encode(&DynamicImage::ImageLuma8(fixtures::printed_page(620, 877)), ImageFormat::Tiff);
    std::fs::write(&path, &bytes).unwrap();
    let from_file = intake_file(&path, &grey_options()).unwrap();
    assert_eq!(from_file, intake(&bytes, &grey_options()).unwrap());
}
