//! Running LLVM's tools: C source in, the LLVM dialect of MLIR out.
//!
//! The route: `clang -O0 -Xclang -disable-O0-optnone` (so that the passes
//! below may run), `opt` with SROA, early CSE, instcombine and simplifycfg
//! (locals become SSA values; loops keep their while shape, since no loop
//! rotation runs), then `mlir-translate --import-llvm`, printed in the
//! generic form with source locations. All three come from the LLVM zad is
//! built with.

use crate::error::{Error, Result};
use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// The Debian packages that provide the tools, by tool.
const PACKAGES: &[(&str, &str)] = &[("clang", "clang-22"), ("opt", "llvm-22"), ("mlir-translate", "mlir-22-tools")];

/// The passes run on clang's unoptimised IR: promote locals to SSA values
/// and clean up, without restructuring loops (no rotation, no induction
/// variable rewriting), so that every loop lifts to `scf.while`.
const PASSES: &str = "sroa,early-cse,instcombine<no-verify-fixpoint>,simplifycfg";

/// Options for reading C source, given as a command-line style string:
/// `-I DIR`, `-D NAME[=VALUE]`, `-U NAME` and `-std=...`. Words are
/// separated by white space.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct COptions {
    /// Arguments for clang, in order.
    arguments: Vec<String>,
}

impl COptions {
    /// Reads an options string (see the type). An unknown word is an
    /// `InvalidArgument` error that lists what is accepted.
    pub fn parse(text: &str) -> Result<COptions> {
        let mut arguments = Vec::new();
        let mut words = text.split_whitespace();
        while let Some(word) = words.next() {
            match word {
                "-I" | "-D" | "-U" => {
                    let value =
                        words.next().ok_or_else(|| Error::InvalidArgument(format!("C options: {word} needs a value")))?;
                    arguments.push(word.to_string());
                    arguments.push(value.to_string());
                }
                _ if ["-I", "-D", "-U"].iter().any(|flag| word.starts_with(flag)) => {
                    arguments.push(word[..2].to_string());
                    arguments.push(word[2..].to_string());
                }
                _ if word.starts_with("-std=") => arguments.push(word.to_string()),
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "C options: unknown option '{word}' (accepted: -I DIR, -D NAME[=VALUE], -U NAME, -std=STANDARD)"
                    )));
                }
            }
        }
        Ok(COptions { arguments })
    }
}

/// The file extension of C source zad reads.
pub const C_EXTENSIONS: &[&str] = &["c"];

/// Whether `path` names C source (by its extension).
pub fn is_c_source(path: &Path) -> bool {
    path.extension().and_then(|ext| ext.to_str()).is_some_and(|ext| C_EXTENSIONS.contains(&ext))
}

/// A tool of the LLVM zad was built against (`ZAD_CLANG` overrides clang).
fn tool(name: &str) -> Result<PathBuf> {
    let path = match (name, std::env::var_os("ZAD_CLANG")) {
        ("clang", Some(path)) if !path.is_empty() => PathBuf::from(path),
        _ => Path::new(env!("ZAD_LLVM_PREFIX")).join("bin").join(name),
    };
    if path.exists() {
        return Ok(path);
    }
    let package = PACKAGES.iter().find(|(tool, _)| *tool == name).map_or("llvm-22", |(_, package)| package);
    Err(Error::Unsupported(format!(
        "zad reads C with {name}, which is not installed ({} does not exist): install the Debian package {package} \
         (apt-get install {package})",
        path.display()
    )))
}

/// Compiles `path` to the LLVM dialect (generic form, with locations).
pub fn emit_llvm_dialect(path: &Path, options: &COptions) -> Result<String> {
    let (clang, opt, translate) = (tool("clang")?, tool("opt")?, tool("mlir-translate")?);
    if !path.exists() {
        return Err(Error::Io(format!("{}: cannot read: no such file", path.display())));
    }
    let scratch = Scratch::new()?;
    let (raw, optimised) = (scratch.0.join("raw.bc"), scratch.0.join("opt.bc"));
    let mut command = Command::new(&clang);
    // -ffp-contract=off: `a * b + c` stays two roundings, as gcc and the C
    // standard's default evaluate it; -fno-builtin keeps math.h calls as
    // calls (by name) rather than target-specific lowering.
    command.args(["-O0", "-Xclang", "-disable-O0-optnone", "-ffp-contract=off", "-g", "-c", "-emit-llvm"]);
    command.args(["-fno-discard-value-names", "-Wno-everything"]);
    command.args(&options.arguments);
    command.arg(path).arg("-o").arg(&raw);
    run(command, &clang, path)?;
    let mut command = Command::new(&opt);
    command.arg(format!("-passes={PASSES}")).arg(&raw).arg("-o").arg(&optimised);
    run(command, &opt, path)?;
    let mut command = Command::new(&translate);
    command.args(["--import-llvm", "--mlir-print-debuginfo", "--mlir-print-op-generic"]).arg(&optimised);
    let output = run(command, &translate, path)?;
    String::from_utf8(output).map_err(|_| Error::Internal("mlir-translate printed text that is not UTF-8".into()))
}

/// Runs `command`; its standard output, or its error output as the error.
fn run(mut command: Command, tool: &Path, source: &Path) -> Result<Vec<u8>> {
    let output = command.output().map_err(|error| Error::Io(format!("cannot run {}: {error}", tool.display())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr.trim();
        return Err(Error::Parse(if message.is_empty() {
            format!("{}: {} failed ({})", source.display(), tool.display(), output.status)
        } else {
            message.to_string()
        }));
    }
    Ok(output.stdout)
}

/// A temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let number = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("zad-clang-{}-{number}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|error| Error::Io(format!("cannot create a scratch directory ({}): {error}", dir.display())))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
