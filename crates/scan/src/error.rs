//! The one error type of the `scan` crate, with the sentence a clerk reads for each case.
//!
//! The `Display` text is for logs (short, lowercase, English); [`ScanError::message_zh`] is
//! for the window. The shell maps each variant to a stable code with an exhaustive match.

use std::time::Duration;

/// Why a page could not be taken in, or a scanner could not be listed or used.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The input has no bytes at all (a failed save, a scanner that wrote nothing).
    #[error("input is empty")]
    Empty,
    /// The input is larger than [`crate::Limits::max_file_bytes`]; it was not read.
    #[error("input is {bytes} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Size of the input.
        bytes: u64,
        /// The limit in force.
        limit: u64,
    },
    /// The header declares more pixels than [`crate::Limits::max_pixels`] (a decompression
    /// bomb, or a scan at a far too high resolution); nothing was decoded. Width and height
    /// are 0 when the decoder hit [`crate::Limits::max_decode_bytes`] before it knew them.
    #[error("image is {width} × {height} pixels, more than the limit of {limit} pixels")]
    TooManyPixels {
        /// Width the header declares.
        width: u32,
        /// Height the header declares.
        height: u32,
        /// The limit in force, in pixels.
        limit: u64,
    },
    /// One side is longer than [`crate::Limits::max_dimension`]; nothing was decoded.
    #[error("image is {width} × {height} pixels, a side longer than the limit of {limit}")]
    DimensionTooLarge {
        /// Width the header declares.
        width: u32,
        /// Height the header declares.
        height: u32,
        /// The limit in force, in pixels per side.
        limit: u32,
    },
    /// The format was recognised but the data is damaged or cut short.
    #[error("image data is corrupt: {detail}")]
    Corrupt {
        /// What the decoder reported.
        detail: String,
    },
    /// A PDF given where one image is expected (a single page); files, data URLs and the
    /// watched folder take PDFs page by page ([`crate::intake_document`]).
    #[error("pdf input is not supported here")]
    PdfNotSupported,
    /// A PDF that Poppler cannot read: damaged, cut short, or not a PDF past its header.
    #[error("pdf is damaged: {detail}")]
    PdfDamaged {
        /// What pdfinfo or pdftoppm reported.
        detail: String,
    },
    /// A password-protected PDF: it cannot be rendered.
    #[error("pdf is encrypted")]
    PdfEncrypted,
    /// More pages than [`crate::MAX_PDF_PAGES`].
    #[error("pdf has {pages} pages, more than the limit of {limit}")]
    PdfTooManyPages {
        /// Pages in the file.
        pages: u32,
        /// The limit in force.
        limit: u32,
    },
    /// Poppler's `pdfinfo` or `pdftoppm` is not installed.
    #[error("{program} is not installed")]
    PdfRendererMissing {
        /// The missing program.
        program: &'static str,
    },
    /// Rendering a page took longer than [`crate::PDF_PAGE_TIMEOUT`]; it was killed.
    #[error("pdf rendering did not finish within {timeout:?}")]
    PdfTimeout {
        /// The time allowed.
        timeout: Duration,
    },
    /// Neither JPEG, PNG nor TIFF.
    #[error("unsupported format: {detected}")]
    Unsupported {
        /// What the first bytes look like: `GIF`, `BMP`, `WebP`, `HEIC`, or `unknown`.
        detected: &'static str,
    },
    /// JPEG, PNG or TIFF, but in a variant the decoder lacks (a rare TIFF compression, a
    /// 12-bit JPEG).
    #[error("unsupported image variant: {detail}")]
    UnsupportedVariant {
        /// What the decoder reported.
        detail: String,
    },
    /// A camera frame from the window is not a `data:image/…;base64,` URL or plain base64.
    #[error("camera frame is not a base64 image: {detail}")]
    InvalidDataUrl {
        /// What is wrong with it.
        detail: String,
    },
    /// `scanimage` (package sane-utils) is not installed or not on the path.
    #[error("scanimage is not installed: {detail}")]
    SaneMissing {
        /// The error from starting it.
        detail: String,
    },
    /// The scanner is not there (unplugged, switched off, or a name from an old list).
    #[error("scanner {device} cannot be opened: {detail}")]
    ScannerNotFound {
        /// The SANE device name asked for.
        device: String,
        /// What scanimage said.
        detail: String,
    },
    /// The scanner sent no page in time (a page's time, twice that for the first); the scan
    /// was stopped.
    #[error("scan did not finish within {timeout:?}")]
    ScanTimeout {
        /// The time allowed.
        timeout: Duration,
    },
    /// scanimage failed for another reason (paper jam, cover open, empty feeder, …).
    #[error("scan failed: {detail}")]
    ScanFailed {
        /// What scanimage said.
        detail: String,
    },
    /// Reading the input file or the scanner's temporary output failed.
    #[error("cannot read {what}: {source}")]
    Io {
        /// The file or step that failed.
        what: String,
        /// The IO error.
        source: std::io::Error,
    },
}

