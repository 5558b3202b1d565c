//! `scf.parallel` loops, prepared for the CPU's threads (MLIR's OpenMP
//! conversion) or for a CUDA GPU (MLIR's GPU mapping), and what the two
//! upstream conversions do not take, rewritten into what they do.
//!
//! Policy, the same on both targets: the outermost `scf.parallel` of a nest
//! runs in parallel over all its dimensions; a parallel loop inside another
//! runs sequentially inside each iteration (a multi-dimensional
//! `scf.parallel` is the way to spread several dimensions). Reductions
//! (`scf.reduce`) whose combining op the target cannot run in parallel run
//! sequentially, which is always correct:
//! - CPU: MLIR's OpenMP conversion takes sums, products and bitwise and/or/xor
//!   (`arith.addf`, `mulf`, `addi`, `muli`, `andi`, `ori`, `xori`);
//! - CUDA: the reduction becomes atomic updates of one value in memory
//!   (`memref.atomic_rmw`) for sums, minima and maxima (`addf`, `addi`,
//!   `maximumf`, `minimumf`, `maxnumf`, `minnumf`, `maxsi`, `minsi`,
//!   `maxui`, `minui`, `andi`, `ori`); others run on the host.
//!
//! The rewrites work on MLIR's C API (moves, not copies, so that nested
//! loops keep their identity while outer ones are rewritten).

use crate::{
    context::describe_location,
    error::{Error, Result},
};
use melior::{
    StringRef,
    ir::{Location, Module, OperationRef, ValueLike, operation::{OperationLike, WalkOrder, WalkResult}},
};
use mlir_sys::{MlirAttribute, MlirBlock, MlirLocation, MlirOperation, MlirType, MlirValue};

pub(crate) const PARALLEL: &str = "scf.parallel";

/// Whether `module` has a parallel loop.
pub(crate) fn has_parallel_loops(module: &Module) -> bool {
    !parallel_loops(module).is_empty()
}

/// Every `scf.parallel` of `module`, inner loops before the loops around them.
fn parallel_loops(module: &Module) -> Vec<MlirOperation> {
    let mut found = Vec::new();
    module.as_operation().walk(WalkOrder::PostOrder, |operation| {
        if operation.name().as_string_ref().as_str() == Ok(PARALLEL) {
            found.push(operation.to_raw());
        }
        WalkResult::Advance
    });
    found
}

/// What a target can run of a reduction.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Threads,
    Cuda,
}

/// The combining ops of reductions each target runs in parallel.
const THREADS_COMBINERS: [&str; 7] = ["arith.addf", "arith.mulf", "arith.addi", "arith.muli", "arith.andi", "arith.ori", "arith.xori"];

/// For CUDA: combining op -> `memref.atomic_rmw` kind (the value of
/// MLIR's `AtomicRMWKind` enum: addf, addi, andi, maximumf, maxnumf, maxs,
/// maxu, minimumf, minnumf, mins, minu, ori).
const ATOMIC_COMBINERS: [(&str, u32); 12] = [
    ("arith.addf", 0),
    ("arith.addi", 1),
    ("arith.andi", 2),
    ("arith.maximumf", 4),
    ("arith.maxnumf", 5),
    ("arith.maxsi", 6),
    ("arith.maxui", 7),
    ("arith.minimumf", 8),
    ("arith.minnumf", 9),
    ("arith.minsi", 10),
    ("arith.minui", 11),
    ("arith.ori", 14),
];

/// Rewrites the parallel loops of `module` into what the target's
/// conversion takes (see the module documentation). For CUDA, reductions
/// that stay parallel become atomic updates of a one-element buffer.
pub(crate) fn prepare(context: &melior::Context, module: &Module, target: Target) -> Result<()> {
    load_dialects(context);
    for parallel in parallel_loops(module) {
        // SAFETY: `parallel` is a live op of `module` (collected above and
        // only moved, never erased, by the rewrites of the loops nested in
        // it, which come first).
        unsafe {
            let nested = has_parallel_ancestor(parallel);
            let combiners: Vec<Option<String>> = (0..reduction_count(parallel)).map(|j| combiner(parallel, j)).collect();
            let runs_parallel = |combiner: &Option<String>| match (target, combiner.as_deref()) {
                (_, None) => false,
                (Target::Threads, Some(name)) => THREADS_COMBINERS.contains(&name),
                (Target::Cuda, Some(name)) => ATOMIC_COMBINERS.iter().any(|(op, _)| *op == name),
            };
            if nested || !combiners.iter().all(runs_parallel) {
                sequentialize(parallel)?;
            } else if target == Target::Cuda && !combiners.is_empty() {
                let kinds = combiners
                    .iter()
                    .map(|name| ATOMIC_COMBINERS.iter().find(|(op, _)| Some(*op) == name.as_deref()).map(|(_, kind)| *kind))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| Error::Internal("a reduction without an atomic kind".into()))?;
                reduce_atomically(context, parallel, &kinds)?;
            }
        }
    }
    Ok(())
}

/// Parallel loops of fewer iterations than this run on the calling thread
/// (on the CPU): starting and joining a parallel region costs a few
/// microseconds, which a loop of a few thousand light iterations does not
/// repay (a DO CONCURRENT over 100 points inside a time loop would run
/// several times slower on threads).
pub(crate) const MIN_THREADED_ITERATIONS: i64 = 4096;

/// For the CPU's threads: each outermost parallel loop becomes
/// `scf.if (iterations >= MIN_THREADED_ITERATIONS)` of itself, else of the
/// `scf.for` nest it stands for (its copy, sequentialized), chosen at run
/// time. Run after [`prepare`], before the OpenMP conversion.
pub(crate) fn run_small_loops_inline(context: &melior::Context, module: &Module) -> Result<()> {
    load_dialects(context);
    let outermost: Vec<MlirOperation> = parallel_loops(module)
        .into_iter()
        // SAFETY: live ops of `module`.
        .filter(|&parallel| unsafe { !has_parallel_ancestor(parallel) })
        .collect();
    let threshold = parse_attribute(context, &format!("{MIN_THREADED_ITERATIONS} : index"))?;
    for parallel in outermost {
        // SAFETY: `parallel` is a live scf.parallel of `module`; the ops
        // created are inserted before it, it is moved into the new scf.if
        // and its copy into the other branch, whose uses are replaced first.
        unsafe {
            let location = mlir_sys::mlirOperationGetLocation(parallel);
            let block = mlir_sys::mlirOperationGetBlock(parallel);
            let context_raw = mlir_sys::mlirLocationGetContext(location);
            let index = mlir_sys::mlirIndexTypeGet(context_raw);
            let reductions = reduction_count(parallel);
            let dims = (mlir_sys::mlirOperationGetNumOperands(parallel) as usize - reductions) / 3;
            let operand = |i: usize| mlir_sys::mlirOperationGetOperand(parallel, i as isize);
            let before = |op: MlirOperation| {
                mlir_sys::mlirBlockInsertOwnedOperationBefore(block, parallel, op);
                mlir_sys::mlirOperationGetResult(op, 0)
            };
            let binary = |name: &str, a: MlirValue, b: MlirValue| before(create_op(name, location, &[a, b], &[index], &[], 0));
            let constant = |value: i64| -> Result<MlirValue> {
                Ok(before(create_op("arith.constant", location, &[], &[index], &[("value", parse_attribute(context, &format!("{value} : index"))?)], 0)))
            };
            let (zero, one) = (constant(0)?, constant(1)?);
            // Iterations: the product of max(ceil((ub - lb) / step), 0).
            let mut iterations = one;
            for d in 0..dims {
                let (lb, ub, step) = (operand(d), operand(dims + d), operand(2 * dims + d));
                let span = binary("arith.subi", ub, lb);
                let count = binary("arith.ceildivsi", span, step);
                let count = binary("arith.maxsi", count, zero);
                iterations = binary("arith.muli", iterations, count);
            }
            let threshold = before(create_op("arith.constant", location, &[], &[index], &[("value", threshold)], 0));
            let i1 = mlir_sys::mlirIntegerTypeGet(context_raw, 1);
            let predicate = parse_attribute(context, "5 : i64")?; // sge
            let large = before(create_op("arith.cmpi", location, &[iterations, threshold], &[i1], &[("predicate", predicate)], 0));
            let types: Vec<MlirType> = (0..reductions).map(|j| mlir_sys::mlirValueGetType(mlir_sys::mlirOperationGetResult(parallel, j as isize))).collect();
            let branch = create_op("scf.if", location, &[large], &types, &[], 2);
            mlir_sys::mlirBlockInsertOwnedOperationBefore(block, parallel, branch);
            replace_results(parallel, branch, reductions);
            let copy = mlir_sys::mlirOperationClone(parallel);
            for (region, looped) in [(0, parallel), (1, copy)] {
                let arm = mlir_sys::mlirBlockCreate(0, std::ptr::null(), std::ptr::null());
                mlir_sys::mlirRegionAppendOwnedBlock(mlir_sys::mlirOperationGetRegion(branch, region), arm);
                let results: Vec<MlirValue> = (0..reductions).map(|j| mlir_sys::mlirOperationGetResult(looped, j as isize)).collect();
                let terminator = create_op("scf.yield", location, &results, &[], &[], 0);
                mlir_sys::mlirBlockAppendOwnedOperation(arm, terminator);
                if region == 0 {
                    mlir_sys::mlirOperationMoveBefore(looped, terminator);
                } else {
                    mlir_sys::mlirBlockInsertOwnedOperationBefore(arm, terminator, looped);
                }
            }
            sequentialize(copy)?;
        }
    }
    Ok(())
}

