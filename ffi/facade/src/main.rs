//! `chinwag-facade [--check]`: writes the bindings' generated sources from the table, each
//! formatted with rustfmt; with `--check`, writes nothing and fails if any differs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut stale = Vec::new();
    for file in chinwag_facade::generate() {
        let text = match rustfmt(&file.text) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("chinwag-facade: rustfmt failed on {}: {e}", file.path);
                return ExitCode::FAILURE;
            }
        };
        let path: PathBuf = root.join(file.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == text {
            continue;
        }
        if check {
            stale.push(file.path);
        } else if let Err(e) = std::fs::write(&path, text) {
            eprintln!("chinwag-facade: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        } else {
            println!("wrote {}", file.path);
        }
    }
    if !stale.is_empty() {
        eprintln!(
            "chinwag-facade: generated files differ from the table: {}\nrun `cargo run -p chinwag-facade` and commit the result",
            stale.join(", ")
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// `text` formatted by rustfmt (edition 2024).
fn rustfmt(text: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(text.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}
