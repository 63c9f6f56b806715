//! Document intake: proofs from scanners, document cameras and files, normalised into
//! compact JPEG pages with a thumbnail and a content hash.
//!
//! API boundary: bytes (or a path, a data URL, a SANE device) in, [`Page`] out. Nothing
//! here stores, encrypts, audits or links a page to an evidence item: `app` does that with
//! the store. Intake is CPU-bound and synchronous (about 100–200 ms for a 300-dpi A4 page in
//! a release build); the app calls it inside `spawn_blocking`. Scanning blocks on the
//! `scanimage` child process for as long as the scanner takes. PDF files are rendered page
//! by page by Poppler's `pdftoppm`, also as a child process ([`intake_document`]).
//!
//! How to use it:
//!
//! ```no_run
//! # fn main() -> Result<(), scan::ScanError> {
//! use scan::{ColourMode, IntakeOptions};
//! let options = IntakeOptions::for_mode(ColourMode::Grey); // 200 dpi; colour: 300 dpi
//! let page = scan::intake_file(std::path::Path::new("proof.jpg"), &options)?;
//! println!("{} × {}, {} bytes, sha256 {}", page.width, page.height, page.jpeg.len(), page.sha256);
//! # Ok(()) }
//! ```
//!
//! A failure is a [`ScanError`]; [`ScanError::message_zh`] is the sentence the clerk sees.
//!
//! Architecture invariants:
//! - Every input is checked against [`Limits`] before it is decoded: the file size before it
//!   is read, the pixel count from the header before any pixel buffer is allocated.
//! - Bad input is an error, never a panic: the bounded fuzzer in `tests/scan/fuzz.rs`
//!   checks this in CI.
//! - Nothing here reads the clock or looks a directory up, except the system's temporary
//!   folder when [`SaneEnv::work_dir`] is `None`.

mod camera;
mod crop;
mod error;
mod folder;
mod format;
mod limits;
mod pdf;
mod pipeline;
mod sane;

pub use camera::{intake_data_url, intake_data_url_pages};
pub use error::ScanError;
pub use folder::WatchedFolder;
pub use format::SourceFormat;
pub use limits::Limits;
pub use pdf::{MAX_PDF_PAGES, PDF_PAGE_TIMEOUT, intake_pdf, is_pdf};
pub use pipeline::{
    COLOUR_MAX_LONG_SIDE, ColourMode, GREY_MAX_LONG_SIDE, IntakeOptions, Page, Rotation, intake,
    intake_document, intake_file, intake_file_pages,
};
pub use sane::{Device, SaneEnv, ScanSettings, Scanned, list_devices, scan};