/// Replaces every parallel loop of `function` by a nest of `scf.for` loops
/// (reductions carried as iteration arguments): the same values, computed
/// in one of the orders a parallel loop allows. The AD core differentiates
/// parallel loops this way, so that derivatives are exact whatever the
/// loop writes; their derivatives then run on the calling thread.
pub(crate) fn sequentialize_in(context: &melior::Context, function: &impl OperationLike<'static, 'static>) -> Result<()> {
    sequentialize_unless(context, function, |_| false)
}

/// Replaces the parallel loops of `function` for which `keep` is false by
/// nests of `scf.for` loops (see `sequentialize_in`). Loops are visited
/// inner first, and `keep` sees each one as the rewrites of the loops
/// nested in it left it.
pub(crate) fn sequentialize_unless(
    context: &melior::Context,
    function: &impl OperationLike<'static, 'static>,
    keep: impl Fn(&OperationRef<'static, '_>) -> bool,
) -> Result<()> {
    load_dialects(context);
    let mut found = Vec::new();
    function.walk(WalkOrder::PostOrder, |operation| {
        if operation.name().as_string_ref().as_str() == Ok(PARALLEL) {
            found.push(operation.to_raw());
        }
        WalkResult::Advance
    });
    for parallel in found {
        // SAFETY: `parallel` is a live op of `module`, collected innermost
        // first: the rewrites of the loops nested in it only move ops.
        let kept = keep(&unsafe { OperationRef::from_raw(parallel) });
        if !kept {
            // SAFETY: as above.
            unsafe { sequentialize(parallel)? };
        }
    }
    Ok(())
}

/// The ops GPU code may contain: what NVPTX compiles without NVIDIA's
/// libdevice (which zad does not use: it comes only with the CUDA toolkit).
/// `math` ops are lowered to single PTX instructions (see
/// `replace_math_with_ptx`); exp, log, sin, cos and tanh are calls of zad's
/// own definitions by then (`gpu_math`).
fn runs_on_gpu(name: &str) -> bool {
    let (dialect, op) = name.split_once('.').unwrap_or((name, ""));
    match dialect {
        // remf is fmod, a libdevice call.
        "arith" => op != "remf",
        "index" | "affine" => true,
        "scf" => true,
        "memref" => matches!(
            op,
            "load" | "store" | "dim" | "rank" | "atomic_rmw" | "alloca" | "alloca_scope" | "alloca_scope.return"
                | "subview" | "cast" | "reinterpret_cast" | "extract_strided_metadata" | "expand_shape"
                | "collapse_shape" | "extract_aligned_pointer_as_index"
        ),
        "math" => PTX_MATH.iter().any(|(math, ..)| *math == name),
        "func" => matches!(op, "call" | "return"),
        _ => false,
    }
}

/// `math` ops with one PTX instruction each: (op, f64 instruction, f32
/// instruction), all correctly rounded.
const PTX_MATH: [(&str, &str, &str); 8] = [
    ("math.sqrt", "sqrt.rn.f64", "sqrt.rn.f32"),
    ("math.absf", "abs.f64", "abs.f32"),
    ("math.fma", "fma.rn.f64", "fma.rn.f32"),
    ("math.floor", "cvt.rmi.f64.f64", "cvt.rmi.f32.f32"),
    ("math.ceil", "cvt.rpi.f64.f64", "cvt.rpi.f32.f32"),
    ("math.trunc", "cvt.rzi.f64.f64", "cvt.rzi.f32.f32"),
    ("math.roundeven", "cvt.rni.f64.f64", "cvt.rni.f32.f32"),
    ("math.copysign", "copysign.f64", "copysign.f32"),
];

/// Checks that the bodies of the outermost parallel loops of `module` (and
/// the functions they call) hold only ops GPU code can run; the error names
/// the first other op and where it is. Run after [`prepare`].
pub(crate) fn check_gpu_code(module: &Module) -> Result<()> {
    let mut problem: Option<String> = None;
    let mut checked_functions: Vec<String> = Vec::new();
    let mut pending: Vec<(MlirOperation, String)> = Vec::new();
    module.as_operation().walk(WalkOrder::PreOrder, |operation| {
        // SAFETY: a live op of `module`.
        if operation.name().as_string_ref().as_str() == Ok(PARALLEL) && !unsafe { has_parallel_ancestor(operation.to_raw()) } {
            pending.push((operation.to_raw(), format!("the parallel loop at {}", describe_location(operation.location(), ""))));
        }
        WalkResult::Advance
    });
    while let Some((root, context)) = pending.pop() {
        // SAFETY: `root` is a live op of `module` (a loop or a function).
        let root = unsafe { OperationRef::from_raw(root) };
        root.walk(WalkOrder::PreOrder, |operation| {
            if operation.to_raw().ptr == root.to_raw().ptr {
                return WalkResult::Advance;
            }
            let name = operation.name().as_string_ref().as_str().unwrap_or("?").to_string();
            if !runs_on_gpu(&name) {
                let why = if name.starts_with("math.") {
                    "on the GPU zad compiles math ops without NVIDIA's libdevice, so only sqrt, absf, fma, floor, ceil, \
                     trunc, roundeven, copysign, exp, log, sin, cos and tanh are available there"
                } else {
                    "it has no GPU lowering"
                };
                problem = Some(format!(
                    "{}: {name} cannot run on the CUDA target ({context}): {why}; compute it outside the parallel loop \
                     or use the cpu target",
                    describe_location(operation.location(), "")
                ));
                return WalkResult::Interrupt;
            }
            if name == "func.call"
                && let Some(callee) = callee_name(&operation)
                && !checked_functions.contains(&callee)
            {
                checked_functions.push(callee.clone());
                match find_function(module, &callee) {
                    Some(function) => pending.push((function, format!("@{callee}, called from {context}"))),
                    None => {
                        problem = Some(format!(
                            "{}: the call of @{callee} cannot run on the CUDA target ({context}): it has no body in the \
                             module (GPU code can only call functions defined in it)",
                            describe_location(operation.location(), "")
                        ));
                        return WalkResult::Interrupt;
                    }
                }
            }
            WalkResult::Advance
        });
        if let Some(problem) = problem {
            return Err(Error::Unsupported(problem));
        }
    }
    Ok(())
}

