//! From a verified module to the LLVM dialect, through MLIR's own passes.

mod checks;
pub mod hazards;

use crate::{
    context::{Shared, describe_location},
    error::{Error, Result},
    exec::is_runtime_symbol,
    target::{CudaArch, DEFAULT_CUDA_CHIP, Target},
};
use melior::{
    ir::{
        Attribute, BlockLike, Module, ValueLike,
        operation::{OperationLike, OperationMutLike, WalkOrder, WalkResult},
    },
    pass::PassManager,
    utility::parse_pass_pipeline,
};
use std::{fmt, str::FromStr};

mod expand_math;
mod gpu_math;
pub(crate) mod parallel;
pub(crate) use expand_math::expand_math_ops;

/// A point in the pipeline whose IR `zad emit` can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// As parsed and verified.
    Parsed,
    /// The adjoint functions reverse mode generates for one function.
    Adjoint,
    /// The tangent functions forward mode generates for one function.
    Tangent,
    /// Lowered to the LLVM dialect, as handed to the JIT (for the
    /// context's target).
    Llvm,
    /// The PTX of the CUDA kernels the parallel loops become.
    Ptx,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Stage::Parsed, Stage::Adjoint, Stage::Tangent, Stage::Llvm, Stage::Ptx];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Parsed => "parsed",
            Stage::Adjoint => "adjoint",
            Stage::Tangent => "tangent",
            Stage::Llvm => "llvm",
            Stage::Ptx => "ptx",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Stage {
    type Err = Error;
    fn from_str(name: &str) -> Result<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.name() == name).ok_or_else(|| {
            let names = Stage::ALL.map(Stage::name).join(", ");
            Error::InvalidArgument(format!("unknown stage '{name}' (known stages: {names})"))
        })
    }
}

/// MLIR's passes from func/arith/math/scf/memref/cf to the LLVM dialect.
/// math-to-llvm first (LLVM intrinsics vectorise), math-to-libm for what
/// has no intrinsic (erf, cbrt, atan2, ...). convert-vector-to-llvm for the
/// vectors of vector-mode tangents (`vector.from_elements`/`extract`).
const TO_LLVM_PIPELINE: &str = "builtin.module(\
    convert-scf-to-cf,\
    convert-math-to-funcs{min-width-of-fpowi-exponent=65},\
    convert-math-to-llvm{approximate-log1p=false},\
    convert-math-to-libm,\
    expand-strided-metadata,\
    lower-affine,\
    convert-vector-to-llvm,\
    finalize-memref-to-llvm{use-generic-functions=true},\
    convert-arith-to-llvm,\
    convert-complex-to-llvm,\
    convert-index-to-llvm,\
    convert-cf-to-llvm,\
    convert-func-to-llvm,\
    reconcile-unrealized-casts)";

/// Removes from `module` every function that `keep` does not reach through
/// calls: a gradient's module holds the user's whole module, and compiling
/// functions nothing calls costs LLVM time for nothing.
pub(crate) fn keep_only_reachable(shared: &Shared, module: &mut Module<'static>, keep: &str) -> Result<()> {
    let context = shared.mlir();
    let private = Attribute::parse(context, "\"private\"").ok_or_else(|| Error::Internal("a visibility attribute".into()))?;
    let mut next = module.body().first_operation_mut();
    while let Some(mut operation) = next {
        let is_other_function = operation.name().as_string_ref().as_str() == Ok("func.func")
            && crate::module::symbol_name(&operation).is_some_and(|name| name != keep);
        if is_other_function {
            operation.set_inherent_attribute("sym_visibility", private);
        }
        next = operation.next_in_block_mut();
    }
    shared.take_diagnostics();
    let manager = PassManager::new(context);
    parse_pass_pipeline(manager.as_operation_pass_manager(), "builtin.module(symbol-dce)")
        .map_err(|error| Error::Internal(format!("bad pruning pipeline: {error}")))?;
    manager.run(module).map_err(|_| Error::Internal(shared.diagnostic_message("removing unused functions failed")))
}

