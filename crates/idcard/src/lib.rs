//! The second-generation ID-card reader (二代证读卡器) at the counter.
//!
//! Readers carry a security module (SAM) that speaks one frame protocol over a serial line
//! (a USB-serial or CDC port, `/dev/ttyUSB*` or `/dev/ttyACM*`; 115200 bps by default):
//!
//! ```text
//! to the reader:   AA AA AA 96 69 | LEN (2, big-endian) | CMD | PARA | DATA… | CHK
//! from the reader: AA AA AA 96 69 | LEN (2, big-endian) | SW1 | SW2 | SW3 | DATA… | CHK
//! ```
//!
//! `LEN` counts everything after it, the checksum included; `CHK` is the XOR of every byte
//! after the preamble before it. A card is read in three steps: find (`20 01`, answered
//! with status `9F`), select (`20 02`, `90`) and read the basic information (`30 01`,
//! `90`: the 256-byte text block and the 1024-byte photo). The status byte `SW3` says what
//! went wrong otherwise ([`Status`]). Sources: the public descriptions of the SAM interface
//! (公安部第一研究所's 身份证阅读器接口使用说明 as reproduced by reader vendors; see
//! `docs/peripherals.md`).
//!
//! [`frame`] encodes and decodes frames, [`card`] decodes the text block (pure, tested on
//! bytes), and [`serial`] reads a card through a serial port. Nothing here logs, and
//! nothing read is kept: the caller gets a [`Card`] and decides.

pub mod card;
pub mod frame;
pub mod serial;
#[cfg(feature = "simulator")]
pub mod simulator;
pub mod vendor;

pub use card::{Card, CardKind, decode_text};
pub use frame::{Command, Response, Status};
pub use serial::{Reader, ReaderError};
pub use vendor::{VendorLibrary, VendorRead};