/// Makes the buffers that function bodies allocate on the stack at their
/// top level (`memref.alloca` in the entry block) and that a parallel loop
/// uses heap buffers (`memref.alloc`, managed memory on the CUDA target,
/// which GPU kernels can reach), freed before each return: the same
/// lifetime. Run for the CUDA target before the loops are mapped; an
/// alloca elsewhere that a kernel uses is refused by
/// [`check_kernel_buffers`].
pub(crate) fn move_stack_buffers_of_kernels_to_heap(module: &Module) {
    for (_, function) in crate::module::defined_function_ops(module) {
        // SAFETY: `function` is a live func.func with a body; the ops
        // collected are live until replaced, each once.
        unsafe {
            let entry = body(function.to_raw());
            let mut allocas = Vec::new();
            let mut op = mlir_sys::mlirBlockGetFirstOperation(entry);
            while !op.ptr.is_null() {
                if op_name(op) == "memref.alloca" && used_in_parallel_loop(mlir_sys::mlirOperationGetResult(op, 0)) {
                    allocas.push(op);
                }
                op = mlir_sys::mlirOperationGetNextInBlock(op);
            }
            let mut returns = Vec::new();
            function.walk(WalkOrder::PreOrder, |inner| {
                if inner.name().as_string_ref().as_str() == Ok("func.return") {
                    returns.push(inner.to_raw());
                }
                WalkResult::Advance
            });
            for alloca in allocas {
                let location = mlir_sys::mlirOperationGetLocation(alloca);
                let operands: Vec<MlirValue> =
                    (0..mlir_sys::mlirOperationGetNumOperands(alloca)).map(|i| mlir_sys::mlirOperationGetOperand(alloca, i)).collect();
                let old = mlir_sys::mlirOperationGetResult(alloca, 0);
                let attributes: Vec<(String, MlirAttribute)> = (0..mlir_sys::mlirOperationGetNumAttributes(alloca))
                    .map(|i| {
                        let named = mlir_sys::mlirOperationGetAttribute(alloca, i);
                        let name = mlir_sys::mlirIdentifierStr(named.name);
                        (String::from_utf8_lossy(std::slice::from_raw_parts(name.data.cast::<u8>(), name.length)).into_owned(), named.attribute)
                    })
                    .collect();
                let borrowed: Vec<(&str, MlirAttribute)> = attributes.iter().map(|(name, value)| (name.as_str(), *value)).collect();
                let alloc = create_op("memref.alloc", location, &operands, &[mlir_sys::mlirValueGetType(old)], &borrowed, 0);
                mlir_sys::mlirBlockInsertOwnedOperationBefore(entry, alloca, alloc);
                let new = mlir_sys::mlirOperationGetResult(alloc, 0);
                mlir_sys::mlirValueReplaceAllUsesOfWith(old, new);
                mlir_sys::mlirOperationDestroy(alloca);
                for &ret in &returns {
                    let dealloc = create_op("memref.dealloc", location, &[new], &[], &[], 0);
                    mlir_sys::mlirBlockInsertOwnedOperationBefore(mlir_sys::mlirOperationGetBlock(ret), ret, dealloc);
                }
            }
        }
    }
}

/// Whether memref `value`, or a view of it, is used inside a parallel loop.
///
/// # Safety
/// `value` is a live value.
unsafe fn used_in_parallel_loop(value: MlirValue) -> bool {
    // SAFETY: uses of a live value are live ops (caller).
    unsafe {
        let mut use_ = mlir_sys::mlirValueGetFirstUse(value);
        while !mlir_sys::mlirOpOperandIsNull(use_) {
            let user = mlir_sys::mlirOpOperandGetOwner(use_);
            if has_parallel_ancestor(user) {
                return true;
            }
            if VIEWS.contains(&op_name(user).as_str()) && used_in_parallel_loop(mlir_sys::mlirOperationGetResult(user, 0)) {
                return true;
            }
            use_ = mlir_sys::mlirOpOperandGetNextUse(use_);
        }
        false
    }
}

/// Ops whose (first) result is a view of their first operand's memory.
const VIEWS: [&str; 6] = [
    "memref.subview",
    "memref.cast",
    "memref.reinterpret_cast",
    "memref.expand_shape",
    "memref.collapse_shape",
    "memref.extract_strided_metadata",
];

/// Checks (after GPU mapping) that every buffer a GPU kernel is launched
/// with lives where the GPU can reach it: memory from `memref.alloc`
/// (managed memory on this target) or the arguments (staged, or the
/// caller's device pointers), not the host's stack (`memref.alloca`) or a
/// host global (`memref.get_global`). The error names the buffer's op and
/// the parallel loop.
pub(crate) fn check_kernel_buffers(module: &Module) -> Result<()> {
    let mut problem = None;
    module.as_operation().walk(WalkOrder::PreOrder, |operation| {
        if operation.name().as_string_ref().as_str() != Ok("gpu.launch_func") {
            return WalkResult::Advance;
        }
        for operand in operation.operands() {
            // SAFETY: live values and ops of `module`; a value's defining
            // op is null for block arguments, where the walk stops.
            unsafe {
                let mut value = operand.to_raw();
                while mlir_sys::mlirValueIsAOpResult(value) {
                    let owner = mlir_sys::mlirOpResultGetOwner(value);
                    let name = op_name(owner);
                    if VIEWS.contains(&name.as_str()) {
                        value = mlir_sys::mlirOperationGetOperand(owner, 0);
                        continue;
                    }
                    if name == "memref.alloca" || name == "memref.get_global" {
                        let place = if name == "memref.alloca" { "the host's stack" } else { "host memory" };
                        problem = Some(format!(
                            "{}: {name} makes a buffer in {place}, which the GPU kernel of the parallel loop at {} uses: \
                             allocate it with memref.alloc (managed memory on the CUDA target) or pass it as an argument, \
                             or use the cpu target",
                            describe_location(Location::from_raw(mlir_sys::mlirOperationGetLocation(owner)), ""),
                            describe_location(operation.location(), "")
                        ));
                        return WalkResult::Interrupt;
                    }
                    break;
                }
            }
        }
        WalkResult::Advance
    });
    problem.map_or(Ok(()), |problem| Err(Error::Unsupported(problem)))
}

fn callee_name(operation: &OperationRef) -> Option<String> {
    let attribute = operation.attribute("callee").ok()?;
    let text = attribute.to_string();
    Some(text.trim_start_matches('@').trim_matches('"').to_string())
}

/// The `func.func` named `name` with a body, at the top level of `module`.
fn find_function(module: &Module, name: &str) -> Option<MlirOperation> {
    crate::module::defined_function_ops(module).into_iter().find(|(candidate, _)| candidate == name).map(|(_, op)| op.to_raw())
}

