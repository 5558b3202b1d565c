//! zad: automatic differentiation of MLIR kernels, embeddable through a
//! stable C ABI (`include/zad.h`).
//!
//! The safe Rust layer: [`Context`] (one MLIR context with the zad dialect),
//! [`Module`] (parsed and verified kernels), [`CompiledFunction`] (JIT code,
//! cached per module) and [`Args`] (typed, checked argument lists). The C ABI
//! in [`ffi`] is a thin shell over these.

pub mod ad;
pub mod blas;
pub mod checkpoint;
pub mod context;
pub mod dialect;
mod effects;
pub mod error;
pub mod exec;
pub mod foreign;
pub mod gradbench;
pub mod ffi;
pub mod csource;
pub mod fortran;
mod frontend;
pub mod json;
pub mod lower;
pub mod mlir;
pub mod module;
pub mod naming;
pub mod signature;
pub mod stack;
pub mod target;

pub use ad::{Activity, CheckpointScheme, GradientOptions};
pub use context::Context;
pub use error::{Error, Result};
pub use exec::{Args, Array, ArrayData, CompiledFunction, Value};
pub use csource::COptions;
pub use fortran::FortranOptions;
pub use lower::Stage;
pub use module::Module;
pub use signature::{ParamType, Scalar, Signature};
pub use target::Target;