/// A deep copy of `ir`, so that lowering leaves the user's module intact.
pub(crate) fn clone_module(ir: &Module<'static>) -> Module<'static> {
    // SAFETY: cloning a valid operation yields a new operation owned by us.
    let operation =
        unsafe { melior::ir::Operation::from_raw(mlir_sys::mlirOperationClone(ir.as_operation().to_raw())) };
    Module::from_operation(operation).expect("a clone of a module is a module")
}

/// A module in the LLVM dialect, and what its code needs at run time.
pub(crate) struct Lowered {
    pub module: Module<'static>,
    /// It calls LLVM's OpenMP runtime (it has parallel loops on the CPU).
    pub uses_openmp: bool,
    /// It launches CUDA kernels.
    pub uses_cuda: bool,
    /// Per function: how its body touches its memref arguments on the host
    /// (outside GPU kernels), one description per access; the
    /// device-pointer entry point refuses such functions.
    pub host_accesses: Vec<(String, Vec<String>)>,
}

/// How the code of a compilation reaches its run-time settings.
pub(crate) struct LowerOptions {
    pub target: Target,
    /// The address of the context's thread count (`Shared::threads`),
    /// read by every parallel loop on the CPU when it starts.
    pub threads_setting: usize,
    /// The GPU architecture, for CUDA (`sm_XY`).
    pub cuda_chip: String,
    /// Whether to compile bounds checks in (see `checks`).
    pub check_bounds: bool,
}

/// The thread count `convert-scf-to-openmp` is asked for, replaced by a
/// call reading the context's setting (`parallel::bind_thread_count`).
const THREADS_SENTINEL: i32 = 2_000_000_011;

/// Lowers a copy of `ir` to the LLVM dialect, every defined function given a
/// C interface (`_mlir_ciface_<name>`) for the ABI.
pub(crate) fn to_llvm(shared: &Shared, ir: &Module<'static>, options: &LowerOptions) -> Result<Lowered> {
    reject_unlowered_zad_ops(ir)?;
    hazards::reject(ir)?;
    let context = shared.mlir();
    let mut lowered = clone_module(ir);
    let checked_in_parallel_loop =
        checks::insert(context, &mut lowered, options.check_bounds, matches!(options.target, Target::Cuda(_)))?;
    // Every function gets MLIR's C interface: those with a body for the ABI,
    // the foreign ones (declarations) because that is how zad calls them
    // (see `foreign`). zad's run-time functions, and the libm functions
    // declared below, keep the plain C convention.
    let mut next = lowered.body().first_operation_mut();
    while let Some(mut operation) = next {
        let name = operation
            .attribute("sym_name")
            .ok()
            .and_then(|name| melior::ir::attribute::StringAttribute::try_from(name).ok())
            .map(|name| name.value().to_string());
        if operation.name().as_string_ref().as_str() == Ok("func.func")
            && name.is_some_and(|name| !is_runtime_symbol(&name))
        {
            operation.set_discardable_attribute("llvm.emit_c_interface", Attribute::unit(context));
        }
        next = operation.next_in_block_mut();
    }
    // Complex arithmetic becomes real arithmetic on the parts first: what
    // it becomes (math.atan2, math.log1p, ...) is then expanded and
    // replaced like the kernel's own math ops; complex.create/re/im and
    // complex values in memory are left for complex-to-llvm.
    run_pipeline(shared, &mut lowered, "builtin.module(convert-complex-to-standard)", "lowering complex arithmetic failed")?;
    expand_math_ops(context, &mut lowered)?;
    replace_math_ops(context, &mut lowered)?;
    // A failed check stops the call by jumping back to the thread that made
    // it, which a worker thread cannot do: parallel loops with checks in
    // them run on the calling thread (as scf lowers them: in sequence).
    let parallel = parallel::has_parallel_loops(&lowered) && !(checked_in_parallel_loop && options.target == Target::Cpu);
    let mut result = Lowered { module: lowered, uses_openmp: false, uses_cuda: false, host_accesses: Vec::new() };
    let mut to_llvm_pipeline = TO_LLVM_PIPELINE.to_string();
    match (&options.target, parallel) {
        (_, false) => {}
        (Target::Cpu, true) => {
            parallel::prepare(context, &result.module, parallel::Target::Threads)?;
            parallel::order_dimensions_for_memory(context, &result.module)?;
            parallel::run_small_loops_inline(context, &result.module)?;
            parallel::thread_outer_dimension_only(context, &result.module)?;
            declare_thread_count_function(context, &mut result.module)?;
            run_pipeline(shared, &mut result.module, &format!("builtin.module(convert-scf-to-openmp{{num-threads={THREADS_SENTINEL}}})"), "mapping parallel loops to OpenMP failed")?;
            parallel::bind_thread_count(context, &result.module, THREADS_SENTINEL, crate::exec::PARALLEL_THREADS_SYMBOL, options.threads_setting)?;
            to_llvm_pipeline = to_llvm_pipeline.replace("reconcile-unrealized-casts", "convert-openmp-to-llvm,reconcile-unrealized-casts");
            result.uses_openmp = true;
        }
        (Target::Cuda(_), true) => {
            gpu_math::replace(context, &mut result.module)?;
            parallel::prepare(context, &result.module, parallel::Target::Cuda)?;
            parallel::order_dimensions_for_memory(context, &result.module)?;
            parallel::move_stack_buffers_of_kernels_to_heap(&result.module);
            parallel::check_gpu_code(&result.module)?;
            map_to_gpu(shared, &mut result.module, &options.cuda_chip)?;
            parallel::check_kernel_buffers(&result.module)?;
            result.host_accesses = parallel::host_accesses(&result.module);
            to_llvm_pipeline = to_llvm_pipeline.replace("reconcile-unrealized-casts", "gpu-to-llvm,reconcile-unrealized-casts");
            result.uses_cuda = true;
        }
    }
    if result.uses_openmp {
        // The bodies of OpenMP loops sit in `memref.alloca_scope` ops, which
        // must hold one block: once the sequential loops inside them become
        // branches, the IR is invalid until finalize-memref-to-llvm inlines
        // the scopes. So verify the result instead of each step.
        run_unverified_pipeline(shared, &mut result.module, &to_llvm_pipeline, "lowering to the LLVM dialect failed")?;
        if !result.module.as_operation().verify() {
            return Err(Error::Internal(shared.diagnostic_message("lowering parallel loops produced invalid IR")));
        }
    } else {
        run_pipeline(shared, &mut result.module, &to_llvm_pipeline, "lowering to the LLVM dialect failed")?;
    }
    mark_allocations_noalias(context, &mut result.module)?;
    mark_trap_cold(context, &mut result.module)?;
    Ok(result)
}

fn run_pipeline(shared: &Shared, module: &mut Module<'static>, pipeline: &str, failure: &str) -> Result<()> {
    run_pipeline_with(shared, module, pipeline, failure, true)
}

fn run_unverified_pipeline(shared: &Shared, module: &mut Module<'static>, pipeline: &str, failure: &str) -> Result<()> {
    run_pipeline_with(shared, module, pipeline, failure, false)
}

fn run_pipeline_with(shared: &Shared, module: &mut Module<'static>, pipeline: &str, failure: &str, verify: bool) -> Result<()> {
    shared.take_diagnostics();
    let manager = PassManager::new(shared.mlir());
    manager.enable_verifier(verify);
    parse_pass_pipeline(manager.as_operation_pass_manager(), pipeline)
        .map_err(|error| Error::Internal(format!("bad pipeline {pipeline}: {error}")))?;
    manager.run(module).map_err(|_| Error::Compile(shared.diagnostic_message(failure)))
}

/// Declares the run-time function that parallel loops ask for their thread
/// count (`exec::parallel`).
fn declare_thread_count_function(context: &'static melior::Context, module: &mut Module<'static>) -> Result<()> {
    let name = crate::exec::PARALLEL_THREADS_SYMBOL;
    let text = format!("func.func private @{name}(i64) -> i32");
    let parsed = Module::parse(context, &text).ok_or_else(|| Error::Internal(format!("cannot declare {name}")))?;
    let declaration = parsed.body().first_operation().ok_or_else(|| Error::Internal("empty declaration".into()))?;
    // SAFETY: the clone is a new op, handed to the module's body.
    unsafe {
        let copy = mlir_sys::mlirOperationClone(declaration.to_raw());
        mlir_sys::mlirBlockAppendOwnedOperation(module.body().to_raw(), copy);
    }
    Ok(())
}

/// Threads per GPU block, along each dimension of a parallel loop whose
/// dimensions were reversed (`parallel::reverse_dimensions`): 256 along its
/// last index, which is contiguous in C order and becomes the block's x
/// dimension (the one that varies fastest within a warp, so that loads
/// coalesce); the grid spans the other dimensions (at most 65535 each,
/// CUDA's limit for the grid's y and z).
const GPU_BLOCK: &str = "256,1,1";

/// Maps the (prepared) parallel loops of `module` to GPU kernels and
/// compiles those to PTX (`gpu.binary` ops holding it), leaving the host
/// code for the rest of the pipeline.
fn map_to_gpu(shared: &Shared, module: &mut Module<'static>, chip: &str) -> Result<()> {
    let features = CudaArch::ptx_features(chip)?;
    parallel::reverse_dimensions(shared.mlir(), module)?;
    run_pipeline(
        shared,
        module,
        &format!(
            "builtin.module(func.func(scf-parallel-loop-tiling{{parallel-loop-tile-sizes={GPU_BLOCK} no-min-max-bounds=true}},\
             gpu-map-parallel-loops,convert-parallel-loops-to-gpu),gpu-kernel-outlining)"
        ),
        "mapping parallel loops to GPU kernels failed",
    )?;
    parallel::replace_math_with_ptx(shared.mlir(), module)?;
    let device = format!(
        "builtin.module(nvvm-attach-target{{chip={chip} features={features} O=3}},expand-strided-metadata,lower-affine,\
         gpu.module(arith-expand,convert-scf-to-cf,convert-gpu-to-nvvm,canonicalize,cse,reconcile-unrealized-casts),\
         gpu-module-to-binary{{format=isa}})"
    );
    run_pipeline(shared, module, &device, "compiling GPU kernels to PTX failed")
}

/// The chip to generate PTX for: the named one, or that of the first GPU
/// when a CUDA driver says, or `DEFAULT_CUDA_CHIP`.
pub(crate) fn cuda_chip(arch: &CudaArch) -> String {
    arch.chip.clone().or_else(crate::exec::cuda_device_chip).unwrap_or_else(|| DEFAULT_CUDA_CHIP.to_string())
}

/// The PTX of the GPU kernels of `ir` compiled for `chip`, one section per
/// kernel module.
fn ptx(shared: &Shared, ir: &Module<'static>, chip: &str) -> Result<String> {
    let options = LowerOptions { target: Target::Cuda(CudaArch { chip: Some(chip.to_string()) }), threads_setting: 0, cuda_chip: chip.to_string(), check_bounds: false };
    let lowered = to_llvm(shared, ir, &options)?;
    let mut text = String::new();
    lowered.module.as_operation().walk(WalkOrder::PreOrder, |operation| {
        if operation.name().as_string_ref().as_str() == Ok("gpu.binary")
            && let (Some(name), Ok(objects)) = (crate::module::symbol_name(&operation), operation.attribute("objects"))
        {
            // SAFETY: `objects` is the array of #gpu.object attributes of a
            // gpu.binary; each holds the PTX text as its object.
            unsafe {
                let objects = melior::ir::attribute::AttributeLike::to_raw(&objects);
                for index in 0..mlir_sys::mlirArrayAttrGetNumElements(objects) {
                    let object = mlir_sys::mlirArrayAttrGetElement(objects, index);
                    let ptx = mlir_sys::mlirGPUObjectAttrGetObject(object);
                    let bytes = std::slice::from_raw_parts(ptx.data.cast::<u8>(), ptx.length);
                    text.push_str(&format!("// kernel module @{name}, {chip}\n"));
                    text.push_str(String::from_utf8_lossy(bytes).trim_end_matches('\0'));
                    text.push('\n');
                }
            }
        }
        WalkResult::Advance
    });
    if text.is_empty() {
        return Err(Error::InvalidArgument(
            "the module has no parallel loops (scf.parallel): nothing of it runs on a GPU, so there is no PTX".into(),
        ));
    }
    Ok(text)
}

/// The allocation functions `memref.alloc` calls (zad's, see
/// `exec::memory`), declared to return memory nothing else points to, as
/// LLVM knows of malloc: without this, every pair of buffers a kernel
/// allocates may alias for LLVM, and loops touching several of them (an
/// adjoint's shadows and tapes) are not vectorised.
const ALLOCATION_FUNCTIONS: [&str; 2] = ["_mlir_memref_to_llvm_alloc", "_mlir_memref_to_llvm_aligned_alloc"];

fn mark_allocations_noalias(context: &'static melior::Context, module: &mut Module<'static>) -> Result<()> {
    let noalias = Attribute::parse(context, "[{llvm.noalias}]")
        .ok_or_else(|| Error::Internal("cannot parse the noalias result attribute".into()))?;
    let mut next = module.body().first_operation_mut();
    while let Some(mut operation) = next {
        let is_allocation = operation.name().as_string_ref().as_str() == Ok("llvm.func")
            && operation
                .attribute("sym_name")
                .ok()
                .and_then(|name| melior::ir::attribute::StringAttribute::try_from(name).ok())
                .is_some_and(|name| ALLOCATION_FUNCTIONS.contains(&name.value()));
        if is_allocation {
            operation.set_inherent_attribute("res_attrs", noalias);
        }
        next = operation.next_in_block_mut();
    }
    Ok(())
}

/// `zad_trap` never returns and is called only when a check fails: telling
/// LLVM so keeps the checks' branches out of the way of the hot code.
fn mark_trap_cold(context: &'static melior::Context, module: &mut Module<'static>) -> Result<()> {
    let attributes = Attribute::parse(context, r#"["noreturn", "cold", "nounwind"]"#)
        .ok_or_else(|| Error::Internal("cannot parse the passthrough attribute".into()))?;
    let mut next = module.body().first_operation_mut();
    while let Some(mut operation) = next {
        if operation.name().as_string_ref().as_str() == Ok("llvm.func")
            && operation
                .attribute("sym_name")
                .ok()
                .and_then(|name| melior::ir::attribute::StringAttribute::try_from(name).ok())
                .is_some_and(|name| name.value() == "zad_trap")
        {
            operation.set_inherent_attribute("passthrough", attributes);
        }
        next = operation.next_in_block_mut();
    }
    Ok(())
}

/// Math ops replaced by calls before lowering, with the function to call
/// per element type (none: that type is left to MLIR's lowering):
/// - expm1, which MLIR's math-to-llvm expands into `exp(x) - 1` (inaccurate
///   near zero): libm's instead (log1p is handled by the pass's option);
/// - exp on f64, which LLVM can only call libm for, one element at a time:
///   zad's own in plain arithmetic (`exp_f64.mlir`), which LLVM inlines and
///   vectorises, as accurate as libm's.
const REPLACED_MATH_OPS: &[Replacement] = &[
    Replacement { op: "math.expm1", f64_callee: Some("expm1"), f32_callee: Some("expm1f") },
    Replacement { op: "math.exp", f64_callee: Some(ZAD_EXP_F64), f32_callee: None },
];

struct Replacement {
    op: &'static str,
    f64_callee: Option<&'static str>,
    f32_callee: Option<&'static str>,
}

impl Replacement {
    fn callees(&self) -> impl Iterator<Item = &'static str> {
        self.f64_callee.into_iter().chain(self.f32_callee)
    }
}

pub(crate) const ZAD_EXP_F64: &str = "__zad_exp_f64";

/// The function `callee` (of type `ty` -> `ty`) to add to a module: zad's
/// own definition, or the declaration of a libm function.
fn callee_text(callee: &str, ty: &str) -> String {
    match callee {
        ZAD_EXP_F64 => include_str!("exp_f64.mlir").to_string(),
        _ => format!("func.func private @{callee}({ty}) -> {ty}"),
    }
}

/// Replaces the ops of `REPLACED_MATH_OPS` with calls, adding the functions
/// called.
fn replace_math_ops(context: &'static melior::Context, module: &mut Module<'static>) -> Result<()> {
    let mut found: Vec<(mlir_sys::MlirOperation, &'static str)> = Vec::new();
    module.as_operation().walk(WalkOrder::PreOrder, |operation| {
        let name = operation.name().as_string_ref().as_str().unwrap_or_default().to_string();
        if let Some(replacement) = REPLACED_MATH_OPS.iter().find(|replacement| replacement.op == name) {
            let ty = operation.result(0).map(|r| r.r#type().to_string()).unwrap_or_default();
            let callee = match ty.as_str() {
                "f64" => replacement.f64_callee,
                "f32" => replacement.f32_callee,
                _ => None,
            };
            if let Some(callee) = callee {
                found.push((operation.to_raw(), callee));
            }
        }
        WalkResult::Advance
    });
    // Functions the module itself already declares or defines.
    let mut declared: Vec<&str> = REPLACED_MATH_OPS
        .iter()
        .flat_map(Replacement::callees)
        .filter(|name| crate::mlir::has_symbol(module, name))
        .collect();
    for (raw, callee) in found {
        // SAFETY: `raw` is a live op of `module` (collected above, and each
        // is erased only once, below); the values and types come from it.
        unsafe {
            let operation = melior::ir::OperationRef::from_raw(raw);
            let operand = operation.operand(0).map_err(|e| Error::Internal(e.to_string()))?;
            let result = operation.result(0).map_err(|e| Error::Internal(e.to_string()))?;
            let ty = result.r#type();
            let call = melior::ir::operation::OperationBuilder::new("func.call", operation.location())
                .add_attributes(&[(
                    melior::ir::Identifier::new(context, "callee"),
                    melior::ir::attribute::FlatSymbolRefAttribute::new(context, callee).into(),
                )])
                .add_operands(&[operand])
                .add_results(&[ty])
                .build()
                .map_err(|e| Error::Internal(e.to_string()))?;
            let call = call.into_raw();
            mlir_sys::mlirBlockInsertOwnedOperationBefore(mlir_sys::mlirOperationGetBlock(raw), raw, call);
            mlir_sys::mlirValueReplaceAllUsesOfWith(result.to_raw(), mlir_sys::mlirOperationGetResult(call, 0));
            mlir_sys::mlirOperationDestroy(raw);
            if !declared.contains(&callee) {
                declared.push(callee);
                let ty = ty.to_string();
                let parsed = Module::parse(context, &callee_text(callee, &ty))
                    .ok_or_else(|| Error::Internal(format!("cannot declare {callee}")))?;
                let function = parsed.body().first_operation().ok_or_else(|| Error::Internal("empty declaration".into()))?;
                let copy = mlir_sys::mlirOperationClone(function.to_raw());
                mlir_sys::mlirBlockAppendOwnedOperation(module.body().to_raw(), copy);
            }
        }
    }
    Ok(())
}

/// zad ops that no transform of this version lowers are an error naming the
/// op and its location, rather than MLIR's generic legalisation failure.
fn reject_unlowered_zad_ops(ir: &Module<'static>) -> Result<()> {
    let mut found = None;
    ir.as_operation().walk(WalkOrder::PreOrder, |operation| {
        let name = operation.name().as_string_ref().as_str().unwrap_or_default().to_string();
        if name.starts_with("zad.") {
            found = Some(format!("{}: {name}", describe_location(operation.location(), "")));
            return WalkResult::Interrupt;
        }
        WalkResult::Advance
    });
    match found {
        None => Ok(()),
        Some(what) => Err(Error::Unsupported(format!(
            "{what}: this op cannot be compiled yet (the zad transforms that lower it are not part of this build)"
        ))),
    }
}

/// The IR of `ir` at `stage`, for the context's target (a GPU's
/// architecture is resolved as for compiling, without needing a driver).
pub(crate) fn emit(shared: &Shared, ir: &Module<'static>, stage: Stage, options: &LowerOptions) -> Result<String> {
    Ok(match stage {
        Stage::Parsed => ir.as_operation().to_string(),
        Stage::Llvm => to_llvm(shared, ir, options)?.module.as_operation().to_string(),
        Stage::Ptx => ptx(shared, ir, &options.cuda_chip)?,
        Stage::Adjoint => {
            return Err(Error::InvalidArgument("the adjoint stage is per function: use Module::adjoint_text".into()));
        }
        Stage::Tangent => {
            return Err(Error::InvalidArgument("the tangent stage is per function: use Module::tangent_text".into()));
        }
    })
}
