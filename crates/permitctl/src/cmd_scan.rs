//! `permitctl intake FILE -o OUT.jpg [--mode grey|colour]`: one file through the same
//! pipeline as the scan panel (size and pixel limits, format detection, EXIF orientation,
//! border crop, grey or colour, JPEG), printing `{width, height, bytes, sha256, ms, …}`;
//! a bad file prints `{"error": {code, message}}` and exits 1.
//!
//! `permitctl scanners`: the SANE devices (`SANE_CONFIG_DIR` is honoured), as a JSON array.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use app::scans::{ColourMode, IntakeOptions, SaneEnv};
use serde_json::json;

/// Arguments of `permitctl intake`.
#[derive(Debug, clap::Args)]
pub struct IntakeArgs {
    /// The image: JPEG, PNG or TIFF.
    pub file: PathBuf,
    /// Where to write the normalised JPEG.
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// `grey` (text documents, the default) or `colour` (ID cards, photos).
    #[arg(long, default_value = "grey")]
    pub mode: String,
}

fn refuse(code: &str, message: &str, exit: u8) -> ExitCode {
    eprintln!("permitctl: {message}");
    println!("{:#}", json!({ "error": { "code": code, "message": message } }));
    ExitCode::from(exit)
}

/// Runs `permitctl intake`.
pub fn run_intake(args: &IntakeArgs) -> ExitCode {
    let mode = match args.mode.as_str() {
        "grey" | "gray" => ColourMode::Grey,
        "colour" | "color" => ColourMode::Colour,
        other => return refuse("USAGE", &format!("--mode 只能是 grey 或 colour，而不是 {other}"), 2),
    };
    let options = IntakeOptions::for_mode(mode);
    let started = Instant::now();
    let pages = match app::scans::intake_file(&args.file, &options) {
        Ok(pages) => pages,
        Err(error) => return crate::cmd_office::report(&error),
    };
    let elapsed = started.elapsed();
    // A PDF gives every page: page 1 goes to OUTPUT, page n to OUTPUT with `-n` before its
    // extension.
    let mut outputs = Vec::with_capacity(pages.len());
    for (index, page) in pages.iter().enumerate() {
        let path = if index == 0 { args.output.clone() } else { numbered(&args.output, index + 1) };
        if let Err(error) = std::fs::write(&path, &page.jpeg) {
            return refuse("FILE_ERROR", &format!("无法写入 {}：{error}", path.display()), 2);
        }
        outputs.push(path);
    }
    let Some(page) = pages.first() else {
        return refuse("SCAN_EMPTY", "文件中没有可导入的页面。", 1);
    };
    let out = json!({
        "pages": pages.len(),
        "outputs": outputs,
        "width": page.width,
        "height": page.height,
        "bytes": page.jpeg.len(),
        "sha256": page.sha256,
        "mode": page.mode.as_str(),
        "source_format": page.source_format.as_str(),
        "auto_cropped": page.auto_cropped,
        "ms": (elapsed.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
        "output": args.output,
    });
    println!("{out:#}");
    ExitCode::SUCCESS
}

/// `out.jpg` → `out-2.jpg`.
fn numbered(path: &std::path::Path, number: usize) -> std::path::PathBuf {
    let stem = path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
    let name = match path.extension() {
        Some(extension) => format!("{stem}-{number}.{}", extension.to_string_lossy()),
        None => format!("{stem}-{number}"),
    };
    path.with_file_name(name)
}

/// Runs `permitctl scanners`.
pub fn run_scanners() -> ExitCode {
    match app::scans::scanners(&SaneEnv::default()) {
        Ok(devices) => {
            let list: Vec<_> = devices
                .iter()
                .map(|d| json!({ "name": d.name, "vendor": d.vendor, "model": d.model, "kind": d.kind }))
                .collect();
            println!("{:#}", json!(list));
            ExitCode::SUCCESS
        }
        Err(error) => crate::cmd_office::report(&error),
    }
}
