//! JIT compilation with MLIR's ExecutionEngine, and calling what it made.

mod blas;
mod call;
mod checkpoint;
mod link;
mod cuda;
mod memory;
mod parallel;
mod runtime;
mod trap;

pub use checkpoint::{CheckpointStats, take_checkpoint_stats};
pub(crate) use link::is_runtime_symbol;
pub use cuda::device_chip as cuda_device_chip;
pub use parallel::{NUM_THREADS_VARIABLE, default_threads, effective_threads, threads_from_environment};
pub(crate) use parallel::PARALLEL_THREADS_SYMBOL;
pub use runtime::take_tape_peak;

pub use call::{Args, Array, ArrayData, Value};
pub(crate) use call::{check_strided_len, row_major_strides};
use call::ResultLayout;

use crate::{
    context::Shared,
    error::{Error, Result},
    lower::{self, LowerOptions},
    signature::{ParamType, Scalar, Signature},
    target::Target,
};
use melior::{StringRef, ir::Module};
use mlir_sys::MlirExecutionEngine;
use std::{
    collections::HashMap,
    ffi::c_void,
    path::Path,
    sync::{Arc, atomic::AtomicUsize},
};

/// LLVM optimisation level used for every kernel.
const OPT_LEVEL: i32 = 3;

/// Environment variable naming a directory where every JIT engine writes
/// its machine code as an object file.
const DUMP_OBJECTS: &str = "ZAD_DUMP_OBJECTS";

