//! The error type of the safe Rust layer, and the status codes it maps to at
//! the C ABI.

/// What went wrong, in the words a user of the C ABI or the CLI reads.
///
/// Every variant carries a complete, human-readable message: MLIR's own
/// diagnostics (with `file:line:col`) where MLIR produced them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The MLIR text could not be parsed.
    #[error("{0}")]
    Parse(String),
    /// The module parsed but MLIR's verifier rejected it.
    #[error("{0}")]
    Verify(String),
    /// A function (or other symbol) that was asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Arguments or results do not match the function's MLIR signature.
    #[error("{0}")]
    Signature(String),
    /// Lowering or JIT compilation failed.
    #[error("{0}")]
    Compile(String),
    /// A file could not be read.
    #[error("{0}")]
    Io(String),
    /// A caller passed an invalid value (a NULL handle, a negative size, ...).
    #[error("{0}")]
    InvalidArgument(String),
    /// The kernel uses a construct zad does not (yet) support.
    #[error("{0}")]
    Unsupported(String),
    /// A bug in zad: a panic caught at the ABI boundary.
    #[error("internal error (please report): {0}")]
    Internal(String),
    /// A call stopped at run time: a failed check (an index out of bounds,
    /// a division by zero, an allocation that failed, ...) or an error of a
    /// run-time function. The message names the op and its location where
    /// there is one.
    #[error("{0}")]
    Runtime(String),
}

impl Error {
    /// The same error with its message passed through `rewrite`.
    pub(crate) fn map_message(self, rewrite: impl FnOnce(&str) -> String) -> Error {
        match self {
            Error::Parse(message) => Error::Parse(rewrite(&message)),
            Error::Verify(message) => Error::Verify(rewrite(&message)),
            Error::NotFound(message) => Error::NotFound(rewrite(&message)),
            Error::Signature(message) => Error::Signature(rewrite(&message)),
            Error::Compile(message) => Error::Compile(rewrite(&message)),
            Error::Io(message) => Error::Io(rewrite(&message)),
            Error::InvalidArgument(message) => Error::InvalidArgument(rewrite(&message)),
            Error::Unsupported(message) => Error::Unsupported(rewrite(&message)),
            Error::Internal(message) => Error::Internal(rewrite(&message)),
            Error::Runtime(message) => Error::Runtime(rewrite(&message)),
        }
    }

    /// The status code this error becomes at the C ABI (see `zad_status`).
    pub fn status(&self) -> i32 {
        match self {
            Error::Parse(_) => 1,
            Error::Verify(_) => 2,
            Error::NotFound(_) => 3,
            Error::Signature(_) => 4,
            Error::Compile(_) => 5,
            Error::Io(_) => 6,
            Error::InvalidArgument(_) => 7,
            Error::Unsupported(_) => 8,
            Error::Internal(_) => 9,
            Error::Runtime(_) => 10,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
