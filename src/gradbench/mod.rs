//! GradBench (github.com/gradbench/gradbench), the benchmark suite where AD
//! tools are compared: zad's implementations of its evals and a tool that
//! speaks its protocol (`zad gradbench`), so that GradBench's own harness
//! can run zad.

pub mod evals;
pub mod protocol;

pub use evals::{DefinedModule, MODULES, Prepared};
pub use protocol::serve;