/// Replaces the `math` ops inside the GPU modules of `module` by the PTX
/// instructions of `PTX_MATH` (as `llvm.inline_asm`), so that
/// `convert-gpu-to-nvvm` does not turn them into calls to libdevice.
pub(crate) fn replace_math_with_ptx(context: &melior::Context, module: &Module) -> Result<()> {
    load_dialects(context);
    let mut found = Vec::new();
    module.as_operation().walk(WalkOrder::PreOrder, |operation| {
        if operation.name().as_string_ref().as_str().is_ok_and(|name| name.starts_with("math.")) {
            found.push(operation.to_raw());
        }
        WalkResult::Advance
    });
    for raw in found {
        // SAFETY: `raw` is a live op of `module`, replaced once.
        unsafe {
            if !inside_gpu_module(raw) {
                continue;
            }
            let name = op_name(raw);
            let location = mlir_sys::mlirOperationGetLocation(raw);
            let result_type = mlir_sys::mlirValueGetType(mlir_sys::mlirOperationGetResult(raw, 0));
            let type_text = type_to_string(result_type);
            let instruction = PTX_MATH.iter().find(|(math, ..)| *math == name).and_then(|(_, f64_instruction, f32_instruction)| {
                match type_text.as_str() {
                    "f64" => Some((*f64_instruction, "d")),
                    "f32" => Some((*f32_instruction, "f")),
                    _ => None,
                }
            });
            let Some((instruction, constraint)) = instruction else {
                return Err(Error::Unsupported(format!(
                    "{}: {name} on {type_text} cannot run on the CUDA target (zad compiles GPU code without NVIDIA's \
                     libdevice)",
                    describe_location(Location::from_raw(location), "")
                )));
            };
            let operands: Vec<MlirValue> = (0..mlir_sys::mlirOperationGetNumOperands(raw)).map(|i| mlir_sys::mlirOperationGetOperand(raw, i)).collect();
            let mut placeholders: Vec<String> = (1..=operands.len()).map(|i| format!("${i}")).collect();
            if name == "math.copysign" {
                // PTX's copysign takes the sign first: `copysign d, sign, magnitude`.
                placeholders.reverse();
            }
            let asm = format!("{instruction} $0, {};", placeholders.join(", "));
            let constraints = std::iter::once(format!("={constraint}"))
                .chain(operands.iter().map(|_| constraint.to_string()))
                .collect::<Vec<_>>()
                .join(",");
            let attributes = [
                ("asm_string", string_attribute(context, &asm)?),
                ("constraints", string_attribute(context, &constraints)?),
            ];
            let asm_op = create_op("llvm.inline_asm", location, &operands, &[result_type], &attributes, 0);
            mlir_sys::mlirBlockInsertOwnedOperationBefore(mlir_sys::mlirOperationGetBlock(raw), raw, asm_op);
            mlir_sys::mlirValueReplaceAllUsesOfWith(mlir_sys::mlirOperationGetResult(raw, 0), mlir_sys::mlirOperationGetResult(asm_op, 0));
            mlir_sys::mlirOperationDestroy(raw);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The rewrites, on MLIR's C API.

/// Loads the dialects whose ops the rewrites create: an op of a dialect
/// that is registered but not loaded yet is not created as that op.
fn load_dialects(context: &melior::Context) {
    for dialect in ["arith", "func", "llvm", "memref", "scf"] {
        context.get_or_load_dialect(dialect);
    }
}

/// # Safety
/// `op` is a live operation.
unsafe fn op_name(op: MlirOperation) -> String {
    // SAFETY: a live op (caller); its name's string lives with the context.
    unsafe {
        let identifier = mlir_sys::mlirOperationGetName(op);
        StringRef::from_raw(mlir_sys::mlirIdentifierStr(identifier)).as_str().unwrap_or("").to_string()
    }
}

/// # Safety
/// `op` is a live operation.
unsafe fn has_parallel_ancestor(op: MlirOperation) -> bool {
    // SAFETY: parents of a live op are live (caller).
    unsafe {
        let mut parent = mlir_sys::mlirOperationGetParentOperation(op);
        while !parent.ptr.is_null() {
            if op_name(parent) == PARALLEL {
                return true;
            }
            parent = mlir_sys::mlirOperationGetParentOperation(parent);
        }
        false
    }
}

/// # Safety
/// `op` is a live operation.
unsafe fn inside_gpu_module(op: MlirOperation) -> bool {
    // SAFETY: as for `has_parallel_ancestor`.
    unsafe {
        let mut parent = mlir_sys::mlirOperationGetParentOperation(op);
        while !parent.ptr.is_null() {
            if op_name(parent) == "gpu.module" {
                return true;
            }
            parent = mlir_sys::mlirOperationGetParentOperation(parent);
        }
        false
    }
}

/// Makes every use of the first `count` results of `old` a use of those
/// of `new`.
///
/// # Safety
/// Both ops are live and have at least `count` results, pairwise of one type.
unsafe fn replace_results(old: MlirOperation, new: MlirOperation, count: usize) {
    // SAFETY: see above.
    unsafe {
        for j in 0..count {
            mlir_sys::mlirValueReplaceAllUsesOfWith(
                mlir_sys::mlirOperationGetResult(old, j as isize),
                mlir_sys::mlirOperationGetResult(new, j as isize),
            );
        }
    }
}

/// The body block of a loop (its first region's first block).
///
/// # Safety
/// `op` is a live op with a region holding a block.
unsafe fn body(op: MlirOperation) -> MlirBlock {
    // SAFETY: see above.
    unsafe { mlir_sys::mlirRegionGetFirstBlock(mlir_sys::mlirOperationGetRegion(op, 0)) }
}

/// The number of reductions (results) of a parallel loop.
///
/// # Safety
/// `parallel` is a live `scf.parallel`.
unsafe fn reduction_count(parallel: MlirOperation) -> usize {
    // SAFETY: see above.
    unsafe { mlir_sys::mlirOperationGetNumResults(parallel) as usize }
}

/// The `scf.reduce` terminating a parallel loop's body.
///
/// # Safety
/// `parallel` is a live `scf.parallel`.
unsafe fn reduce_op(parallel: MlirOperation) -> MlirOperation {
    // SAFETY: a verified scf.parallel ends with scf.reduce.
    unsafe { mlir_sys::mlirBlockGetTerminator(body(parallel)) }
}

/// The name of the one op that combines reduction `index`, when its region
/// is `%r = OP %a, %b` (or `%b, %a`) and `scf.reduce.return %r`.
///
/// # Safety
/// `parallel` is a live `scf.parallel` with more than `index` reductions.
unsafe fn combiner(parallel: MlirOperation, index: usize) -> Option<String> {
    // SAFETY: the region of reduction `index` of a verified scf.reduce has
    // one block with two arguments, ending in scf.reduce.return.
    unsafe {
        let block = mlir_sys::mlirRegionGetFirstBlock(mlir_sys::mlirOperationGetRegion(reduce_op(parallel), index as isize));
        let first = mlir_sys::mlirBlockGetFirstOperation(block);
        let terminator = mlir_sys::mlirBlockGetTerminator(block);
        if first.ptr == terminator.ptr || mlir_sys::mlirOperationGetNextInBlock(first).ptr != terminator.ptr {
            return None;
        }
        let (a, b) = (mlir_sys::mlirBlockGetArgument(block, 0), mlir_sys::mlirBlockGetArgument(block, 1));
        let operands: Vec<MlirValue> = (0..mlir_sys::mlirOperationGetNumOperands(first)).map(|i| mlir_sys::mlirOperationGetOperand(first, i)).collect();
        let combines_both = operands.len() == 2
            && ((mlir_sys::mlirValueEqual(operands[0], a) && mlir_sys::mlirValueEqual(operands[1], b))
                || (mlir_sys::mlirValueEqual(operands[0], b) && mlir_sys::mlirValueEqual(operands[1], a)));
        let returned = mlir_sys::mlirOperationGetOperand(terminator, 0);
        let returns_it = mlir_sys::mlirOperationGetNumResults(first) == 1
            && mlir_sys::mlirValueEqual(returned, mlir_sys::mlirOperationGetResult(first, 0));
        (combines_both && returns_it).then(|| op_name(first))
    }
}

/// Creates a detached operation.
///
/// # Safety
/// The operands, types and attributes are valid for an op `name`.
unsafe fn create_op(
    name: &str,
    location: MlirLocation,
    operands: &[MlirValue],
    results: &[MlirType],
    attributes: &[(&str, MlirAttribute)],
    regions: usize,
) -> MlirOperation {
    // SAFETY: the state is filled with valid handles (caller) and consumed
    // by mlirOperationCreate; the regions created here are handed over.
    unsafe {
        let mut state = mlir_sys::mlirOperationStateGet(StringRef::new(name).to_raw(), location);
        mlir_sys::mlirOperationStateAddOperands(&mut state, operands.len() as isize, operands.as_ptr());
        mlir_sys::mlirOperationStateAddResults(&mut state, results.len() as isize, results.as_ptr());
        let context = mlir_sys::mlirLocationGetContext(location);
        let named: Vec<mlir_sys::MlirNamedAttribute> = attributes
            .iter()
            .map(|(key, value)| {
                mlir_sys::mlirNamedAttributeGet(mlir_sys::mlirIdentifierGet(context, StringRef::new(key).to_raw()), *value)
            })
            .collect();
        mlir_sys::mlirOperationStateAddAttributes(&mut state, named.len() as isize, named.as_ptr());
        let owned: Vec<mlir_sys::MlirRegion> = (0..regions).map(|_| mlir_sys::mlirRegionCreate()).collect();
        mlir_sys::mlirOperationStateAddOwnedRegions(&mut state, owned.len() as isize, owned.as_ptr());
        mlir_sys::mlirOperationCreate(&mut state)
    }
}

fn string_attribute(context: &melior::Context, text: &str) -> Result<MlirAttribute> {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    parse_attribute(context, &format!("\"{escaped}\""))
}

fn parse_attribute(context: &melior::Context, text: &str) -> Result<MlirAttribute> {
    melior::ir::Attribute::parse(context, text)
        .map(|attribute| melior::ir::attribute::AttributeLike::to_raw(&attribute))
        .ok_or_else(|| Error::Internal(format!("cannot parse the attribute {text}")))
}

/// # Safety
/// `ty` is a live type.
unsafe fn type_to_string(ty: MlirType) -> String {
    // SAFETY: a live type (caller).
    unsafe { melior::ir::Type::from_raw(ty) }.to_string()
}

/// Adds a block with arguments of `types` to the (empty) first region of
/// `op`.
///
/// # Safety
/// `op` is live and its first region empty.
unsafe fn add_block(op: MlirOperation, types: &[MlirType], location: MlirLocation) -> MlirBlock {
    // SAFETY: see above; the block is handed to the region.
    unsafe {
        let locations = vec![location; types.len()];
        let block = mlir_sys::mlirBlockCreate(types.len() as isize, types.as_ptr(), locations.as_ptr());
        mlir_sys::mlirRegionAppendOwnedBlock(mlir_sys::mlirOperationGetRegion(op, 0), block);
        block
    }
}

/// Moves the ops of `from` but its terminator to the end of `to`, or
/// before `anchor` in it.
///
/// # Safety
/// Both blocks are live; `from` ends with a terminator.
unsafe fn move_ops(from: MlirBlock, to: MlirBlock, anchor: Option<MlirOperation>) {
    // SAFETY: see above; each op is moved once.
    unsafe {
        let terminator = mlir_sys::mlirBlockGetTerminator(from);
        let mut next = mlir_sys::mlirBlockGetFirstOperation(from);
        while next.ptr != terminator.ptr {
            let op = next;
            next = mlir_sys::mlirOperationGetNextInBlock(op);
            mlir_sys::mlirOperationRemoveFromParent(op);
            match anchor {
                Some(anchor) => mlir_sys::mlirBlockInsertOwnedOperationBefore(to, anchor, op),
                None => mlir_sys::mlirBlockAppendOwnedOperation(to, op),
            }
        }
    }
}

/// Replaces a parallel loop by a nest of `scf.for` loops, one per dimension
/// in order, carrying the reductions as iteration arguments (each iteration
/// combines its value into them with the reduction's own ops).
///
/// # Safety
/// `parallel` is a live `scf.parallel`; it is destroyed.
unsafe fn sequentialize(parallel: MlirOperation) -> Result<()> {
    // SAFETY: the handles below come from the live, verified `parallel`
    // (operands: lower bounds, upper bounds, steps, inits); the new loops
    // are inserted before it and its contents moved into them, then it is
    // destroyed once its results are replaced.
    unsafe {
        let location = mlir_sys::mlirOperationGetLocation(parallel);
        let reductions = reduction_count(parallel);
        let operands = mlir_sys::mlirOperationGetNumOperands(parallel) as usize;
        let dims = (operands - reductions) / 3;
        let operand = |i: usize| mlir_sys::mlirOperationGetOperand(parallel, i as isize);
        let inits: Vec<MlirValue> = (0..reductions).map(|j| operand(3 * dims + j)).collect();
        let types: Vec<MlirType> = inits.iter().map(|&value| mlir_sys::mlirValueGetType(value)).collect();
        let context = mlir_sys::mlirLocationGetContext(location);
        let index = mlir_sys::mlirIndexTypeGet(context);
        let parent_block = mlir_sys::mlirOperationGetBlock(parallel);
        let old_body = body(parallel);
        let reduce = mlir_sys::mlirBlockGetTerminator(old_body);

        let mut carried = inits.clone();
        let mut outer_loop: Option<MlirOperation> = None;
        let mut enclosing: Option<MlirBlock> = None;
        let mut induction_variables = Vec::new();
        for dim in 0..dims {
            let mut loop_operands = vec![operand(dim), operand(dims + dim), operand(2 * dims + dim)];
            loop_operands.extend(&carried);
            let for_op = create_op("scf.for", location, &loop_operands, &types, &[], 1);
            let mut block_types = vec![index];
            block_types.extend(&types);
            let block = add_block(for_op, &block_types, location);
            match enclosing {
                None => {
                    mlir_sys::mlirBlockInsertOwnedOperationBefore(parent_block, parallel, for_op);
                    outer_loop = Some(for_op);
                }
                Some(enclosing) => {
                    mlir_sys::mlirBlockAppendOwnedOperation(enclosing, for_op);
                    let results: Vec<MlirValue> = (0..reductions).map(|j| mlir_sys::mlirOperationGetResult(for_op, j as isize)).collect();
                    let yield_op = create_op("scf.yield", location, &results, &[], &[], 0);
                    mlir_sys::mlirBlockAppendOwnedOperation(enclosing, yield_op);
                }
            }
            induction_variables.push(mlir_sys::mlirBlockGetArgument(block, 0));
            carried = (0..reductions).map(|j| mlir_sys::mlirBlockGetArgument(block, 1 + j as isize)).collect();
            enclosing = Some(block);
        }
        let Some(innermost) = enclosing else {
            return Err(Error::Internal("an scf.parallel without dimensions".into()));
        };
        for (dim, &variable) in induction_variables.iter().enumerate() {
            mlir_sys::mlirValueReplaceAllUsesOfWith(mlir_sys::mlirBlockGetArgument(old_body, dim as isize), variable);
        }
        move_ops(old_body, innermost, None);
        let mut combined = Vec::new();
        for j in 0..reductions {
            let region_block = mlir_sys::mlirRegionGetFirstBlock(mlir_sys::mlirOperationGetRegion(reduce, j as isize));
            mlir_sys::mlirValueReplaceAllUsesOfWith(mlir_sys::mlirBlockGetArgument(region_block, 0), carried[j]);
            mlir_sys::mlirValueReplaceAllUsesOfWith(mlir_sys::mlirBlockGetArgument(region_block, 1), mlir_sys::mlirOperationGetOperand(reduce, j as isize));
            combined.push(mlir_sys::mlirOperationGetOperand(mlir_sys::mlirBlockGetTerminator(region_block), 0));
            move_ops(region_block, innermost, None);
        }
        let yield_op = create_op("scf.yield", location, &combined, &[], &[], 0);
        mlir_sys::mlirBlockAppendOwnedOperation(innermost, yield_op);
        if let Some(outer_loop) = outer_loop {
            replace_results(parallel, outer_loop, reductions);
        }
        mlir_sys::mlirOperationDestroy(parallel);
        Ok(())
    }
}

/// Replaces the reductions of a parallel loop by atomic updates (`kinds`,
/// one `memref.atomic_rmw` kind per reduction) of one-element buffers
/// allocated before the loop, holding the initial values, and read after it.
///
/// # Safety
/// `parallel` is a live `scf.parallel` with `kinds.len()` reductions; it is
/// destroyed.
unsafe fn reduce_atomically(context: &melior::Context, parallel: MlirOperation, kinds: &[u32]) -> Result<()> {
    // SAFETY: as for `sequentialize`: handles from the live, verified loop;
    // new ops inserted around it, its body moved into the new loop.
    unsafe {
        let location = mlir_sys::mlirOperationGetLocation(parallel);
        let reductions = kinds.len();
        let operands = mlir_sys::mlirOperationGetNumOperands(parallel) as usize;
        let dims = (operands - reductions) / 3;
        let operand = |i: usize| mlir_sys::mlirOperationGetOperand(parallel, i as isize);
        let parent_block = mlir_sys::mlirOperationGetBlock(parallel);
        let next = mlir_sys::mlirOperationGetNextInBlock(parallel);
        let reduce = reduce_op(parallel);
        let empty_segments = parse_attribute(context, "array<i32: 0, 0>")?;
        let mut buffers = Vec::new();
        for j in 0..reductions {
            let init = operand(3 * dims + j);
            let element = type_to_string(mlir_sys::mlirValueGetType(init));
            let memref_type = melior::ir::Type::parse(context, &format!("memref<{element}>"))
                .ok_or_else(|| Error::Internal(format!("no memref of {element}")))?;
            let memref_type = melior::ir::TypeLike::to_raw(&memref_type);
            let alloc = create_op("memref.alloc", location, &[], &[memref_type], &[("operandSegmentSizes", empty_segments)], 0);
            mlir_sys::mlirBlockInsertOwnedOperationBefore(parent_block, parallel, alloc);
            let buffer = mlir_sys::mlirOperationGetResult(alloc, 0);
            let store = create_op("memref.store", location, &[init, buffer], &[], &[], 0);
            mlir_sys::mlirBlockInsertOwnedOperationBefore(parent_block, parallel, store);
            buffers.push(buffer);
        }
        let bounds: Vec<MlirValue> = (0..3 * dims).map(operand).collect();
        let segments = parse_attribute(context, &format!("array<i32: {dims}, {dims}, {dims}, 0>"))?;
        let new_loop = create_op(PARALLEL, location, &bounds, &[], &[("operandSegmentSizes", segments)], 1);
        mlir_sys::mlirBlockInsertOwnedOperationBefore(parent_block, parallel, new_loop);
        // The body (with its arguments) moves over whole; its scf.reduce is
        // replaced below.
        mlir_sys::mlirRegionTakeBody(mlir_sys::mlirOperationGetRegion(new_loop, 0), mlir_sys::mlirOperationGetRegion(parallel, 0));
        let new_body = body(new_loop);
        for (j, kind) in kinds.iter().enumerate() {
            let value = mlir_sys::mlirOperationGetOperand(reduce, j as isize);
            let kind_attribute = parse_attribute(context, &format!("{kind} : i64"))?;
            let atomic = create_op(
                "memref.atomic_rmw",
                location,
                &[value, buffers[j]],
                &[mlir_sys::mlirValueGetType(value)],
                &[("kind", kind_attribute)],
                0,
            );
            mlir_sys::mlirBlockInsertOwnedOperationBefore(new_body, reduce, atomic);
        }
        let plain_reduce = create_op("scf.reduce", location, &[], &[], &[], 0);
        mlir_sys::mlirBlockInsertOwnedOperationBefore(new_body, reduce, plain_reduce);
        mlir_sys::mlirOperationDestroy(reduce);
        let insert_after = |op: MlirOperation| {
            if next.ptr.is_null() {
                mlir_sys::mlirBlockAppendOwnedOperation(parent_block, op)
            } else {
                mlir_sys::mlirBlockInsertOwnedOperationBefore(parent_block, next, op)
            }
        };
        for (j, &buffer) in buffers.iter().enumerate() {
            let result = mlir_sys::mlirOperationGetResult(parallel, j as isize);
            let load = create_op("memref.load", location, &[buffer], &[mlir_sys::mlirValueGetType(result)], &[], 0);
            insert_after(load);
            mlir_sys::mlirValueReplaceAllUsesOfWith(result, mlir_sys::mlirOperationGetResult(load, 0));
            let dealloc = create_op("memref.dealloc", location, &[buffer], &[], &[], 0);
            insert_after(dealloc);
        }
        mlir_sys::mlirOperationDestroy(parallel);
        Ok(())
    }
}

/// Replaces the thread count `sentinel` that `convert-scf-to-openmp` put
/// before each `omp.parallel` (an `llvm.mlir.constant`) by a call of
/// `callee(setting)`, which reads the context's setting when the loop
/// starts. `callee` must be declared in `module`.
pub(crate) fn bind_thread_count(context: &melior::Context, module: &Module, sentinel: i32, callee: &str, setting: usize) -> Result<()> {
    load_dialects(context);
    let mut constants = Vec::new();
    module.as_operation().walk(WalkOrder::PreOrder, |operation| {
        if operation.name().as_string_ref().as_str() == Ok("llvm.mlir.constant")
            && operation.attribute("value").is_ok_and(|value| value.to_string() == format!("{sentinel} : i32"))
        {
            constants.push(operation.to_raw());
        }
        WalkResult::Advance
    });
    let i64_attribute = parse_attribute(context, &format!("{setting} : i64"))?;
    let callee_attribute = parse_attribute(context, &format!("@{callee}"))?;
    for constant in constants {
        // SAFETY: `constant` is a live op of `module`, replaced once; the
        // new ops are inserted before it.
        unsafe {
            let location = mlir_sys::mlirOperationGetLocation(constant);
            let block = mlir_sys::mlirOperationGetBlock(constant);
            let result = mlir_sys::mlirOperationGetResult(constant, 0);
            let i64_type = mlir_sys::mlirAttributeGetType(i64_attribute);
            let address = create_op("arith.constant", location, &[], &[i64_type], &[("value", i64_attribute)], 0);
            mlir_sys::mlirBlockInsertOwnedOperationBefore(block, constant, address);
            let call = create_op(
                "func.call",
                location,
                &[mlir_sys::mlirOperationGetResult(address, 0)],
                &[mlir_sys::mlirValueGetType(result)],
                &[("callee", callee_attribute)],
                0,
            );
            mlir_sys::mlirBlockInsertOwnedOperationBefore(block, constant, call);
            mlir_sys::mlirValueReplaceAllUsesOfWith(result, mlir_sys::mlirOperationGetResult(call, 0));
            mlir_sys::mlirOperationDestroy(constant);
        }
    }
    Ok(())
}

/// Reverses the dimensions of every outermost parallel loop (`(i, j, k)`
/// becomes `(k, j, i)`), so that GPU mapping, which gives a loop's first
/// dimension to the block's x threads, gives them the last index. Run after
/// [`prepare`] (the loops have no reductions left).
pub(crate) fn reverse_dimensions(context: &melior::Context, module: &Module) -> Result<()> {
    load_dialects(context);
    for parallel in parallel_loops(module) {
        // SAFETY: `parallel` is a live op of `module`; outermost loops are
        // not nested in one another, so each is replaced once.
        unsafe {
            if has_parallel_ancestor(parallel) || reduction_count(parallel) > 0 {
                continue;
            }
            let dims = mlir_sys::mlirOperationGetNumOperands(parallel) as usize / 3;
            if dims >= 2 {
                permute_dimensions(context, parallel, &(0..dims).rev().collect::<Vec<_>>())?;
            }
        }
    }
    Ok(())
}

/// Reorders the dimensions of every outermost parallel loop of several
/// dimensions so that the one most of its loads and stores walk memory
/// contiguously with (the last index of a row-major buffer, the first of
/// a column-major one such as a Fortran array) comes last: on threads the
/// first dimension is shared out and the others run in order inside
/// (`thread_outer_dimension_only`), so the contiguous one vectorises; on a
/// GPU the last dimension becomes the threads of a warp
/// (`reverse_dimensions`), so their accesses coalesce. A loop's iterations
/// may run in any order, so this changes no result.
pub(crate) fn order_dimensions_for_memory(context: &melior::Context, module: &Module) -> Result<()> {
    load_dialects(context);
    for parallel in parallel_loops(module) {
        // SAFETY: `parallel` is a live op of `module`; outermost loops are
        // not nested in one another, so each is replaced at most once.
        unsafe {
            if has_parallel_ancestor(parallel) {
                continue;
            }
            let reductions = reduction_count(parallel);
            let dims = (mlir_sys::mlirOperationGetNumOperands(parallel) as usize - reductions) / 3;
            if dims < 2 {
                continue;
            }
            let old_body = body(parallel);
            let mut contiguous_uses = vec![0usize; dims];
            OperationRef::from_raw(parallel).walk(WalkOrder::PreOrder, |access| {
                let (memref_position, indices_from) = match access.name().as_string_ref().as_str() {
                    Ok("memref.load") => (0, 1),
                    Ok("memref.store") => (1, 2),
                    _ => return WalkResult::Advance,
                };
                let raw = access.to_raw();
                let memref = mlir_sys::mlirOperationGetOperand(raw, memref_position);
                if let Some(position) = contiguous_index(mlir_sys::mlirValueGetType(memref)) {
                    let index = mlir_sys::mlirOperationGetOperand(raw, (indices_from + position) as isize);
                    if let Some(d) = induction_of(index, old_body) {
                        contiguous_uses[d] += 1;
                    }
                }
                WalkResult::Advance
            });
            let best = (0..dims).max_by_key(|&d| (contiguous_uses[d], d)).unwrap_or(dims - 1);
            if best == dims - 1 || contiguous_uses[best] == 0 {
                continue;
            }
            let order: Vec<usize> = (0..dims).filter(|&d| d != best).chain([best]).collect();
            permute_dimensions(context, parallel, &order)?;
        }
    }
    Ok(())
}

/// Replaces parallel loop `parallel` by one whose dimension `p` is its
/// dimension `order[p]` (the same iterations, reductions and body).
///
/// # Safety
/// `parallel` is a live `scf.parallel`; it is destroyed.
unsafe fn permute_dimensions(context: &melior::Context, parallel: MlirOperation, order: &[usize]) -> Result<()> {
    // SAFETY: handles of the live `parallel`; its body's ops move to the
    // new loop, whose results replace its own before it is destroyed.
    unsafe {
        let reductions = reduction_count(parallel);
        let dims = order.len();
        let location = mlir_sys::mlirOperationGetLocation(parallel);
        let operand = |i: usize| mlir_sys::mlirOperationGetOperand(parallel, i as isize);
        let mut operands: Vec<MlirValue> = (0..3).flat_map(|group| order.iter().map(move |&d| group * dims + d)).map(operand).collect();
        operands.extend((0..reductions).map(|j| operand(3 * dims + j)));
        let segments = parse_attribute(context, &format!("array<i32: {dims}, {dims}, {dims}, {reductions}>"))?;
        let types: Vec<MlirType> =
            (0..reductions).map(|j| mlir_sys::mlirValueGetType(mlir_sys::mlirOperationGetResult(parallel, j as isize))).collect();
        let new_loop = create_op(PARALLEL, location, &operands, &types, &[("operandSegmentSizes", segments)], 1);
        let index = mlir_sys::mlirIndexTypeGet(mlir_sys::mlirLocationGetContext(location));
        let new_body = add_block(new_loop, &vec![index; dims], location);
        let old_body = body(parallel);
        for (position, &d) in order.iter().enumerate() {
            mlir_sys::mlirValueReplaceAllUsesOfWith(
                mlir_sys::mlirBlockGetArgument(old_body, d as isize),
                mlir_sys::mlirBlockGetArgument(new_body, position as isize),
            );
        }
        // Every op, the scf.reduce terminator (with its combiners) too.
        let mut next = mlir_sys::mlirBlockGetFirstOperation(old_body);
        while !next.ptr.is_null() {
            let op = next;
            next = mlir_sys::mlirOperationGetNextInBlock(op);
            mlir_sys::mlirOperationRemoveFromParent(op);
            mlir_sys::mlirBlockAppendOwnedOperation(new_body, op);
        }
        mlir_sys::mlirBlockInsertOwnedOperationBefore(mlir_sys::mlirOperationGetBlock(parallel), parallel, new_loop);
        replace_results(parallel, new_loop, reductions);
        mlir_sys::mlirOperationDestroy(parallel);
    }
    Ok(())
}

/// The position of the index that steps through memory contiguously in a
/// memref of type `ty`: the last for the identity layout, the one with
/// stride 1 for a strided layout; None when unknown.
///
/// # Safety
/// `ty` is a live type.
unsafe fn contiguous_index(ty: MlirType) -> Option<usize> {
    // SAFETY: type queries on a live type; layouts of memref types.
    unsafe {
        if !mlir_sys::mlirTypeIsAMemRef(ty) {
            return None;
        }
        let rank = mlir_sys::mlirShapedTypeGetRank(ty) as usize;
        if rank == 0 {
            return None;
        }
        let layout = mlir_sys::mlirMemRefTypeGetLayout(ty);
        if mlir_sys::mlirAttributeIsAAffineMap(layout) && mlir_sys::mlirAffineMapIsIdentity(mlir_sys::mlirAffineMapAttrGetValue(layout)) {
            return Some(rank - 1);
        }
        if mlir_sys::mlirAttributeIsAStridedLayout(layout) {
            return (0..mlir_sys::mlirStridedLayoutAttrGetNumStrides(layout) as usize)
                .find(|&d| mlir_sys::mlirStridedLayoutAttrGetStride(layout, d as isize) == 1);
        }
        None
    }
}

/// The dimension of the loop whose body is `body` that `index` follows:
/// its induction variable, plus or minus a value.
///
/// # Safety
/// `index` is a live value and `body` a live block.
unsafe fn induction_of(index: MlirValue, body: MlirBlock) -> Option<usize> {
    // SAFETY: queries on live values and ops.
    unsafe {
        let argument_of_body = |value: MlirValue| {
            (mlir_sys::mlirValueIsABlockArgument(value) && mlir_sys::mlirBlockArgumentGetOwner(value).ptr == body.ptr)
                .then(|| mlir_sys::mlirBlockArgumentGetArgNumber(value) as usize)
        };
        if let Some(d) = argument_of_body(index) {
            return Some(d);
        }
        if !mlir_sys::mlirValueIsAOpResult(index) {
            return None;
        }
        let definition = mlir_sys::mlirOpResultGetOwner(index);
        if !matches!(op_name(definition).as_str(), "arith.addi" | "arith.subi") {
            return None;
        }
        (0..2).find_map(|i| argument_of_body(mlir_sys::mlirOperationGetOperand(definition, i)))
    }
}

/// For the CPU's threads: an outermost parallel loop of several
/// dimensions (without reductions) runs its first dimension on the threads
/// and the others, in order, as `scf.for` loops inside each iteration.
/// OpenMP would otherwise collapse the whole nest into one loop, whose
/// index arithmetic keeps the innermost (contiguous) dimension from being
/// vectorised: a 2-D stencil ran three times slower on one thread than its
/// sequential nest. Run after [`run_small_loops_inline`] (which decides on
/// all the iterations).
pub(crate) fn thread_outer_dimension_only(context: &melior::Context, module: &Module) -> Result<()> {
    load_dialects(context);
    for parallel in parallel_loops(module) {
        // SAFETY: `parallel` is a live op of `module`; outermost loops are
        // not nested in one another, so each is replaced once; the inner
        // loop made here is sequentialized at once.
        unsafe {
            if has_parallel_ancestor(parallel) || reduction_count(parallel) > 0 {
                continue;
            }
            let dims = mlir_sys::mlirOperationGetNumOperands(parallel) as usize / 3;
            if dims < 2 {
                continue;
            }
            let location = mlir_sys::mlirOperationGetLocation(parallel);
            let operand = |i: usize| mlir_sys::mlirOperationGetOperand(parallel, i as isize);
            let index = mlir_sys::mlirIndexTypeGet(mlir_sys::mlirLocationGetContext(location));
            let outer_segments = parse_attribute(context, "array<i32: 1, 1, 1, 0>")?;
            let outer = create_op(PARALLEL, location, &[operand(0), operand(dims), operand(2 * dims)], &[], &[("operandSegmentSizes", outer_segments)], 1);
            let outer_body = add_block(outer, &[index], location);
            let rest = dims - 1;
            let inner_operands: Vec<MlirValue> = (0..3).flat_map(|group| (1..dims).map(move |d| group * dims + d)).map(operand).collect();
            let inner_segments = parse_attribute(context, &format!("array<i32: {rest}, {rest}, {rest}, 0>"))?;
            let inner = create_op(PARALLEL, location, &inner_operands, &[], &[("operandSegmentSizes", inner_segments)], 1);
            let inner_body = add_block(inner, &vec![index; rest], location);
            let old_body = body(parallel);
            mlir_sys::mlirValueReplaceAllUsesOfWith(mlir_sys::mlirBlockGetArgument(old_body, 0), mlir_sys::mlirBlockGetArgument(outer_body, 0));
            for d in 1..dims {
                mlir_sys::mlirValueReplaceAllUsesOfWith(
                    mlir_sys::mlirBlockGetArgument(old_body, d as isize),
                    mlir_sys::mlirBlockGetArgument(inner_body, (d - 1) as isize),
                );
            }
            move_ops(old_body, inner_body, None);
            mlir_sys::mlirBlockAppendOwnedOperation(inner_body, create_op("scf.reduce", location, &[], &[], &[], 0));
            mlir_sys::mlirBlockAppendOwnedOperation(outer_body, inner);
            mlir_sys::mlirBlockAppendOwnedOperation(outer_body, create_op("scf.reduce", location, &[], &[], &[], 0));
            mlir_sys::mlirBlockInsertOwnedOperationBefore(mlir_sys::mlirOperationGetBlock(parallel), parallel, outer);
            mlir_sys::mlirOperationDestroy(parallel);
            sequentialize(inner)?;
        }
    }
    Ok(())
}

/// Ops through which a memref argument may pass on the host without its
/// memory being touched there.
const HOST_SAFE_USERS: [&str; 10] = [
    "gpu.launch_func",
    "memref.dim",
    "memref.rank",
    "memref.subview",
    "memref.cast",
    "memref.reinterpret_cast",
    "memref.expand_shape",
    "memref.collapse_shape",
    "memref.extract_strided_metadata",
    "memref.extract_aligned_pointer_as_index",
];

/// For each function of `module` (after GPU mapping): the ops that touch
/// the memory of a memref argument on the host, described with their
/// location. Those functions cannot take device pointers.
pub(crate) fn host_accesses(module: &Module) -> Vec<(String, Vec<String>)> {
    let mut result = Vec::new();
    for (name, function) in crate::module::defined_function_ops(module) {
        let mut accesses = Vec::new();
        // SAFETY: `function` is a live func.func with a body; the values
        // followed are its arguments and the results of its ops.
        unsafe {
            let entry = body(function.to_raw());
            let mut pending: Vec<(usize, MlirValue)> = (0..mlir_sys::mlirBlockGetNumArguments(entry))
                .map(|i| (i as usize, mlir_sys::mlirBlockGetArgument(entry, i)))
                .filter(|(_, value)| type_to_string(mlir_sys::mlirValueGetType(*value)).starts_with("memref<"))
                .collect();
            while let Some((argument, value)) = pending.pop() {
                let mut use_ = mlir_sys::mlirValueGetFirstUse(value);
                while !mlir_sys::mlirOpOperandIsNull(use_) {
                    let user = mlir_sys::mlirOpOperandGetOwner(use_);
                    let user_name = op_name(user);
                    if !HOST_SAFE_USERS.contains(&user_name.as_str()) {
                        accesses.push(format!(
                            "{}: {user_name} uses argument {} on the host",
                            describe_location(Location::from_raw(mlir_sys::mlirOperationGetLocation(user)), ""),
                            argument + 1
                        ));
                    } else if user_name != "gpu.launch_func" && user_name != "memref.dim" && user_name != "memref.rank" {
                        for r in 0..mlir_sys::mlirOperationGetNumResults(user) {
                            pending.push((argument, mlir_sys::mlirOperationGetResult(user, r)));
                        }
                    }
                    use_ = mlir_sys::mlirOpOperandGetNextUse(use_);
                }
            }
        }
        result.push((name, accesses));
    }
    result
}
