//! The zad dialect, written in IRDL (`dialect/zad.irdl.mlir`) and loaded into
//! every context zad creates, so that MLIR itself parses and verifies our ops.
//! See `dialect/README.md` for the ops and why IRDL.

use melior::ir::Module;

/// The IRDL definition of the dialect, compiled into the library.
pub const IRDL_SOURCE: &str = include_str!("../dialect/zad.irdl.mlir");

/// Names of the dialect's ops, as they appear in generic MLIR syntax.
pub mod op {
    pub const GRADIENT: &str = "zad.gradient";
    pub const TAPE_NEW: &str = "zad.tape_new";
    pub const PUSH: &str = "zad.push";
    pub const POP: &str = "zad.pop";
    pub const TAPE_FREE: &str = "zad.tape_free";
}

/// Loads the dialect into `context`. Returns MLIR's complaint on failure.
///
/// The returned IRDL module is kept alive next to the context: the loaded
/// dialect's verifiers were built from it.
pub(crate) fn load(context: &melior::Context) -> Result<Module<'_>, String> {
    let module = Module::parse(context, IRDL_SOURCE)
        .ok_or_else(|| "dialect/zad.irdl.mlir does not parse".to_string())?;
    if melior::utility::load_irdl_dialects(&module) {
        Ok(module)
    } else {
        Err("MLIR rejected dialect/zad.irdl.mlir".to_string())
    }
}
