//! Running flang: Fortran source in, FIR (in MLIR's generic form) out.

use crate::{
    error::{Error, Result},
    frontend::{ScratchDir, llvm_tool, preprocessor_option, run_tool},
};
use std::{
    path::Path,
    process::Command,
};

/// The Debian package that provides flang for the LLVM zad is built with.
const FLANG_PACKAGE: &str = "flang-22";

/// Options for reading Fortran source, given as a command-line style
/// string: `-I DIR` and `-D NAME[=VALUE]` / `-U NAME` for the preprocessor
/// and INCLUDE lines, and the flang flags that change how source is read
/// (`FLANG_FLAGS`). Words are separated by white space.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FortranOptions {
    /// Arguments for flang, in order.
    arguments: Vec<String>,
    /// `-fno-zad-directives`: ignore `!$zad` directives (as `-fno-openmp`
    /// ignores `!$omp`), e.g. to get a plain taped gradient of a loop the
    /// source marks for checkpointing.
    pub ignore_directives: bool,
}

/// The flang flags accepted in options: they change how the source is read,
/// not what the compiler generates.
const FLANG_FLAGS: &[&str] = &[
    "-cpp",
    "-nocpp",
    "-ffixed-form",
    "-ffree-form",
    "-fdefault-real-8",
    "-fdefault-double-8",
    "-fdefault-integer-8",
    "-fimplicit-none",
    "-fbackslash",
    "-fd-lines-as-code",
    "-fd-lines-as-comments",
];

impl FortranOptions {
    /// Reads an options string (see the type). An unknown word is an
    /// `InvalidArgument` error that lists what is accepted.
    pub fn parse(text: &str) -> Result<FortranOptions> {
        let mut arguments = Vec::new();
        let mut ignore_directives = false;
        let mut words = text.split_whitespace();
        while let Some(word) = words.next() {
            if let Some(pair) = preprocessor_option(word, &mut words, "Fortran") {
                arguments.extend(pair?);
                continue;
            }
            match word {
                _ if FLANG_FLAGS.contains(&word) || word.starts_with("-ffixed-line-length=") => {
                    arguments.push(word.to_string());
                }
                "-fno-zad-directives" => ignore_directives = true,
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "Fortran options: unknown option '{word}' (accepted: -I DIR, -D NAME[=VALUE], -U NAME, \
                         -ffixed-line-length=N, -fno-zad-directives, {})",
                        FLANG_FLAGS.join(", ")
                    )));
                }
            }
        }
        Ok(FortranOptions { arguments, ignore_directives })
    }
}

impl FortranOptions {
    /// Whether `path` is read as fixed-form source: by its extension, unless
    /// the options say.
    pub fn fixed_form(&self, path: &Path) -> bool {
        if self.arguments.iter().any(|a| a == "-ffree-form") {
            return false;
        }
        self.arguments.iter().any(|a| a == "-ffixed-form")
            || path.extension().and_then(|e| e.to_str()).is_some_and(|e| ["f", "F", "for", "FOR"].contains(&e))
    }
}

/// The file extensions of Fortran source zad reads.
pub const FORTRAN_EXTENSIONS: &[&str] = &["f90", "f", "F90", "F", "f95", "f03", "f08", "F95", "F03", "F08", "for", "FOR"];

/// Whether `path` names Fortran source (by its extension).
pub fn is_fortran_source(path: &Path) -> bool {
    path.extension().and_then(|ext| ext.to_str()).is_some_and(|ext| FORTRAN_EXTENSIONS.contains(&ext))
}

/// Compiles `path` to FIR with flang's optimising front end (which expands
/// array assignments and most reductions into loops), printed in MLIR's
/// generic form with source locations.
pub fn emit_fir(path: &Path, options: &FortranOptions) -> Result<String> {
    // `ZAD_FLANG` if set, else `bin/flang` of the LLVM zad was built against.
    let flang = llvm_tool("flang", Some("ZAD_FLANG"), FLANG_PACKAGE, "Fortran")?;
    if !path.exists() {
        return Err(Error::Io(format!("{}: cannot read: no such file", path.display())));
    }
    // flang writes a .mod file per MODULE: into a directory of our own, not
    // the caller's working directory.
    let module_dir = ScratchDir::new("flang's module files")?;
    let mut command = Command::new(&flang);
    command.args(["-fc1", "-emit-fir", "-O2"]);
    command.arg("-module-dir").arg(module_dir.path());
    command.args(["-mmlir", "--mlir-print-op-generic", "-mmlir", "--mlir-print-debuginfo"]);
    // INCLUDE lines and #include find files next to the source first.
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        command.arg("-I").arg(dir);
    }
    command.args(&options.arguments);
    command.arg(path).args(["-o", "-"]);
    let output = run_tool(command, path)?;
    let fir = String::from_utf8(output).map_err(|_| Error::Internal("flang printed FIR that is not UTF-8".into()))?;
    Ok(relabel_locations(fir, path))
}

/// flang's locations name the source by its absolute path; messages (and
/// `!$zad` directives) use the path the caller gave.
fn relabel_locations(fir: String, path: &Path) -> String {
    let Ok(canonical) = std::fs::canonicalize(path) else { return fir };
    let mut seen = std::collections::HashSet::new();
    let mut rest = fir.as_str();
    while let Some(start) = rest.find("loc(\"") {
        let after = &rest[start + 5..];
        let Some(end) = after.find('"') else { break };
        let file = &after[..end];
        if seen.insert(file.to_string()) && std::fs::canonicalize(file).is_ok_and(|f| f == canonical) {
            let quoted = format!("loc(\"{file}\"");
            let replacement = format!("loc({:?}", path.display().to_string());
            return fir.replace(&quoted, &replacement);
        }
        rest = &after[end..];
    }
    fir
}
