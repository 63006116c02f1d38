//! Embeds the bundled question banks (`question_banks/**.yaml`) in the binary, with a content hash
//! that tells the store whether the bundled banks changed since the last run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

use sha2::{Digest, Sha256};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?).join("question_banks");
    println!("cargo::rerun-if-changed={}", root.display());
    // On Linux the executable is linked at a fixed address: the dynamic loader then has no pointer
    // to relocate (37 k of them, 1.1 MB of tables copied page by page at every start, about 0.6 ms
    // of a 5 ms drill start-up). Shared libraries, the stack and the heap stay randomised.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
    let mut files = Vec::new();
    if root.is_dir() {
        collect(&root, &mut files)?;
    }
    let mut hasher = Sha256::new();
    let mut code = String::from("/// Bundled bank files: path under question_banks/, contents.\n");
    code.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for path in &files {
        println!("cargo::rerun-if-changed={}", path.display());
        let rel = path.strip_prefix(&root)?.to_string_lossy().replace('\\', "/");
        let bytes = fs::read(path)?;
        hasher.update((rel.len() as u64).to_le_bytes());
        hasher.update(rel.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
        writeln!(
            code,
            "    ({rel:?}, include_bytes!({:?})),",
            path.display().to_string()
        )?;
    }
    code.push_str("];\n");
    let digest: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    writeln!(code, "/// SHA-256 of every bundled file's path and bytes.")?;
    writeln!(code, "pub const FINGERPRINT: &str = {digest:?};")?;
    fs::write(
        PathBuf::from(env::var("OUT_DIR")?).join("embedded_banks.rs"),
        code,
    )?;
    Ok(())
}
