//! Paths and helpers shared by the suites.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>`, where cargo put `libzad.so` and `zad` for this build.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().and_then(Path::parent).expect("target/<profile>/deps").to_path_buf()
}

/// The `zad` CLI of this build.
pub fn zad_cli() -> PathBuf {
    profile_dir().join("zad")
}

/// Whether expectation files should be rewritten rather than compared.
pub fn bless() -> bool {
    std::env::var_os("ZAD_BLESS").is_some_and(|value| value != "0")
}

/// Whether a file (by path) is selected by `ZAD_FILTER`.
pub fn selected(path: &Path) -> bool {
    match std::env::var("ZAD_FILTER") {
        Ok(filter) if !filter.is_empty() => path.to_string_lossy().contains(&filter),
        _ => true,
    }
}

/// Files with `extension` under `dir` (relative to the root), sorted.
pub fn files_in(dir: &str, extension: &str) -> Vec<PathBuf> {
    files_where(dir, |path| path.extension().is_some_and(|ext| ext == extension))
}

/// Files under `dir` (relative to the root) that `keep` accepts, sorted.
pub fn files_where(dir: &str, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|error| panic!("{dir}: {error}"))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| keep(path))
        .collect();
    files.sort();
    files
}

/// Runs a command, returning (status success, stdout, stderr).
pub fn run(command: &mut Command) -> (bool, String, String) {
    let output = command.output().unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Asserts `|actual - expected| <= tolerance * max(1, |expected|)`.
pub fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    let scale = expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= tolerance * scale || (actual.is_nan() && expected.is_nan()),
        "{what}: got {actual:.17e}, expected {expected:.17e} (tolerance {tolerance:e})"
    );
}

/// How closely zad's primal must match a native compiler's (relative), in
/// double and in single precision.
pub const AGREEMENT_F64: f64 = 1e-10;
pub const AGREEMENT_F32: f64 = 1e-4;

/// Whether any parameter or result of `signature` is single precision
/// (and so its numbers agree only to `AGREEMENT_F32`).
pub fn single_precision(signature: &zad::Signature) -> bool {
    signature.inputs.iter().chain(&signature.results).any(|ty| match ty {
        zad::ParamType::Scalar(scalar) => *scalar == zad::Scalar::F32,
        zad::ParamType::MemRef(memref) => memref.element == zad::Scalar::F32,
    })
}

/// Compares the numbers `zad run` printed with those of the program
/// `compiler` built (each to `AGREEMENT_F64`, or `AGREEMENT_F32` where
/// `single`).
pub fn assert_agree(got: &[f64], expected: &[f64], single: bool, compiler: &str) -> Result<(), String> {
    if got.len() != expected.len() {
        return Err(format!("zad printed {} numbers, {compiler}'s program {}", got.len(), expected.len()));
    }
    let tolerance = if single { AGREEMENT_F32 } else { AGREEMENT_F64 };
    for (k, (z, g)) in got.iter().zip(expected).enumerate() {
        // Written so that a NaN disagrees.
        let agree = (z - g).abs() <= tolerance * g.abs().max(1.0);
        if !agree {
            return Err(format!("number #{k} after the call: zad run gives {z:.17e}, {compiler} {g:.17e}"));
        }
    }
    Ok(())
}

/// Fails when a suite's directory holds fewer than `min` files, so that it
/// cannot shrink (or vanish) and still pass.
pub fn assert_enough_files(files: &[PathBuf], min: usize, dir: &str) {
    assert!(files.len() >= min, "{dir} has {} kernel files; the suite needs at least {min}", files.len());
}

/// Fails once, listing every failure, when a suite collected any; `what`
/// names the checks and `scope` says how much was run.
pub fn assert_no_failures(failures: &[String], what: &str, scope: &str) {
    assert!(
        failures.is_empty(),
        "{} {what} check(s) failed ({scope}):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// A per-test directory under the system's temporary directory (for
/// objects, `.mod` files, executables, installed trees), removed when the
/// test passes and kept, its path printed, when it fails.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("zad-test-{}-{name}", std::process::id()));
        // A leftover of an earlier run with the same pid would only confuse.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
        Scratch { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("build products kept in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
