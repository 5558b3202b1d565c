//! The panic boundary and the thread-local last-error message: the one place
//! every entry point goes through.

use crate::error::Error;
use std::{
    cell::RefCell,
    ffi::{CStr, CString, c_char},
    panic::{AssertUnwindSafe, catch_unwind},
};

/// Status code returned by every fallible zad call. 0 means success.
pub type zad_status = i32;

/// Success.
pub const ZAD_OK: zad_status = 0;
/// The MLIR text does not parse.
pub const ZAD_PARSE_ERROR: zad_status = 1;
/// MLIR's verifier rejected the IR. (Text is verified as it is parsed, so
/// most verifier errors in text arrive as `ZAD_PARSE_ERROR`.)
pub const ZAD_VERIFY_ERROR: zad_status = 2;
/// No function (or symbol) of that name.
pub const ZAD_NOT_FOUND: zad_status = 3;
/// Arguments or results do not match the function's signature.
pub const ZAD_SIGNATURE_ERROR: zad_status = 4;
/// Lowering or JIT compilation failed.
pub const ZAD_COMPILE_ERROR: zad_status = 5;
/// A file could not be read.
pub const ZAD_IO_ERROR: zad_status = 6;
/// An invalid argument: a NULL handle or pointer, a negative size, ...
pub const ZAD_INVALID_ARGUMENT: zad_status = 7;
/// The kernel uses something zad does not support.
pub const ZAD_UNSUPPORTED: zad_status = 8;
/// A bug in zad (a panic caught at the boundary). Please report it.
pub const ZAD_INTERNAL: zad_status = 9;
/// A call stopped at run time: a failed check (an index out of bounds in
/// bounds-checked mode, an integer division by zero, a buffer that cannot
/// be allocated, a checkpointing budget too small for one snapshot, ...).
/// The message names the op and its `file:line:col` where there is one.
/// What the kernel allocated is freed; arrays it wrote may be partly
/// written.
pub const ZAD_RUNTIME_ERROR: zad_status = 10;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(message: &str) {
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|last| *last.borrow_mut() = message);
}

/// Runs `body`, turning its error or panic into a status and the thread's
/// last-error message.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Error>) -> zad_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => ZAD_OK,
        Ok(Err(error)) => {
            set_last_error(&error.to_string());
            error.status()
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            set_last_error(&Error::Internal(what).to_string());
            ZAD_INTERNAL
        }
    }
}

/// Runs `body` for an entry point that cannot report a status (the `_free`
/// functions and getters): a panic is swallowed rather than unwound into C.
pub(crate) fn guard_infallible<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// The message of the last failed call on the calling thread ("" if none).
pub(crate) fn last_error() -> *const c_char {
    LAST_ERROR.with(|last| last.borrow().as_ptr())
}

/// Borrows a C string argument, or says which one was NULL or not UTF-8.
///
/// # Safety
/// `pointer` is NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn c_str<'a>(pointer: *const c_char, what: &str) -> Result<&'a str, Error> {
    if pointer.is_null() {
        return Err(Error::InvalidArgument(format!("{what} is NULL")));
    }
    // SAFETY: non-null and NUL-terminated (caller).
    unsafe { CStr::from_ptr(pointer) }
        .to_str()
        .map_err(|_| Error::InvalidArgument(format!("{what} is not valid UTF-8")))
}

/// As [`c_str`] for an optional string: NULL gives `default`.
///
/// # Safety
/// As for [`c_str`].
pub(crate) unsafe fn optional_c_str<'a>(pointer: *const c_char, what: &str, default: &'a str) -> Result<&'a str, Error> {
    // SAFETY: as for `c_str` (caller).
    if pointer.is_null() { Ok(default) } else { unsafe { c_str(pointer, what) } }
}

/// Borrows a handle argument, or says that it was NULL.
///
/// # Safety
/// `pointer` is NULL or a live handle of type `T` created by zad.
pub(crate) unsafe fn handle<'a, T>(pointer: *const T, what: &str) -> Result<&'a T, Error> {
    // SAFETY: non-null pointers are live handles (caller).
    unsafe { pointer.as_ref() }.ok_or_else(|| Error::InvalidArgument(format!("{what} is NULL")))
}

/// Mutable counterpart of [`handle`].
///
/// # Safety
/// As for [`handle`], and no other reference to the handle is in use.
pub(crate) unsafe fn handle_mut<'a, T>(pointer: *mut T, what: &str) -> Result<&'a mut T, Error> {
    // SAFETY: non-null pointers are live, unaliased handles (caller).
    unsafe { pointer.as_mut() }.ok_or_else(|| Error::InvalidArgument(format!("{what} is NULL")))
}

/// Checks an out-parameter before any work is done.
pub(crate) fn out_param<T>(pointer: *mut T, what: &str) -> Result<(), Error> {
    if pointer.is_null() { Err(Error::InvalidArgument(format!("{what} is NULL"))) } else { Ok(()) }
}

/// Frees a handle made by `Box::into_raw`; NULL is accepted.
///
/// # Safety
/// `pointer` is NULL or a handle of type `T` not freed before.
pub(crate) unsafe fn free_handle<T>(pointer: *mut T) {
    guard_infallible((), || {
        if !pointer.is_null() {
            // SAFETY: created by Box::into_raw and not freed before (caller).
            drop(unsafe { Box::from_raw(pointer) });
        }
    })
}
