//! Running LLVM's tools: C source in, the LLVM dialect of MLIR out.
//!
//! The route: `clang -O0 -Xclang -disable-O0-optnone` (so that the passes
//! below may run), `opt` with SROA, early CSE, instcombine and simplifycfg
//! (locals become SSA values; loops keep their while shape, since no loop
//! rotation runs), then `mlir-translate --import-llvm`, printed in the
//! generic form with source locations. All three come from the LLVM zad is
//! built with.

use crate::{
    error::{Error, Result},
    frontend::{ScratchDir, llvm_tool, preprocessor_option, run_tool},
};
use std::{path::Path, process::Command};

/// The tools, each with the Debian package that provides it.
const CLANG: (&str, &str) = ("clang", "clang-22");
const OPT: (&str, &str) = ("opt", "llvm-22");
const TRANSLATE: (&str, &str) = ("mlir-translate", "mlir-22-tools");

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
            if let Some(pair) = preprocessor_option(word, &mut words, "C") {
                arguments.extend(pair?);
            } else if word.starts_with("-std=") {
                arguments.push(word.to_string());
            } else {
                return Err(Error::InvalidArgument(format!(
                    "C options: unknown option '{word}' (accepted: -I DIR, -D NAME[=VALUE], -U NAME, -std=STANDARD)"
                )));
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

/// Compiles `path` to the LLVM dialect (generic form, with locations):
/// each tool's output is a file of a scratch directory that the next reads.
pub fn emit_llvm_dialect(path: &Path, options: &COptions) -> Result<String> {
    let tool = |(name, package): (&str, &str)| llvm_tool(name, (name == "clang").then_some("ZAD_CLANG"), package, "C");
    let (clang, opt, translate) = (tool(CLANG)?, tool(OPT)?, tool(TRANSLATE)?);
    if !path.exists() {
        return Err(Error::Io(format!("{}: cannot read: no such file", path.display())));
    }
    let mut command = Command::new(clang);
    // -ffp-contract=off: `a * b + c` stays two roundings, as gcc and the C
    // standard's default evaluate it. (math.h calls stay calls or become
    // LLVM intrinsics; `convert` reads both.)
    command.args(["-O0", "-Xclang", "-disable-O0-optnone", "-ffp-contract=off", "-g", "-c", "-emit-llvm"]);
    command.args(["-fno-discard-value-names", "-Wno-everything"]);
    command.args(&options.arguments);
    let scratch = ScratchDir::new("the C route's bitcode")?;
    let (raw, optimised) = (scratch.path().join("raw.bc"), scratch.path().join("opt.bc"));
    command.arg(path).arg("-o").arg(&raw);
    run_tool(command, path)?;
    let mut command = Command::new(opt);
    command.arg(format!("-passes={PASSES}")).arg(&raw).arg("-o").arg(&optimised);
    run_tool(command, path)?;
    let mut command = Command::new(translate);
    command.args(["--import-llvm", "--mlir-print-debuginfo", "--mlir-print-op-generic"]).arg(&optimised);
    let output = run_tool(command, path)?;
    String::from_utf8(output).map_err(|_| Error::Internal("mlir-translate printed text that is not UTF-8".into()))
}
