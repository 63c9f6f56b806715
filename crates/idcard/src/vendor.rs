//! The vendor library most readers ship (the `SDT_*` API of `libsdtapi.so`, the Linux
//! build of `sdtapi.dll`), loaded at run time when it is installed and never linked at
//! build time: for readers reached only through their vendor's driver (USB HID), and for
//! the photo, which only a vendor's decoder can turn into an image.
//!
//! The API (as the vendors' headers declare it; every call returns the module's status
//! byte, `0x90` done, `0x9F` card found, as [`Status`]):
//!
//! ```text
//! int SDT_OpenPort(int port);               // 1001–1016 USB, 1–16 serial
//! int SDT_ClosePort(int port);
//! int SDT_StartFindIDCard(int port, unsigned char *iin, int if_open);
//! int SDT_SelectIDCard(int port, unsigned char *sn, int if_open);
//! int SDT_ReadBaseMsg(int port, unsigned char *text, unsigned int *text_len,
//!                     unsigned char *photo, unsigned int *photo_len, int if_open);
//! int unpack(unsigned char *wlt, unsigned char *bmp, int save);  // optional: 1 = decoded
//! ```
//!
//! The text block is the same 256 bytes the serial protocol carries ([`decode_text`]); the
//! photo is 1024 bytes of WLT, decoded by `unpack` into a 102 × 126 BMP (38 862 bytes)
//! when the library (or `libwlt.so` beside it) exports it.

#![allow(unsafe_code, reason = "calls into the vendor's C library; every block says why it holds")]

use std::path::{Path, PathBuf};

use crate::card::{Card, decode_text};
use crate::frame::Status;
use crate::serial::ReaderError;

/// The status the library returns for done.
const DONE: i32 = 0x90;
/// The status for a card found.
const FOUND: i32 = 0x9F;
/// The size of the decoded photo (a 102 × 126, 24-bit BMP).
pub const PHOTO_BMP_LEN: usize = 38_862;

type OpenPort = unsafe extern "C" fn(i32) -> i32;
type FindCard = unsafe extern "C" fn(i32, *mut u8, i32) -> i32;
type ReadBase = unsafe extern "C" fn(i32, *mut u8, *mut u32, *mut u8, *mut u32, i32) -> i32;
type Unpack = unsafe extern "C" fn(*mut u8, *mut u8, i32) -> i32;

/// A card read through the vendor's library, with its photo when the library decodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorRead {
    /// What the card says.
    pub card: Card,
    /// The photo as a BMP, when a decoder is there.
    pub photo_bmp: Option<Vec<u8>>,
}

/// A loaded vendor library.
#[derive(Debug)]
pub struct VendorLibrary {
    library: libloading::Library,
    photo: Option<libloading::Library>,
    path: PathBuf,
}

impl VendorLibrary {
    /// Loads the library at `path` and checks that it exports the reading calls; the photo
    /// decoder is looked for in it, then in `libwlt.so` beside it.
    pub fn load(path: &Path) -> Result<VendorLibrary, ReaderError> {
        let missing = |detail: String| ReaderError::Library { path: path.display().to_string(), detail };
        // SAFETY: loading a shared library runs its initialisers; the library is the one
        // the administrator installed for the reader (a path set for this PC).
        let library =
            unsafe { libloading::Library::new(path) }.map_err(|error| missing(error.to_string()))?;
        for symbol in
            ["SDT_OpenPort", "SDT_ClosePort", "SDT_StartFindIDCard", "SDT_SelectIDCard", "SDT_ReadBaseMsg"]
        {
            // SAFETY: only looked up here, with the type the vendors' headers declare.
            let found = unsafe { library.get::<OpenPort>(symbol.as_bytes()) };
            if found.is_err() {
                return Err(missing(format!("{symbol} is not exported")));
            }
        }
        // SAFETY: as above.
        let decodes = |lib: &libloading::Library| unsafe { lib.get::<Unpack>(b"unpack") }.is_ok();
        let photo = if decodes(&library) {
            None
        } else {
            let beside = path.with_file_name("libwlt.so");
            // SAFETY: as for the reader's library; only when it sits beside it.
            beside
                .exists()
                .then(|| unsafe { libloading::Library::new(&beside) }.ok())
                .flatten()
                .filter(decodes)
        };
        Ok(VendorLibrary { library, photo, path: path.to_owned() })
    }

    /// Where it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the photo can be decoded.
    pub fn decodes_photos(&self) -> bool {
        self.photo.is_some() || self.unpack().is_some()
    }

