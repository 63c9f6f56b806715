//! The vendor library path, against a fake `libsdtapi.so` compiled here from
//! `tests/fake-sdtapi/sdtapi.c` with the system's C compiler (`cc`): loaded at run time,
//! a card read through it, no card, the photo decoded when `unpack` is there and absent
//! when not, and a library without the reading calls refused.

#![allow(unsafe_code, reason = "the test places the card through the fake library's own call")]

use std::path::{Path, PathBuf};
use std::process::Command;

use idcard::simulator::card_text;
use idcard::vendor::{PHOTO_BMP_LEN, VendorLibrary};
use idcard::{ReaderError, Status};

/// Compiles the fake into `dir` (`-D` flags as given) and returns the library's path.
fn build(dir: &Path, name: &str, flags: &[&str]) -> PathBuf {
    // Where cargo runs the test from, not where it was compiled: a shared target directory
    // may hold this binary from a checkout that is gone (the source would be missing).
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let source = crate_dir.join("tests/fake-sdtapi/sdtapi.c");
    let library = dir.join(name);
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&library)
        .args(flags)
        .arg(&source)
        .status()
        .expect("a C compiler (cc) to build the fake vendor library");
    assert!(status.success(), "the fake library compiles");
    library
}

/// Places the card of 陈静 (or nothing) on the fake reader.
fn place(library: &Path, card: bool) {
    let text = card_text("20350307");
    // SAFETY: the fake's own test call, declared as the fake defines it; the library stays
    // loaded (dlopen counts references) while the reader under test holds it too.
    unsafe {
        let fake = libloading::Library::new(library).expect("the fake loads");
        let put: libloading::Symbol<unsafe extern "C" fn(*const u8, i32) -> i32> =
            fake.get(b"fake_place_card").expect("fake_place_card");
        put(text.as_ptr(), if card { 256 } else { 0 });
        std::mem::forget(fake);
    }
}

#[test]
fn a_card_is_read_through_the_vendor_library_with_its_photo() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = build(dir.path(), "libsdtapi.so", &["-DWITH_PHOTO"]);
    let library = VendorLibrary::load(&path).expect("the library loads");
    assert!(library.decodes_photos());
    assert_eq!(library.open_port().expect("a reader on USB"), 1001);

    place(&path, false);
    let error = library.read_card().expect_err("no card");
    assert!(matches!(error, ReaderError::Status(Status::NoCard)), "{error:?}");
    assert!(error.is_no_card());

    place(&path, true);
    let read = library.read_card().expect("the card is read");
    assert_eq!((read.card.name.as_str(), read.card.id_number.as_str()), ("陈静", "341203199003071227"));
    let photo = read.photo_bmp.expect("the photo decoded by the library");
    assert_eq!(photo.len(), PHOTO_BMP_LEN);
    assert!(photo.starts_with(b"BM"));
}

#[test]
fn without_a_decoder_the_card_comes_without_its_photo() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = build(dir.path(), "libsdtapi.so", &[]);
    let library = VendorLibrary::load(&path).expect("the library loads");
    assert!(!library.decodes_photos());
    place(&path, true);
    let read = library.read_card().expect("the card is read");
    assert_eq!(read.card.name, "陈静");
    assert_eq!(read.photo_bmp, None, "only a vendor's decoder reads the photo");
}

#[test]
fn a_library_without_the_reading_calls_or_no_library_is_refused_in_words() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let source = dir.path().join("other.c");
    std::fs::write(&source, "int something_else(void) { return 0; }\n").expect("write");
    let other = dir.path().join("libother.so");
    let built = Command::new("cc").args(["-shared", "-fPIC", "-o"]).arg(&other).arg(&source).status();
    assert!(built.expect("cc runs").success());
    let error = VendorLibrary::load(&other).expect_err("not a reader library");
    assert!(error.to_string().contains("SDT_OpenPort is not exported"), "{error}");
    assert!(error.message_zh().contains("驱动库"), "{}", error.message_zh());
    let missing = VendorLibrary::load(&dir.path().join("libnone.so")).expect_err("no library");
    assert!(matches!(missing, ReaderError::Library { .. }));
}
