//! The npm package's WebAssembly: raw and gzip size of what ships
//! (`bindings/typescript/dist/chinwag_wasm_bg.wasm`, built by `scripts/npm.sh build`), against
//! cargo's own output before wasm-bindgen and wasm-opt.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::stats::{Better, Measure};
use crate::{Fallible, progress};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn gzip_len(bytes: &[u8]) -> Fallible<f64> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    Ok(gz.finish()?.len() as f64)
}

/// Rows: raw and gzip KB of the shipped module. Builds it with `scripts/npm.sh build` when
/// `build` is set or it is missing.
pub fn wasm(build: bool) -> Fallible<Vec<Measure>> {
    let root = repo_root();
    let shipped = root.join("bindings/typescript/dist/chinwag_wasm_bg.wasm");
    if build || !shipped.exists() {
        progress("wasm: scripts/npm.sh build");
        let status = std::process::Command::new("bash")
            .arg("scripts/npm.sh")
            .arg("build")
            .current_dir(&root)
            .status()?;
        if !status.success() {
            return Err("scripts/npm.sh build failed".into());
        }
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let cargo_out = target.join("wasm32-unknown-unknown/wasm-release/chinwag_wasm.wasm");
    let ours = std::fs::read(&shipped)?;
    let theirs = std::fs::read(&cargo_out).ok();
    let kb = |n: f64| n / 1000.0;
    let row = |name: &str, value: f64, base: Option<f64>, aim: &'static str| Measure {
        name: name.into(),
        unit: "KB",
        chinwag: kb(value),
        baseline: base.map(kb),
        better: Better::Lower,
        aim,
    };
    Ok(vec![
        row(
            "wasm package, raw",
            ours.len() as f64,
            theirs.as_ref().map(|t| t.len() as f64),
            "",
        ),
        row(
            "wasm package, gzip -9",
            gzip_len(&ours)?,
            theirs.as_deref().map(gzip_len).transpose()?,
            "≤ 250 KB",
        ),
    ])
}
