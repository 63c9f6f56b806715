//! PDF proofs: social-insurance statements and rental contracts usually arrive as PDF files.
//! Each page is rendered to an image by Poppler's `pdftoppm` and taken in like any other
//! image, so it gets the same limits, normalisation, thumbnail and hash.
//!
//! Why Poppler, run as a child process: it is the PDF renderer of the desktop itself on
//! Debian, UOS and Kylin (packaged as `poppler-utils`, maintained and patched with the
//! system), it renders the CJK fonts and scanned images these statements contain, and a
//! renderer that crashes or hangs on a hostile file takes only its own process down; we
//! kill it at a timeout, as we do `scanimage`. The pure-Rust PDF crates either do not
//! rasterise (lopdf, pdf) or bundle a second browser engine (pdfium binaries), which the
//! counter would have to keep patched itself.
//!
//! Limits, before any pixel: the file size (the caller's [`crate::Limits`]), an encrypted
//! file refused at once, at most [`MAX_PDF_PAGES`] pages, and every page rendered with its
//! long side capped (`-scale-to`), so a page of absurd dimensions cannot become a huge
//! bitmap.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::pipeline::{COLOUR_MAX_LONG_SIDE, GREY_MAX_LONG_SIDE};
use crate::{ColourMode, IntakeOptions, Page, ScanError, intake};

/// The most pages one PDF may bring in (a year of monthly statements fits).
pub const MAX_PDF_PAGES: u32 = 30;
/// How long `pdfinfo` or the rendering of one page may take before it is killed.
pub const PDF_PAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether `bytes` look like a PDF (its header may follow up to 1,024 bytes of junk).
pub fn is_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024 + 5)];
    head.windows(5).any(|window| window == b"%PDF-")
}

/// Takes in every page of a PDF, in order. Refuses an encrypted, damaged or overlong file,
/// and reports a missing renderer, each with its own error; a hang is killed.
pub fn intake_pdf(bytes: &[u8], options: &IntakeOptions) -> Result<Vec<Page>, ScanError> {
    let limit = options.limits.max_file_bytes;
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limit {
        return Err(ScanError::TooLarge { bytes: size, limit });
    }
    let dir = tempfile::tempdir()
        .map_err(|source| ScanError::Io { what: "temporary folder".to_owned(), source })?;
    let input = dir.path().join("input.pdf");
    std::fs::write(&input, bytes)
        .map_err(|source| ScanError::Io { what: "temporary pdf".to_owned(), source })?;

    let info = run("pdfinfo", &[input.as_os_str()], dir.path())?;
    let info = String::from_utf8_lossy(&info);
    let field = |name: &str| {
        info.lines().find_map(|line| {
            line.strip_prefix(name).map(|rest| rest.trim_start_matches(':').trim().to_owned())
        })
    };
    if field("Encrypted").is_some_and(|value| value.starts_with("yes")) {
        return Err(ScanError::PdfEncrypted);
    }
    let pages: u32 = field("Pages")
        .and_then(|value| value.parse().ok())
        .ok_or_else(|| ScanError::PdfDamaged { detail: "pdfinfo found no page count".to_owned() })?;
    if pages == 0 {
        return Err(ScanError::Empty);
    }
    if pages > MAX_PDF_PAGES {
        return Err(ScanError::PdfTooManyPages { pages, limit: MAX_PDF_PAGES });
    }

    let (dpi, long_side, grey) = match options.mode {
        ColourMode::Grey => (200, GREY_MAX_LONG_SIDE, true),
        ColourMode::Colour => (300, COLOUR_MAX_LONG_SIDE, false),
    };
    let mut out = Vec::with_capacity(usize::try_from(pages).unwrap_or(0));
    for page in 1..=pages {
        let number = page.to_string();
        let dpi = dpi.to_string();
        let long_side = long_side.to_string();
        let prefix = dir.path().join(format!("page-{page}"));
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "-png".as_ref(),
            "-singlefile".as_ref(),
            "-f".as_ref(),
            number.as_ref(),
            "-l".as_ref(),
            number.as_ref(),
            "-r".as_ref(),
            dpi.as_ref(),
            "-scale-to".as_ref(),
            long_side.as_ref(),
        ];
        if grey {
            args.push("-gray".as_ref());
        }
        args.push(input.as_os_str());
        args.push(prefix.as_os_str());
        run("pdftoppm", &args, dir.path())?;
        let png_path = prefix.with_extension("png");
        let png = std::fs::read(&png_path)
            .map_err(|source| ScanError::Io { what: format!("page {page} of the pdf"), source })?;
        let _ = std::fs::remove_file(&png_path);
        out.push(intake(&png, options)?);
    }
    Ok(out)
}

/// Runs a Poppler tool, returns its standard output; kills it at [`PDF_PAGE_TIMEOUT`].
fn run(program: &'static str, args: &[&std::ffi::OsStr], cwd: &Path) -> Result<Vec<u8>, ScanError> {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => ScanError::PdfRendererMissing { program },
            _ => ScanError::Io { what: program.to_owned(), source },
        })?;
    // Read the pipes on their own threads so a chatty child cannot block on a full pipe.
    let stdout = child.stdout.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    });
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > PDF_PAGE_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ScanError::PdfTimeout { timeout: PDF_PAGE_TIMEOUT });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(source) => return Err(ScanError::Io { what: program.to_owned(), source }),
        }
    };
    let output = stdout.and_then(|handle| handle.join().ok()).unwrap_or_default();
    let errors = stderr.and_then(|handle| handle.join().ok()).unwrap_or_default();
    if !status.success() {
        if errors.contains("Incorrect password") || errors.contains("encrypted") {
            return Err(ScanError::PdfEncrypted);
        }
        let first_line = errors.lines().next().unwrap_or("").chars().take(200).collect::<String>();
        return Err(ScanError::PdfDamaged { detail: format!("{program}: {first_line}") });
    }
    Ok(output)
}