    fn call<T>(&self, symbol: &str) -> Result<libloading::Symbol<'_, T>, ReaderError> {
        // SAFETY: every symbol was checked at load; `T` is the type the headers declare.
        unsafe { self.library.get::<T>(symbol.as_bytes()) }.map_err(|error| ReaderError::Library {
            path: self.path.display().to_string(),
            detail: error.to_string(),
        })
    }

    fn unpack(&self) -> Option<libloading::Symbol<'_, Unpack>> {
        let library = self.photo.as_ref().unwrap_or(&self.library);
        // SAFETY: the decoder's declared type.
        unsafe { library.get::<Unpack>(b"unpack") }.ok()
    }

    /// The first port the library opens: USB (1001–1016), then serial (1–16).
    pub fn open_port(&self) -> Result<i32, ReaderError> {
        let open = self.call::<OpenPort>("SDT_OpenPort")?;
        let close = self.call::<OpenPort>("SDT_ClosePort")?;
        for port in (1001..=1016).chain(1..=16) {
            // SAFETY: plain integers in and out.
            if unsafe { open(port) } == DONE {
                // SAFETY: as above.
                unsafe { close(port) };
                return Ok(port);
            }
        }
        Err(ReaderError::NotFound)
    }

    /// Whether a reader answers through the library.
    pub fn check(&self) -> Result<(), ReaderError> {
        self.open_port().map(|_| ())
    }

    /// Finds, selects and reads the card, with its photo when it can be decoded.
    pub fn read_card(&self) -> Result<VendorRead, ReaderError> {
        let port = self.open_port()?;
        let open = self.call::<OpenPort>("SDT_OpenPort")?;
        let close = self.call::<OpenPort>("SDT_ClosePort")?;
        // SAFETY: plain integers.
        if unsafe { open(port) } != DONE {
            return Err(ReaderError::NotFound);
        }
        let read = self.read_open(port);
        // SAFETY: as above.
        unsafe { close(port) };
        read
    }

    fn read_open(&self, port: i32) -> Result<VendorRead, ReaderError> {
        let status = |code: i32| ReaderError::Status(Status::of(u8::try_from(code & 0xFF).unwrap_or(0)));
        let find = self.call::<FindCard>("SDT_StartFindIDCard")?;
        let select = self.call::<FindCard>("SDT_SelectIDCard")?;
        let read = self.call::<ReadBase>("SDT_ReadBaseMsg")?;
        let mut scratch = [0_u8; 64];
        // SAFETY: the buffers are larger than the 8-byte IIN and serial number written.
        let found = unsafe { find(port, scratch.as_mut_ptr(), 0) };
        if found != FOUND {
            return Err(status(found));
        }
        // SAFETY: as above.
        let selected = unsafe { select(port, scratch.as_mut_ptr(), 0) };
        if selected != DONE {
            return Err(status(selected));
        }
        let mut text = vec![0_u8; 1024];
        let mut photo = vec![0_u8; 4096];
        let (mut text_len, mut photo_len) = (0_u32, 0_u32);
        // SAFETY: buffers of 1024 and 4096 bytes for a 256-byte text and a 1024-byte photo,
        // the sizes every vendor documents; the lengths written are checked below.
        let answered =
            unsafe { read(port, text.as_mut_ptr(), &mut text_len, photo.as_mut_ptr(), &mut photo_len, 0) };
        if answered != DONE {
            return Err(status(answered));
        }
        let text_len = usize::try_from(text_len).unwrap_or(usize::MAX);
        let photo_len = usize::try_from(photo_len).unwrap_or(usize::MAX);
        if text_len > text.len() || photo_len > photo.len() {
            return Err(ReaderError::Layout(text_len));
        }
        let card = decode_text(&text[..text_len])?;
        let photo_bmp = (photo_len == 1024).then(|| self.decode_photo(&mut photo[..photo_len])).flatten();
        Ok(VendorRead { card, photo_bmp })
    }

    fn decode_photo(&self, wlt: &mut [u8]) -> Option<Vec<u8>> {
        let unpack = self.unpack()?;
        let mut bmp = vec![0_u8; PHOTO_BMP_LEN];
        // SAFETY: a 1024-byte WLT in, a buffer of the documented BMP size out, nothing saved.
        let decoded = unsafe { unpack(wlt.as_mut_ptr(), bmp.as_mut_ptr(), 0) };
        (decoded == 1 && bmp.starts_with(b"BM")).then_some(bmp)
    }
}

/// The library to use: the path set for this PC (even when missing: loading it then says
/// so), else the first of the usual places where vendors install it.
pub fn installed(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = configured {
        return Some(path.to_owned());
    }
    ["/usr/lib/libsdtapi.so", "/usr/local/lib/libsdtapi.so", "/usr/lib64/libsdtapi.so"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
}
