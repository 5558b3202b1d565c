//! A zad context: one MLIR context with every upstream dialect registered,
//! the zad dialect loaded, and MLIR's diagnostics captured into messages.
//!
//! Thread safety: an MLIR context must not be used from two threads at once.
//! Every operation that touches MLIR IR takes the context's lock, so a
//! context and its modules may be shared between threads; work on one
//! context is serialised. Compiled functions do not touch the context and
//! run in parallel.

use crate::{
    dialect,
    error::{Error, Result},
    foreign,
    target::Target,
};
use melior::{
    diagnostic::{Diagnostic, DiagnosticSeverity},
    dialect::DialectRegistry,
    utility::{register_all_dialects, register_all_llvm_translations, register_all_passes},
};
use parking_lot::{Mutex, MutexGuard, ReentrantMutex, ReentrantMutexGuard};
use std::{
    ffi::c_void,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
};

/// Environment variable that turns bounds checks on for every new context.
pub const CHECK_BOUNDS_VARIABLE: &str = "ZAD_CHECK_BOUNDS";

/// A handle on a zad context. Cheap to clone; the MLIR context lives until
/// the last handle, module or function referring to it is dropped.
#[derive(Clone)]
pub struct Context {
    pub(crate) shared: Arc<Shared>,
}

/// State shared by a context and everything created from it.
pub(crate) struct Shared {
    mlir: melior::Context,
    lock: ReentrantMutex<()>,
    diagnostics: Arc<Mutex<Vec<String>>>,
    /// While text is parsed: the name to show for its locations, which MLIR's
    /// C API labels "-" (see `Module::parse`).
    parsing: Arc<Mutex<String>>,
    /// Foreign functions registered and libraries loaded on the context.
    foreign: Mutex<foreign::Registry>,
    /// Whether kernels are compiled with bounds checks (see `lower::checks`).
    check_bounds: AtomicBool,
    /// The number of threads parallel loops run on (0: the default, see
    /// `exec::parallel`), read by compiled code at every parallel loop, so
    /// a change applies to the next call of any function of this context.
    pub(crate) threads: Arc<AtomicUsize>,
    /// The target functions are compiled for from now on.
    target: Mutex<Target>,
}

// SAFETY: the MLIR context is only touched while `lock` is held (see
// `Shared::lock`), which makes sending and sharing it between threads sound.
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

impl Shared {
    /// Serialises all use of the MLIR context. Re-entrant so that helpers may
    /// take it again.
    pub(crate) fn lock(&self) -> ReentrantMutexGuard<'_, ()> {
        self.lock.lock()
    }

    /// The MLIR context, with its lifetime widened to the life of `Shared`.
    ///
    /// Callers hold the `Arc<Shared>` for as long as they keep anything
    /// borrowed from the returned reference, and drop such things first.
    pub(crate) fn mlir(&self) -> &'static melior::Context {
        // SAFETY: every object built on this reference (modules, locations)
        // is stored next to an `Arc<Shared>` and dropped before it, so the
        // context outlives every use.
        unsafe { &*(&self.mlir as *const melior::Context) }
    }

    /// Runs `parse` with diagnostics showing `source_name` for the
    /// locations of the text being parsed.
    pub(crate) fn parsing<T>(&self, source_name: &str, parse: impl FnOnce() -> T) -> T {
        *self.parsing.lock() = source_name.to_string();
        let result = parse();
        self.parsing.lock().clear();
        result
    }

    /// Whether kernels compiled now get bounds checks.
    pub(crate) fn check_bounds(&self) -> bool {
        self.check_bounds.load(Ordering::Relaxed)
    }

    /// The context's foreign functions and libraries.
    pub(crate) fn foreign(&self) -> MutexGuard<'_, foreign::Registry> {
        self.foreign.lock()
    }

    /// Takes the diagnostics MLIR reported since the last call, one
    /// formatted message per diagnostic.
    pub(crate) fn take_diagnostics(&self) -> Vec<String> {
        std::mem::take(&mut *self.diagnostics.lock())
    }

    /// The diagnostics collected so far joined into one message, or
    /// `fallback` when MLIR said nothing.
    pub(crate) fn diagnostic_message(&self, fallback: &str) -> String {
        let diagnostics = self.take_diagnostics();
        if diagnostics.is_empty() { fallback.to_string() } else { diagnostics.join("\n") }
    }
}

impl Context {
    /// Creates a context: all upstream dialects registered, the zad dialect
    /// loaded and verified.
    pub fn new() -> Result<Self> {
        register_all_passes();
        let registry = DialectRegistry::new();
        register_all_dialects(&registry);
        dialect::register(&registry);
        let mlir = melior::Context::new_with_registry(&registry, false);
        register_all_llvm_translations(&mlir);
        let diagnostics = Arc::new(Mutex::new(Vec::new()));
        let parsing = Arc::new(Mutex::new(String::new()));
        let (sink, source_name) = (diagnostics.clone(), parsing.clone());
        mlir.attach_diagnostic_handler(move |diagnostic| {
            sink.lock().push(format_diagnostic(&diagnostic, &source_name.lock()));
            true
        });
        // Ops are created by name only in loaded dialects (an op of a
        // dialect that is merely registered comes out unregistered), and the
        // AD builds ops of these whether or not the kernel used them.
        for dialect in ["zad", "func", "arith", "math", "memref", "scf", "complex", "vector", "cf"] {
            mlir.get_or_load_dialect(dialect);
        }
        let threads = Arc::new(AtomicUsize::new(crate::exec::threads_from_environment()?));
        let shared = Arc::new(Shared {
            mlir,
            lock: ReentrantMutex::new(()),
            diagnostics,
            parsing,
            foreign: Mutex::new(foreign::Registry::default()),
            check_bounds: AtomicBool::new(std::env::var(CHECK_BOUNDS_VARIABLE).is_ok_and(|value| value == "1")),
            threads,
            target: Mutex::new(Target::default()),
        });
        Ok(Context { shared })
    }