// Its stable code is given by the one error catalogue, `app::problem`.
impl ScanError {
    /// One plain Chinese sentence for the clerk: what happened and what to do.
    pub fn message_zh(&self) -> String {
        match self {
            ScanError::Empty => "文件为空（0 字节），请重新扫描或选择其他文件。".to_owned(),
            ScanError::TooLarge { bytes, limit } => format!(
                "文件过大（{}），超过上限 {}，请降低扫描分辨率或选择其他文件。",
                megabytes(*bytes),
                megabytes(*limit)
            ),
            ScanError::TooManyPixels { width: 0, .. } | ScanError::TooManyPixels { height: 0, .. } => {
                "图像尺寸过大，无法导入，请以 300 dpi 重新扫描或选择其他文件。".to_owned()
            }
            ScanError::TooManyPixels { width, height, .. }
            | ScanError::DimensionTooLarge { width, height, .. } => format!(
                "图像尺寸过大（{width} × {height} 像素），无法导入，请以 300 dpi 重新扫描或选择其他文件。"
            ),
            ScanError::Corrupt { .. } => {
                "文件已损坏或不完整，无法读取图像，请重新扫描或重新保存后再导入。".to_owned()
            }
            ScanError::PdfNotSupported => {
                "此处只能放一页图片：PDF 文件请用“选择文件”导入，每页自动成为一张扫描件。".to_owned()
            }
            ScanError::PdfDamaged { .. } => {
                "该 PDF 文件已损坏或不完整，无法读取，请重新扫描，或向出具单位索取完整的文件。".to_owned()
            }
            ScanError::PdfEncrypted => {
                "该 PDF 文件设有密码，无法读取，请向出具单位索取未加密的文件，或打印后扫描。".to_owned()
            }
            ScanError::PdfTooManyPages { pages, limit } => format!(
                "该 PDF 文件共 {pages} 页，超过一次最多导入 {limit} 页的上限，请只导入需要的页面，或分成几个文件。"
            ),
            ScanError::PdfRendererMissing { .. } => {
                "本机缺少 PDF 读取组件（poppler-utils），请联系管理员安装，或将材料打印后扫描。".to_owned()
            }
            ScanError::PdfTimeout { timeout } => format!(
                "读取 PDF 文件超时（{} 秒内未完成），已停止；文件可能已损坏，请打印后扫描。",
                timeout.as_secs()
            ),
            ScanError::Unsupported { detected } if *detected == "unknown" => {
                "无法识别的文件格式，请选择 JPEG、PNG、TIFF 图片或 PDF 文件。".to_owned()
            }
            ScanError::Unsupported { detected } => {
                format!("不支持 {detected} 格式，请选择 JPEG、PNG、TIFF 图片或 PDF 文件。")
            }
            ScanError::UnsupportedVariant { .. } => {
                "该图片的编码方式暂不支持，请在扫描软件中改存为 JPEG 或 PNG 后再导入。".to_owned()
            }
            ScanError::InvalidDataUrl { .. } => "拍摄的画面无法读取，请重新拍摄。".to_owned(),
            ScanError::SaneMissing { .. } => {
                "本机未安装扫描程序（sane-utils），请联系管理员安装后再扫描。".to_owned()
            }
            ScanError::ScannerNotFound { device, .. } => {
                format!("找不到扫描仪 {device}，请检查电源和数据线，然后刷新扫描仪列表。")
            }
            ScanError::ScanTimeout { timeout } => {
                format!(
                    "扫描仪 {} 秒没有送来下一页，已停止扫描。请检查扫描仪的电源和数据线（网络扫描仪请检查网络）后重试。",
                    timeout.as_secs()
                )
            }
            ScanError::ScanFailed { .. } => {
                "扫描失败，请检查扫描仪（是否卡纸、盖板未合上或进纸器无纸）后重试。".to_owned()
            }
            ScanError::Io { .. } => "无法读取文件，请确认文件存在且未被其他程序占用。".to_owned(),
        }
    }
}

/// Bytes as megabytes with one decimal, the unit clerks see in the file manager.
fn megabytes(bytes: u64) -> String {
    // Precision loss above 2^53 bytes does not matter for a message.
    #[allow(clippy::cast_precision_loss)]
    let megabytes = bytes as f64 / 1_000_000.0;
    format!("{megabytes:.1} MB")
}
