//! The thread count of parallel loops on the CPU.
//!
//! `scf.parallel` loops run on the threads of LLVM's OpenMP runtime
//! (`libomp`, loaded when the first module with a parallel loop is
//! compiled). Each parallel loop asks `__zad_parallel_threads` for its
//! number of threads when it starts, passing the address of its context's
//! setting, so that `zad_context_set_threads` applies to the next call of
//! functions already compiled, and contexts with different settings can
//! live in one process. The caller's own OpenMP settings are never changed.

use crate::error::{Error, Result};
use std::{
    ffi::c_void,
    path::PathBuf,
    sync::{
        OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
};

/// The environment variable that sets the default thread count of new contexts.
pub const NUM_THREADS_VARIABLE: &str = "ZAD_NUM_THREADS";

/// The thread count new contexts start with, from `ZAD_NUM_THREADS` (0 or
/// unset: the default of [`default_threads`]).
pub fn threads_from_environment() -> Result<usize> {
    match std::env::var(NUM_THREADS_VARIABLE) {
        Err(_) => Ok(0),
        Ok(text) => match text.trim().parse::<usize>() {
            Ok(threads) if threads <= crate::context::MAX_THREADS => Ok(threads),
            _ => Err(Error::InvalidArgument(format!(
                "{NUM_THREADS_VARIABLE}={text}: expected a number of threads from 1 to {} (0 or unset: the default)",
                crate::context::MAX_THREADS
            ))),
        },
    }
}

/// The default number of threads: OpenMP's convention, so that a program
/// already tuned for OpenMP needs no new setting. The first number of
/// `OMP_NUM_THREADS` when it is set, otherwise the number of CPUs this
/// process may run on (its affinity mask, which MPI launchers and batch
/// systems narrow to the cores they give each process).
pub fn default_threads() -> usize {
    static DEFAULT: OnceLock<usize> = OnceLock::new();
    *DEFAULT.get_or_init(|| {
        let from_openmp = std::env::var("OMP_NUM_THREADS")
            .ok()
            .and_then(|text| text.split(',').next().and_then(|first| first.trim().parse::<usize>().ok()))
            .filter(|&threads| threads > 0);
        from_openmp
            .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
            .unwrap_or(1)
            .min(crate::context::MAX_THREADS)
    })
}

/// The thread count a setting means (0: the default).
pub fn effective_threads(setting: usize) -> usize {
    if setting == 0 { default_threads() } else { setting }
}

/// `__zad_parallel_threads(setting)`: the number of threads for the
/// parallel loop starting now, read from the context's setting.
///
/// # Safety
/// `setting` is the address of a live `AtomicUsize` (the context's, kept
/// alive by every engine compiled from it).
unsafe extern "C" fn parallel_threads(setting: *const AtomicUsize) -> i32 {
    // SAFETY: see above.
    let setting = unsafe { &*setting }.load(Ordering::Relaxed);
    effective_threads(setting) as i32
}

pub(crate) const PARALLEL_THREADS_SYMBOL: &str = "__zad_parallel_threads";

pub(super) fn symbols() -> [(&'static str, *mut c_void); 1] {
    [(PARALLEL_THREADS_SYMBOL, parallel_threads as *mut c_void)]
}

/// A function of the OpenMP runtime (`omp_get_thread_num`, ...) that a
/// kernel declares, from the runtime its parallel loops run on (loaded
/// here if no parallel loop has loaded it yet; kept loaded, as the JIT
/// keeps it).
pub(crate) fn openmp_symbol(name: &std::ffi::CStr) -> Option<*mut std::ffi::c_void> {
    static HANDLE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let handle = *HANDLE.get_or_init(|| {
        let Ok(path) = openmp_library() else { return 0 };
        let Ok(path) = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()) else { return 0 };
        // SAFETY: a NUL-terminated path; the handle is never closed.
        unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) as usize }
    });
    if handle == 0 {
        return None;
    }
    // SAFETY: a live handle from dlopen and a NUL-terminated name.
    let address = unsafe { libc::dlsym(handle as *mut std::ffi::c_void, name.as_ptr()) };
    (!address.is_null()).then_some(address)
}

/// LLVM's OpenMP runtime, which the code of parallel loops calls
/// (`__kmpc_fork_call`, ...): `libomp.so` of the LLVM zad was built with
/// (Debian's libomp-22-dev), or `ZAD_OPENMP_LIBRARY`.
pub(crate) fn openmp_library() -> Result<PathBuf> {
    let path = match std::env::var_os("ZAD_OPENMP_LIBRARY") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("ZAD_LLVM_LIBDIR")).join("libomp.so"),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::Unsupported(format!(
            "parallel loops (scf.parallel) run on LLVM's OpenMP runtime, which is not installed: {} does not exist \
             (on Debian: apt-get install libomp-22-dev, or set ZAD_OPENMP_LIBRARY to a libomp.so)",
            path.display()
        )))
    }
}