    /// Compiles the kernels of this context with bounds checks (or without):
    /// an index out of bounds, a view outside its buffer, then stops the
    /// call with an error naming the op and its location. Off by default
    /// unless the environment sets `ZAD_CHECK_BOUNDS=1`; applies to what is
    /// compiled from then on (a module compiled both ways keeps both).
    pub fn set_check_bounds(&self, on: bool) {
        self.shared.check_bounds.store(on, Ordering::Relaxed);
    }

    /// Whether kernels are compiled with bounds checks.
    pub fn check_bounds(&self) -> bool {
        self.shared.check_bounds()
    }

    /// Makes `address` the definition of the foreign function `name` (a
    /// `func.func private @name` without a body) for the modules of this
    /// context compiled from now on, ahead of libraries and the process.
    ///
    /// # Safety
    /// `address` is a function with the C signature MLIR's C interface gives
    /// the declaration (see [`crate::foreign`]), valid while code compiled
    /// from this context may call it.
    pub unsafe fn register_function(&self, name: &str, address: *const c_void) -> Result<()> {
        self.shared.foreign().register(name, address)
    }

    /// Registers the adjoint and/or the tangent (either may be NULL, not
    /// both) of the foreign function `name`: modules compiled from now on
    /// call them instead of differentiating a call of `@name`, as if its
    /// declaration had the attributes `zad.adjoint` / `zad.tangent` (see
    /// [`crate::ad::custom`] for their signatures).
    ///
    /// # Safety
    /// Each non-NULL address is a function with the C signature MLIR's C
    /// interface gives the adjoint (tangent) signature of `@name`, valid
    /// while code compiled from this context may call it.
    pub unsafe fn register_derivative(&self, name: &str, adjoint: *const c_void, tangent: *const c_void) -> Result<()> {
        self.shared.foreign().register_derivative(name, adjoint, tangent)
    }

    /// Loads a shared library whose functions the modules of this context
    /// compiled from now on may call (after registered functions, before
    /// the process). Loading runs the library's initialisers.
    pub fn load_library(&self, path: impl AsRef<Path>) -> Result<()> {
        self.shared.foreign().load_library(path.as_ref())
    }

    /// Sets the number of threads the `scf.parallel` loops of this
    /// context's functions run on, from their next call on (functions
    /// already compiled included); 0 restores the default (see
    /// [`crate::exec::default_threads`]).
    pub fn set_threads(&self, threads: usize) -> Result<()> {
        if threads > MAX_THREADS {
            return Err(Error::InvalidArgument(format!("{threads} threads is more than zad allows ({MAX_THREADS})")));
        }
        self.shared.threads.store(threads, Ordering::Relaxed);
        Ok(())
    }

    /// The number of threads parallel loops run on now.
    pub fn threads(&self) -> usize {
        crate::exec::effective_threads(self.shared.threads.load(Ordering::Relaxed))
    }

    /// Sets the target of the functions compiled from now on (those
    /// compiled before keep theirs).
    pub fn set_target(&self, target: Target) {
        *self.shared.target.lock() = target;
    }

    /// The target functions are compiled for.
    pub fn target(&self) -> Target {
        self.shared.target()
    }
}

/// More threads than any machine zad runs on has cores: a larger number
/// is a mistake (a negative number cast to unsigned), not a request.
pub const MAX_THREADS: usize = 1 << 16;

impl Shared {
    pub(crate) fn target(&self) -> Target {
        self.target.lock().clone()
    }
}

/// `file:line:col: error: message`, followed by MLIR's notes, each on its
/// own line.
fn format_diagnostic(diagnostic: &Diagnostic, source_name: &str) -> String {
    let severity = match diagnostic.severity() {
        DiagnosticSeverity::Error => "error",
        DiagnosticSeverity::Warning => "warning",
        DiagnosticSeverity::Note => "note",
        DiagnosticSeverity::Remark => "remark",
    };
    let mut text = format!("{}: {severity}: {diagnostic}", describe_location(diagnostic.location(), source_name));
    for index in 0..diagnostic.note_count() {
        if let Ok(note) = diagnostic.note(index) {
            // The "see current operation" notes repeat the op in generic form;
            // they help when the location is unknown, so keep them.
            text.push_str(&format!("\n{}: note: {note}", describe_location(note.location(), source_name)));
        }
    }
    text
}

pub(crate) use crate::mlir::{UNNAMED_BUFFER, describe_location};
