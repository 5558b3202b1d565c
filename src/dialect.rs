//! The zad dialect, defined in ODS (`dialect/ZadOps.td`) with C++ verifiers
//! (`dialect/zad_dialect.cpp`), built by build.rs and registered into every
//! context zad creates, so that MLIR itself parses and verifies our ops.
//! See `dialect/README.md` for the ops and why ODS rather than IRDL.

use melior::dialect::DialectRegistry;

/// Names of the dialect's ops that Rust code looks for.
pub mod op {
    pub const GRADIENT: &str = "zad.gradient";
    pub const TANGENT: &str = "zad.tangent";
    pub const STOP_GRADIENT: &str = "zad.stop_gradient";
    pub const HOOK: &str = "zad.hook";
}

unsafe extern "C" {
    /// Defined by `MLIR_DEFINE_CAPI_DIALECT_REGISTRATION` in zad_dialect.cpp.
    fn mlirGetDialectHandle__zad__() -> mlir_sys::MlirDialectHandle;
}

/// Adds the zad dialect to `registry`.
pub(crate) fn register(registry: &DialectRegistry) {
    // SAFETY: the handle is a static descriptor built by MLIR's registration
    // macro; inserting it into a live registry is what the C API is for.
    unsafe { mlir_sys::mlirDialectHandleInsertDialect(mlirGetDialectHandle__zad__(), registry.to_raw()) }
}
