//! EXIF orientation: phones store pictures as the sensor saw them and record the turn in
//! an APP1 segment; the stored page must be upright.

use image::DynamicImage;
use scan::{IntakeOptions, Rotation, intake};

use crate::{dark_corner, fixtures, grey_options, marked};

/// A minimal EXIF APP1 segment holding only the Orientation tag (0x0112), big- or
/// little-endian, built byte by byte.
fn exif_segment(orientation: u16, big_endian: bool) -> Vec<u8> {
    let u16_bytes = |value: u16| if big_endian { value.to_be_bytes() } else { value.to_le_bytes() };
    let u32_bytes = |value: u32| if big_endian { value.to_be_bytes() } else { value.to_le_bytes() };
    let mut tiff = Vec::new();
    tiff.extend_from_slice(if big_endian { b"MM" } else { b"II" });
    tiff.extend_from_slice(&u16_bytes(42));
    tiff.extend_from_slice(&u32_bytes(8)); // first IFD right after the header
    tiff.extend_from_slice(&u16_bytes(1)); // one entry
    tiff.extend_from_slice(&u16_bytes(0x0112)); // Orientation
    tiff.extend_from_slice(&u16_bytes(3)); // SHORT
    tiff.extend_from_slice(&u32_bytes(1)); // one value
    tiff.extend_from_slice(&u16_bytes(orientation));
    tiff.extend_from_slice(&[0, 0]); // the value field is four bytes
    tiff.extend_from_slice(&u32_bytes(0)); // no next IFD

    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    segment.extend_from_slice(&payload);
    segment
}

/// A JPEG of the marked 400 × 300 picture with `segment` right after the start marker.
fn jpeg_with(segment: &[u8]) -> Vec<u8> {
    let jpeg = fixtures::jpeg(&DynamicImage::ImageLuma8(marked(400, 300)), 90);
    let mut bytes = jpeg[..2].to_vec();
    bytes.extend_from_slice(segment);
    bytes.extend_from_slice(&jpeg[2..]);
    bytes
}

#[test]
fn exif_orientation_is_applied_before_storing() {
    // EXIF orientation values: 1 upright, 2 mirrored, 3 upside down, 6 needs a quarter turn
    // clockwise, 8 a quarter turn anticlockwise.
    let cases = [
        (1, (400, 300), "top-left"),
        (2, (400, 300), "top-right"),
        (3, (400, 300), "bottom-right"),
        (6, (300, 400), "top-right"),
        (8, (300, 400), "bottom-left"),
    ];
    for big_endian in [true, false] {
        for (orientation, size, corner) in cases {
            let page = intake(&jpeg_with(&exif_segment(orientation, big_endian)), &grey_options()).unwrap();
            let label = format!("orientation {orientation}, big-endian {big_endian}");
            assert_eq!((page.width, page.height), size, "{label}");
            assert_eq!(dark_corner(&page), corner, "{label}");
            assert_eq!((page.source_width, page.source_height), (400, 300), "{label}: as decoded");
        }
    }
}

#[test]
fn a_requested_rotation_comes_after_the_exif_orientation() {
    let options = IntakeOptions { rotation: Rotation::Clockwise90, ..grey_options() };
    let page = intake(&jpeg_with(&exif_segment(6, true)), &options).unwrap();
    assert_eq!((page.width, page.height), (400, 300), "two quarter turns");
    assert_eq!(dark_corner(&page), "bottom-right");
}

#[test]
fn a_damaged_exif_block_leaves_the_picture_as_shot() {
    let mut segment = vec![0xFF, 0xE1, 0x00, 0x10];
    segment.extend_from_slice(b"Exif\0\0MM\0*\xFF\xFF\xFF\xFF");
    let page = intake(&jpeg_with(&segment), &grey_options()).unwrap();
    assert_eq!((page.width, page.height), (400, 300));
    assert_eq!(dark_corner(&page), "top-left");
}

#[test]
fn stored_pages_carry_no_exif() {
    let page = intake(&jpeg_with(&exif_segment(6, true)), &grey_options()).unwrap();
    assert!(
        !page.jpeg.windows(6).any(|window| window == b"Exif\0\0"),
        "metadata (GPS, camera serial) is not copied into the stored page"
    );
}