/// A JIT-compiled module: the machine code of every function in it.
pub(crate) struct Engine {
    raw: MlirExecutionEngine,
    /// Functions that reach a foreign symbol that was not found, with the
    /// error that refuses them.
    refused: HashMap<String, String>,
    /// Libraries the code calls into, kept loaded while it lives.
    _libraries: Vec<Arc<crate::foreign::Library>>,
    /// Its functions launch CUDA kernels: calls copy host arrays in and out.
    cuda: bool,
    /// Per function, its host-side accesses of memref arguments (CUDA).
    host_accesses: Vec<(String, Vec<String>)>,
    /// The context's thread count, whose address the code holds.
    _threads: Arc<AtomicUsize>,
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
    /// Lowers `ir` (a copy of it) to LLVM for `target`, with bounds checks
    /// or not, and JIT-compiles it. The caller holds the context lock.
    pub(crate) fn compile(shared: &Shared, ir: &Module<'static>, target: &Target, check_bounds: bool) -> Result<Engine> {
        let options = lower_options(shared, target, check_bounds);
        let mut linked = link::resolve(shared, ir);
        let lowered = lower::to_llvm(shared, ir, &options)?;
        link::resolve_lowered(shared, &lowered.module, &mut linked);
        let dump = std::env::var_os(DUMP_OBJECTS).filter(|directory| !directory.is_empty());
        // Each path ends with a NUL byte that the StringRef leaves out:
        // LLVM opens the library by the StringRef's data as a C string, and
        // without the NUL read past the path's end (a path such as
        // "libomp.son" then failed to load, and the module's OpenMP calls
        // had no code).
        let libraries: Vec<String> = if lowered.uses_openmp {
            vec![format!("{}\0", parallel::openmp_library()?.to_string_lossy())]
        } else {
            Vec::new()
        };
        let library_refs: Vec<mlir_sys::MlirStringRef> =
            libraries.iter().map(|path| StringRef::new(&path[..path.len() - 1]).to_raw()).collect();
        // SAFETY: `lowered.module` is a valid module in the LLVM dialect;
        // the library paths live across the call.
        let raw = unsafe {
            mlir_sys::mlirExecutionEngineCreate(
                lowered.module.to_raw(),
                OPT_LEVEL,
                library_refs.len() as i32,
                library_refs.as_ptr(),
                dump.is_some(),
                false,
            )
        };
        if raw.ptr.is_null() {
            return Err(Error::Compile(shared.diagnostic_message(
                "JIT compilation failed (MLIR's ExecutionEngine could not translate the module to LLVM IR)",
            )));
        }
        let engine = Engine {
            raw,
            refused: linked.refused,
            _libraries: linked.libraries,
            cuda: lowered.uses_cuda,
            host_accesses: lowered.host_accesses,
            _threads: shared.threads.clone(),
        };
        let mut symbols = runtime::symbols();
        symbols.extend(parallel::symbols());
        if engine.cuda {
            // The CUDA runtime's allocator replaces the host's (registered
            // last, so its names win).
            symbols.extend(cuda::symbols());
        }
        for (name, address) in symbols {
            // SAFETY: `address` is a function with the C signature MLIR's
            // lowering expects for `name` (see `runtime`).
            unsafe {
                mlir_sys::mlirExecutionEngineRegisterSymbol(engine.raw, StringRef::new(name).to_raw(), address)
            };
        }
        for (name, address) in &linked.symbols {
            // SAFETY: the address of the foreign function or global the
            // module declares as `name` (the caller vouched for its
            // signature when registering it), or a stub no handed-out
            // function reaches (see `link`).
            unsafe {
                mlir_sys::mlirExecutionEngineRegisterSymbol(engine.raw, StringRef::new(name).to_raw(), *address)
            };
        }
        // SAFETY: every symbol the module needs is resolvable now.
        unsafe { mlir_sys::mlirExecutionEngineInitialize(engine.raw) };
        // Initialising loads the GPU kernels (global constructors).
        cuda::take_error()?;
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

/// How to lower for `target`: for CUDA, the GPU architecture (the named
/// one, else the first GPU's, else `sm_90` for `zad emit` without a driver;
/// compiling without one fails when the kernels are loaded).
pub(crate) fn lower_options(shared: &Shared, target: &Target, check_bounds: bool) -> LowerOptions {
    let arch = match target {
        Target::Cuda(arch) => arch.clone(),
        Target::Cpu => Default::default(),
    };
    LowerOptions {
        target: target.clone(),
        threads_setting: Arc::as_ptr(&shared.threads) as usize,
        cuda_chip: lower::cuda_chip(&arch),
        check_bounds,
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
    /// For a CUDA function: how it touches memref arguments on the host.
    host_accesses: Option<Arc<Vec<String>>>,
}

// SAFETY: the function pointers point into immutable JIT code kept alive by
// `engine`; calling them concurrently is as safe as the kernel itself (zad
// kernels only touch the memory passed to them).
unsafe impl Send for CompiledFunction {}
// SAFETY: as above.
unsafe impl Sync for CompiledFunction {}

impl CompiledFunction {
    pub(crate) fn new(engine: Arc<Engine>, signature: Signature, default_seeds: usize) -> Result<CompiledFunction> {
        if let Some(message) = engine.refused.get(&signature.name) {
            return Err(Error::NotFound(message.clone()));
        }
        let interface = format!("_mlir_ciface_{}", signature.name);
        let packed = engine.lookup_packed(&interface);
        let raw = engine.lookup(&interface);
        if packed.is_null() || raw.is_null() {
            return Err(Error::Compile(format!("{}: the JIT compiled no code for it", signature.naming.subject())));
        }
        // SAFETY: MLIR's packed wrappers have exactly this C signature.
        let packed = unsafe { std::mem::transmute::<*mut c_void, PackedFn>(packed) };
        let layout = Arc::new(ResultLayout::of(&signature.results));
        let host_accesses = engine.cuda.then(|| {
            let accesses = engine.host_accesses.iter().find(|(name, _)| *name == signature.name).map(|(_, accesses)| accesses.clone());
            Arc::new(accesses.unwrap_or_default())
        });
        Ok(CompiledFunction { engine, signature: Arc::new(signature), layout, default_seeds, packed, raw, host_accesses })
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
    /// results are left in `args` (see [`Args::results`]). A function
    /// compiled for CUDA works on copies of the arrays in GPU-reachable
    /// memory, copied back when it returns.
    pub fn call(&self, args: &mut Args) -> Result<()> {
        self.call_with(args, self.host_accesses.is_some())
    }

    /// Calls a function compiled for CUDA with arrays that are already in
    /// GPU memory (device or managed pointers the caller owns): nothing is
    /// copied. Refused for functions whose code outside their parallel
    /// loops reads or writes an array argument (that code runs on the host,
    /// which cannot touch device memory).
    pub fn call_device(&self, args: &mut Args) -> Result<()> {
        let Some(accesses) = &self.host_accesses else {
            return Err(Error::InvalidArgument(format!(
                "{} was compiled for the cpu target: device pointers need a function compiled for cuda",
                self.signature.naming.subject()
            )));
        };
        if !accesses.is_empty() {
            return Err(Error::Unsupported(format!(
                "{} cannot take device pointers: its code outside parallel loops runs on the host and touches \
                 array arguments there ({}); use zad_function_call, which copies host arrays, or move that code \
                 into a parallel loop",
                self.signature.naming.subject(),
                accesses.join("; ")
            )));
        }
        self.call_with(args, false)
    }

    fn call_with(&self, args: &mut Args, stage: bool) -> Result<()> {
        let _keep_alive = &self.engine;
        self.check_disjoint(args)?;
        let inputs = &self.signature.inputs;
        let given = args.len();
        let missing = inputs.len().saturating_sub(given);
        if missing > 0 && missing <= self.default_seeds {
            for ty in &inputs[given..] {
                match ty {
                    ParamType::Scalar(Scalar::F32) => args.push_f32(1.0),
                    _ => args.push_f64(1.0),
                };
            }
        }
        let result = if stage {
            let arrays = args.host_arrays();
            let staging = cuda::Staging::new(&arrays)?;
            let result = args.invoke(&self.signature, self.default_seeds, &self.layout, self.packed, &|data| staging.relocate(data));
            if result.is_ok() {
                staging.copy_back();
            }
            result
        } else {
            args.invoke(&self.signature, self.default_seeds, &self.layout, self.packed, &|data| data)
        };
        args.truncate(given);
        result?;
        if self.host_accesses.is_some() {
            cuda::take_error()?;
        }
        Ok(())
    }

    /// Refuses a call whose arrays overlap where the function's source
    /// says they may not (C pointers that are not `restrict`): the
    /// derivatives zad generates assume distinct arrays do not alias, and
    /// the function's own result would differ from C's.
    fn check_disjoint(&self, args: &Args) -> Result<()> {
        let naming = &self.signature.naming;
        if naming.disjoint.is_empty() {
            return Ok(());
        }
        let slot_of = |position: usize| naming.inputs.iter().position(|input| *input == crate::naming::Input::Argument(position));
        for &(first, second) in &naming.disjoint {
            let (Some(a), Some(b)) = (slot_of(first), slot_of(second)) else { continue };
            let (Some((a_low, a_high)), Some((b_low, b_high))) = (args.array_extent(a), args.array_extent(b)) else { continue };
            if a_low < b_high && b_low < a_high {
                return Err(Error::InvalidArgument(format!(
                    "{}: {} and {} overlap in memory; zad's derivatives of C functions assume that pointer \
                     parameters do not alias: pass distinct arrays, or declare the parameters restrict in the C \
                     source if the overlap is intended and harmless",
                    naming.subject(),
                    naming.argument(first),
                    naming.argument(second)
                )));
            }
        }
        Ok(())
    }

    /// How many trailing seed arguments may be omitted (they default to 1.0).
    pub fn default_seeds(&self) -> usize {
        self.default_seeds
    }
}
