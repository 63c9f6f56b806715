//! Writes each target's starting inputs into `OUT/<target>/`: the committed corpus
//! (`crates/fuzz-targets/corpus/`) and the seeds `fuzz_targets::generated_seeds` makes.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "seeds".to_owned()));
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/fuzz-targets/corpus");
    for &(name, _) in fuzz_targets::TARGETS {
        let folder = out.join(name);
        std::fs::create_dir_all(&folder)?;
        for (index, seed) in fuzz_targets::generated_seeds(name).iter().enumerate() {
            std::fs::write(folder.join(format!("generated-{index}")), seed)?;
        }
        if let Ok(entries) = std::fs::read_dir(corpus.join(name)) {
            for entry in entries {
                let path = entry?.path();
                if let Some(file_name) = path.file_name() {
                    std::fs::copy(&path, folder.join(file_name))?;
                }
            }
        }
    }
    Ok(())
}
