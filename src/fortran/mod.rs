//! The Fortran front end: Fortran source in, zad kernels out.
//!
//! flang (run as a subprocess, from the LLVM zad is built with) compiles
//! the source to FIR with its optimising front end; zad reads the FIR in
//! MLIR's generic form in a context of its own that accepts FIR's ops and
//! types as opaque (so zad links nothing of flang), structures its control
//! flow with MLIR's `lift-cf-to-scf` (`prepare`), and converts it to the
//! func/scf/memref/arith/math kernels the rest of zad works on
//! (`convert`). `!$zad` directives in the source mark time loops for
//! checkpointing (`directives`).

mod convert;
mod directives;
mod fir_type;
mod flang;
mod mlir;
mod names;
mod prepare;

pub use convert::Procedure;
pub use flang::{FORTRAN_EXTENSIONS, FortranOptions, is_fortran_source};
pub use names::ProcedureName;

use crate::error::{Error, Result};
use melior::ir::Module;
use std::path::Path;

/// Fortran source converted to MLIR: the module text and what became of
/// each procedure.
pub struct Translation {
    pub text: String,
    pub procedures: Vec<Procedure>,
}

/// Converts the Fortran file at `path`.
pub fn translate(path: &Path, options: &FortranOptions) -> Result<Translation> {
    let source = std::fs::read(path).map_err(|error| Error::Io(format!("{}: cannot read: {error}", path.display())))?;
    let source = String::from_utf8_lossy(&source);
    let file = path.display().to_string();
    let directives =
        if options.ignore_directives { Vec::new() } else { directives::scan(&source, &file, options.fixed_form(path))? };
    let fir = flang::emit_fir(path, options)?;

    let reader = crate::frontend::Reader::new();
    let context = &reader.context;
    // FIR's ops and types are unknown here, and kept opaque.
    context.set_allow_unregistered_dialects(true);
    let take = || reader.take_diagnostics();

    let mut module = Module::parse(context, &fir)
        .ok_or_else(|| Error::Internal(format!("cannot read the FIR flang generated for {file}: {}", take())))?;
    let skipped = prepare::structure(context, &mut module, || {
        format!("{file}: the control flow of a procedure cannot be structured into loops and branches (a GOTO?): {}", take())
    })
    .map_err(Error::Unsupported)?;
    if std::env::var_os("ZAD_DUMP_FIR").is_some() {
        eprintln!("{}", module.as_operation());
    }
    let converted = convert::convert(context, &module, skipped, &directives, &file, take).map_err(Error::Unsupported)?;
    if converted.procedures.is_empty() {
        return Err(Error::NotFound(format!("{file}: no procedures (subroutines or functions) to convert")));
    }
    if converted.procedures.iter().all(|p| p.failure.is_some()) {
        let reasons: Vec<String> = converted.procedures.iter().filter_map(|p| p.failure.clone()).collect();
        return Err(Error::Unsupported(reasons.join("\n")));
    }
    Ok(Translation { text: converted.text, procedures: converted.procedures })
}
