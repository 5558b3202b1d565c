//! The C ABI: `extern "C"` shims over the safe layer, nothing else.
//!
//! Conventions (see `include/zad.h`): every fallible call returns a
//! `zad_status` (0 = `ZAD_OK`) and leaves its out-parameters untouched on
//! failure; `zad_last_error()` gives the message of the last failure on the
//! calling thread. No panic unwinds into C: every entry point catches it and
//! returns `ZAD_INTERNAL`. Every handle has a `_free` that accepts NULL.

#![allow(non_camel_case_types)]
// The entry points take raw pointers from C; marking them `unsafe fn` would
// mean nothing to a C caller. Their contracts are in the header comments,
// and each dereference is checked for NULL with a `// SAFETY:` note.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod boundary;
mod handles;

pub use handles::*;
