//! The one integration-test binary (every test binary links MLIR, so there
//! is one): each module is a suite.
//!
//! Environment: `ZAD_BLESS=1` rewrites expectation files instead of
//! comparing; `ZAD_FILTER=text` runs only the IR files whose path contains it.

mod support;

mod abi_programs;
mod api;
mod blas;
mod checkpoint_schedule;
mod checkpointing;
mod custom;
mod cli;
mod complex;
mod csource;
mod fortran;
mod forward;
mod fuzz;
mod gradbench;
mod gradients;
mod header;
mod host;
mod install;
mod ir_files;
mod kernels;
mod makefile;
mod nested;
mod parallel;
mod parallel_gradients;
