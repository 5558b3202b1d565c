//! JIT compilation with MLIR's ExecutionEngine, and calling what it made.

mod call;
mod checkpoint;
mod memory;
mod runtime;

pub use checkpoint::{CheckpointStats, take_checkpoint_stats};
pub use runtime::take_tape_peak;

pub use call::{Args, Array, ArrayData, Value};
pub(crate) use call::column_major_strides;
use call::ResultLayout;

use crate::{
    context::Shared,
    error::{Error, Result},
    lower,
    signature::{ParamType, Scalar, Signature},
};
use melior::{StringRef, ir::Module};
use mlir_sys::MlirExecutionEngine;
use std::{ffi::c_void, path::Path, sync::Arc};

/// LLVM optimisation level used for every kernel.
const OPT_LEVEL: i32 = 3;

/// Environment variable naming a directory where every JIT engine writes
/// its machine code as an object file.
const DUMP_OBJECTS: &str = "ZAD_DUMP_OBJECTS";

/// A JIT-compiled module: the machine code of every function in it.
pub(crate) struct Engine {
    raw: MlirExecutionEngine,
}

// SAFETY: after creation the engine is only used for symbol lookups, which
// LLVM's ORC JIT makes thread-safe, and the code it holds is immutable.
unsafe impl Send for Engine {}
// SAFETY: as above.
unsafe impl Sync for Engine {}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: `raw` was created by `mlirExecutionEngineCreate` and is
        // destroyed exactly once, after every function pointer into it is gone
        // (each `CompiledFunction` holds an `Arc<Engine>`).
        unsafe { mlir_sys::mlirExecutionEngineDestroy(self.raw) }
    }
}

impl Engine {
    /// Lowers `ir` (a copy of it) to LLVM and JIT-compiles it. The caller
    /// holds the context lock.
    pub(crate) fn compile(shared: &Shared, ir: &Module<'static>) -> Result<Engine> {
        let lowered = lower::to_llvm(shared, ir)?;
        let dump = std::env::var_os(DUMP_OBJECTS).filter(|directory| !directory.is_empty());
        // SAFETY: `lowered` is a valid module in the LLVM dialect; no shared
        // libraries are passed.
        let raw = unsafe {
            mlir_sys::mlirExecutionEngineCreate(lowered.to_raw(), OPT_LEVEL, 0, std::ptr::null(), dump.is_some(), false)
        };
        if raw.ptr.is_null() {
            return Err(Error::Compile(shared.diagnostic_message(
                "JIT compilation failed (MLIR's ExecutionEngine could not translate the module to LLVM IR)",
            )));
        }
        let engine = Engine { raw };
        for (name, address) in runtime::symbols() {
            // SAFETY: `address` is a function with the C signature MLIR's
            // lowering expects for `name` (see `runtime`).
            unsafe {
                mlir_sys::mlirExecutionEngineRegisterSymbol(engine.raw, StringRef::new(name).to_raw(), address)
            };
        }
        // SAFETY: every symbol the module needs is resolvable now.
        unsafe { mlir_sys::mlirExecutionEngineInitialize(engine.raw) };
        if let Some(directory) = dump {
            engine.dump_object(Path::new(&directory));
        }
        Ok(engine)
    }

    /// Writes the machine code to `directory/zad-<process>-<n>.o`, for
    /// `objdump -d` (profiling: JIT code has no symbols for perf).
    fn dump_object(&self, directory: &Path) {
        static DUMPED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let number = DUMPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = directory.join(format!("zad-{}-{number}.o", std::process::id()));
        let path = path.to_string_lossy();
        // SAFETY: the engine was created with object dumps enabled; the path
        // string lives across the call.
        unsafe { mlir_sys::mlirExecutionEngineDumpToObjectFile(self.raw, StringRef::new(&path).to_raw()) };
    }

    fn lookup(&self, name: &str) -> *mut c_void {
        // SAFETY: the engine is valid; the name lives across the call.
        unsafe { mlir_sys::mlirExecutionEngineLookup(self.raw, StringRef::new(name).to_raw()) }
    }

    fn lookup_packed(&self, name: &str) -> *mut c_void {
        // SAFETY: as for `lookup`.
        unsafe { mlir_sys::mlirExecutionEngineLookupPacked(self.raw, StringRef::new(name).to_raw()) }
    }
}

/// The packed calling convention: one pointer per argument (and result).
pub(crate) type PackedFn = unsafe extern "C" fn(*mut *mut c_void);

/// A compiled function. Cheap to clone; callable from many threads at once.
#[derive(Clone)]
pub struct CompiledFunction {
    engine: Arc<Engine>,
    signature: Arc<Signature>,
    layout: Arc<ResultLayout>,
    /// Trailing float parameters that default to 1.0 when not given (the
    /// seeds of a gradient).
    default_seeds: usize,
    packed: PackedFn,
    raw: *mut c_void,
}

// SAFETY: the function pointers point into immutable JIT code kept alive by
// `engine`; calling them concurrently is as safe as the kernel itself (zad
// kernels only touch the memory passed to them).
unsafe impl Send for CompiledFunction {}
// SAFETY: as above.
unsafe impl Sync for CompiledFunction {}

impl CompiledFunction {
    pub(crate) fn new(engine: Arc<Engine>, signature: Signature, default_seeds: usize) -> Result<CompiledFunction> {
        let interface = format!("_mlir_ciface_{}", signature.name);
        let packed = engine.lookup_packed(&interface);
        let raw = engine.lookup(&interface);
        if packed.is_null() || raw.is_null() {
            return Err(Error::Compile(format!(
                "@{}: the JIT has no symbol {interface}",
                signature.name
            )));
        }
        // SAFETY: MLIR's packed wrappers have exactly this C signature.
        let packed = unsafe { std::mem::transmute::<*mut c_void, PackedFn>(packed) };
        let layout = Arc::new(ResultLayout::of(&signature.results));
        Ok(CompiledFunction { engine, signature: Arc::new(signature), layout, default_seeds, packed, raw })
    }

    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The address of the C interface (`_mlir_ciface_<name>`) for hot loops;
    /// its calling convention is documented in `zad.h`. Valid while this
    /// function (or a clone of it) is alive.
    pub fn raw_pointer(&self) -> *mut c_void {
        self.raw
    }

    /// Calls the function with `args`, checked against its signature. The
    /// results are left in `args` (see [`Args::results`]).
    pub fn call(&self, args: &mut Args) -> Result<()> {
        let _keep_alive = &self.engine;
        let inputs = &self.signature.inputs;
        let given = args.len();
        let missing = inputs.len().saturating_sub(given);
        if missing == 0 || missing > self.default_seeds {
            return args.invoke(&self.signature, &self.layout, self.packed);
        }
        for ty in &inputs[given..] {
            match ty {
                ParamType::Scalar(Scalar::F32) => args.push_f32(1.0),
                _ => args.push_f64(1.0),
            };
        }
        let result = args.invoke(&self.signature, &self.layout, self.packed);
        args.truncate(given);
        result
    }

    /// How many trailing seed arguments may be omitted (they default to 1.0).
    pub fn default_seeds(&self) -> usize {
        self.default_seeds
    }
}
