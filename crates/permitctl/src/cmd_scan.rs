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
    let page = match app::scans::intake_file(&args.file, &options) {
        Ok(page) => page,
        Err(app::AppError::Scan(error)) => return refuse(error.code(), &error.message_zh(), 1),
        Err(other) => return refuse("INTERNAL", &other.to_string(), 2),
    };
    let elapsed = started.elapsed();
    if let Err(error) = std::fs::write(&args.output, &page.jpeg) {
        return refuse("FILE_ERROR", &format!("无法写入 {}：{error}", args.output.display()), 2);
    }
    let out = json!({
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
        Err(app::AppError::Scan(error)) => refuse(error.code(), &error.message_zh(), 2),
        Err(other) => refuse("INTERNAL", &other.to_string(), 2),
    }
}
