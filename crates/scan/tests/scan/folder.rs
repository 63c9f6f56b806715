//! The watched folder: each file handed out once, and only when complete.

use image::{DynamicImage, ImageFormat};
use scan::{WatchedFolder, intake_file};

use crate::{fixtures, grey_options, marked};

#[test]
fn new_files_are_handed_out_once_when_they_stop_growing() {
    let dir = tempfile::tempdir().unwrap();
    let png = fixtures::encode(&DynamicImage::ImageLuma8(marked(200, 100)), ImageFormat::Png);
    std::fs::write(dir.path().join("old.png"), &png).unwrap();
    let mut folder = WatchedFolder::skipping_existing(dir.path()).unwrap();

    std::fs::write(dir.path().join("b.png"), &png[..100]).unwrap();
    std::fs::write(dir.path().join("a.png"), &png).unwrap();
    std::fs::write(dir.path().join(".hidden.png"), &png).unwrap();
    std::fs::write(dir.path().join("c.png.part"), &png).unwrap();
    assert!(folder.poll().unwrap().is_empty(), "first sighting: may still be growing");

    // b.png is still being written.
    std::fs::write(dir.path().join("b.png"), &png[..200]).unwrap();
    let ready = folder.poll().unwrap();
    assert_eq!(ready, [dir.path().join("a.png")]);
    assert_eq!(intake_file(&ready[0], &grey_options()).unwrap().width, 200);

    std::fs::write(dir.path().join("b.png"), &png).unwrap();
    assert!(folder.poll().unwrap().is_empty());
    assert_eq!(folder.poll().unwrap(), [dir.path().join("b.png")]);
    assert!(folder.poll().unwrap().is_empty(), "nothing is handed out twice");
}

#[test]
fn a_folder_that_disappears_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone");
    let mut folder = WatchedFolder::new(&gone);
    assert!(matches!(folder.poll(), Err(scan::ScanError::Io { .. })));
}

#[test]
fn a_file_handed_back_comes_out_again_and_only_then() {
    let dir = tempfile::tempdir().unwrap();
    let png = fixtures::encode(&DynamicImage::ImageLuma8(marked(200, 100)), ImageFormat::Png);
    let mut folder = WatchedFolder::skipping_existing(dir.path()).unwrap();
    let page = dir.path().join("page.png");
    std::fs::write(&page, &png).unwrap();
    assert!(folder.poll().unwrap().is_empty());
    assert_eq!(folder.poll().unwrap(), std::slice::from_ref(&page));
    assert!(folder.poll().unwrap().is_empty());

    // Its page could not be stored: the file is handed out again once seen unchanged.
    folder.hand_back(&page);
    assert!(folder.poll().unwrap().is_empty(), "seen again first");
    assert_eq!(folder.poll().unwrap(), [page]);
    assert!(folder.poll().unwrap().is_empty(), "and then once only");
}
