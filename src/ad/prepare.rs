//! Preparing a module for differentiation: checkpoint requests given from
//! outside the text marked on the ops, calls inlined into the functions to
//! differentiate, the parallel loops the AD core cannot differentiate as
//! parallel loops made sequential, loop invariants hoisted,
//! math ops expanded into ops with rules, and globals shared per function.

use crate::{
    ad::{CheckpointScheme, GradientOptions, custom, inline, ir},
    context::Shared,
    error::{Error, Result},
    mlir,
};
use melior::{
    ir::{Module, operation::OperationLike},
    pass::PassManager,
    utility::parse_pass_pipeline,
};

/// After inlining, loop-invariant code is hoisted: an inlined callee's
/// sizes (`memref.dim` of an argument, say) become defined before the loop
/// nest that calls it, so the nest's trip counts are known on entry and its
/// tape is one buffer allocated up front rather than a stack grown push by
/// push.
const HOIST_PIPELINE: &str = "builtin.module(func.func(loop-invariant-code-motion))";

/// A copy of `ir` prepared for differentiating `roots` (and whatever the
/// module's `zad.gradient` and `zad.tangent` ops differentiate).
pub(crate) fn prepare(
    shared: &Shared,
    ir: &Module<'static>,
    roots: &[String],
    options: &GradientOptions,
    parallel: Parallel,
) -> Result<Module<'static>> {
    let mut module = mlir::clone_module(ir);
    {
        let registry = shared.foreign();
        custom::attach_registered(shared.mlir(), &module, &|name| registry.derivatives(name));
        crate::blas::attach_derivatives(shared.mlir(), &module, &|name| registry.registered(name).is_some());
    }
    custom::check_all(&module)?;
    for root in roots {
        apply_options(shared, &mut module, root, options)?;
    }
    let mut all_roots = derivative_targets(&module);
    all_roots.extend(roots.iter().cloned());
    inline::inline_into(&mut module, &all_roots)?;
    if parallel == Parallel::Kept {
        // Bounds hoisted first: a loop whose bounds are known before the
        // loops around it run keeps its iterations numbered for the tapes.
        run_pipeline(shared, &mut module, HOIST_PIPELINE, "hoisting loop invariants")?;
    }
    for (name, function) in mlir::defined_functions(&module) {
        if all_roots.contains(&name) {
            match parallel {
                Parallel::Kept => crate::lower::parallel::sequentialize_unless(shared.mlir(), &function, differentiable_in_parallel)?,
                Parallel::Sequential => crate::lower::parallel::sequentialize_in(shared.mlir(), &function)?,
            }
        }
    }
    run_pipeline(shared, &mut module, HOIST_PIPELINE, "hoisting loop invariants")?;
    crate::lower::expand_math_ops(shared.mlir(), &mut module)?;
    share_globals(shared, &mut module);
    Ok(module)
}

/// What becomes of the parallel loops of the functions to differentiate.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Parallel {
    /// Those the AD core differentiates as parallel loops stay parallel
    /// (see `rules/scf.rs`); the others become `scf.for` nests.
    Kept,
    /// Every one becomes the `scf.for` nest it stands for (the fallback
    /// when a kept loop turns out not to be differentiable in parallel).
    Sequential,
}

/// The ops a parallel loop differentiated in parallel may hold (besides its
/// terminating `scf.reduce`): arithmetic, and loads and stores whose
/// adjoints and tangents `rules/scf.rs` places without races.
fn allowed_in_parallel_body(name: &str) -> bool {
    let (dialect, _) = name.split_once('.').unwrap_or((name, ""));
    matches!(dialect, "arith" | "math" | "index")
        || matches!(name, "memref.load" | "memref.store" | "memref.dim" | "memref.rank" | "zad.stop_gradient")
}

/// Whether parallel loop `op` is kept parallel for differentiation: not
/// nested in another parallel loop or in an `scf.while` that is not
/// checkpointed (only `scf.for` and `scf.if` around it, whose iterations
/// can be numbered for tapes indexed by iteration; a checkpointed loop's
/// body becomes a step function with the parallel loop at its top level);
/// its body straight-line code of `allowed_in_parallel_body`, over f32/f64
/// (or integer) data; its reductions sums of f32 or f64. Anything else is
/// differentiated as the `scf.for` nest it stands for.
fn differentiable_in_parallel(op: &melior::ir::OperationRef<'static, '_>) -> bool {
    use melior::ir::{BlockLike, RegionLike, TypeLike, ValueLike};
    let mut parent = op.parent_operation();
    while let Some(ancestor) = parent {
        let name = ancestor.name().as_string_ref().as_str().unwrap_or_default().to_string();
        match name.as_str() {
            "func.func" => break,
            "scf.for" | "scf.if" => {}
            "scf.while" if ancestor.has_attribute("zad.checkpoint") => {}
            _ => return false,
        }
        parent = ancestor.parent_operation();
    }
    fn supported_data(ty: melior::ir::Type<'static>) -> bool {
        let element = if ty.is_mem_ref() { mlir::element_of(ty) } else { ty };
        match mlir::Element::of(element) {
            Some(element) => matches!(element, mlir::Element::F32 | mlir::Element::F64),
            None => !element.is_vector() && !element.is_tensor(),
        }
    }
    let Some(body) = op.region(0).ok().and_then(|region| region.first_block()) else { return false };
    let mut next = body.first_operation();
    while let Some(inner) = next {
        let name = inner.name().as_string_ref().as_str().unwrap_or_default().to_string();
        if name == "scf.reduce" {
            for index in 0..inner.region_count() {
                let Some(combiner) = inner.region(index).ok().and_then(|region| region.first_block()) else { return false };
                let (Some(first), Ok(argument)) = (combiner.first_operation(), combiner.argument(0)) else { return false };
                let is_sum = first.name().as_string_ref().as_str() == Ok("arith.addf")
                    && first.next_in_block().is_some_and(|ret| ret.name().as_string_ref().as_str() == Ok("scf.reduce.return"))
                    && supported_data(argument.r#type())
                    && mlir::Element::of(argument.r#type()).is_some();
                if !is_sum {
                    return false;
                }
            }
        } else if !allowed_in_parallel_body(&name) || inner.region_count() > 0 {
            return false;
        }
        let values_supported = (0..inner.operand_count()).filter_map(|i| inner.operand(i).ok()).all(|v| supported_data(v.r#type()))
            && (0..inner.result_count()).filter_map(|i| inner.result(i).ok()).all(|v| supported_data(v.r#type()));
        if !values_supported {
            return false;
        }
        next = inner.next_in_block();
    }
    true
}

/// Runs the pass `pipeline` over `module`; `what` names it in errors.
pub(crate) fn run_pipeline(shared: &Shared, module: &mut Module<'static>, pipeline: &str, what: &str) -> Result<()> {
    shared.take_diagnostics();
    let manager = PassManager::new(shared.mlir());
    parse_pass_pipeline(manager.as_operation_pass_manager(), pipeline)
        .map_err(|error| Error::Internal(format!("bad pipeline for {what}: {error}")))?;
    manager
        .run(module)
        .map_err(|_| Error::Compile(shared.diagnostic_message(&format!("{what} failed"))))
}

/// The functions that `zad.gradient` and `zad.tangent` ops of the module
/// differentiate.
pub(crate) fn derivative_targets(module: &Module<'static>) -> Vec<String> {
    use melior::ir::operation::{WalkOrder, WalkResult};
    let mut targets = Vec::new();
    module.as_operation().walk(WalkOrder::PreOrder, |op| {
        let name = op.name().as_string_ref().as_str().unwrap_or_default().to_string();
        if (name == crate::dialect::op::GRADIENT || name == crate::dialect::op::TANGENT)
            && let Ok(target) = op.attribute("fn")
        {
            targets.push(target.to_string().trim_start_matches('@').trim_matches('"').to_string());
        }
        WalkResult::Advance
    });
    targets
}

/// The transforms' view of every function of `ir` with a body, and of its
/// globals.
pub(crate) fn import_functions(ir: &Module<'static>) -> Result<ir::Program> {
    use melior::ir::{BlockLike, attribute::TypeAttribute, r#type::{MemRefType, ShapedTypeLike}};
    let mut functions = std::collections::HashMap::new();
    for (name, op) in mlir::defined_functions(ir) {
        let func = ir::Func::import(op, &name)?;
        functions.insert(name, func);
    }
    let mut mutable_float_globals = Vec::new();
    let mut next = ir.body().first_operation();
    while let Some(op) = next {
        let is_float_global = op.name().as_string_ref().as_str() == Ok("memref.global")
            && op
                .attribute("type")
                .ok()
                .and_then(|a| TypeAttribute::try_from(a).ok())
                .and_then(|a| MemRefType::try_from(a.value()).ok())
                .is_some_and(|ty| mlir::Element::of(ty.element()).is_some());
        if is_float_global
            && !op.has_attribute("constant")
            && let Some(name) = mlir::symbol_name(&op)
        {
            mutable_float_globals.push(name);
        }
        next = op.next_in_block();
    }
    Ok(ir::Program { functions, mutable_float_globals })
}

/// Marks the loops and calls `options` names (in `function`), and keeps
/// every checkpointed call from being inlined.
fn apply_options(shared: &Shared, module: &mut Module<'static>, function: &str, options: &GradientOptions) -> Result<()> {
    use melior::ir::{Attribute, BlockLike, operation::{OperationMutLike, WalkOrder, WalkResult}};
    let context = shared.mlir();
    let attribute = |text: &str| Attribute::parse(context, text).expect("a valid attribute");
    // Lines asked for, and whether a top-level loop / a nested one was found there.
    let mut found: Vec<(usize, bool, Option<String>)> = Vec::new();
    let mut next = module.body().first_operation_mut();
    while let Some(mut operation) = next {
        let is_target = operation
            .attribute("sym_name")
            .ok()
            .and_then(|name| melior::ir::attribute::StringAttribute::try_from(name).ok())
            .is_some_and(|name| name.value() == function);
        operation.walk_mut(WalkOrder::PreOrder, |mut op| {
            let name = op.name().as_string_ref().as_str().unwrap_or_default().to_string();
            if name == "func.call" {
                let callee = op.attribute("callee").map(|a| a.to_string()).unwrap_or_default();
                let listed = options.checkpointed_calls.iter().any(|f| callee == format!("@{f}"));
                if listed {
                    op.set_discardable_attribute("zad.checkpoint", Attribute::unit(context));
                }
                if listed || op.has_attribute("zad.checkpoint") {
                    // An inherent attribute (a property) of func.call: the
                    // inliner reads that, not a discardable one.
                    op.set_inherent_attribute("no_inline", Attribute::unit(context));
                }
            }
            let top_level_loop = name == "scf.for"
                && op.parent_operation().is_some_and(|p| p.name().as_string_ref().as_str() == Ok("func.func"));
            if is_target && name == "scf.for" && !top_level_loop {
                let location = op.location();
                if location.is_file_line_col_range() {
                    let line = location.file_line_col_range_start_line();
                    if options.loops.iter().any(|(wanted, _)| *wanted == Some(line)) {
                        found.push((line, false, Some(mlir::describe_location(location, ""))));
                    }
                }
            }
            if is_target && top_level_loop {
                let location = op.location();
                let line = location.is_file_line_col_range().then(|| location.file_line_col_range_start_line());
                for (wanted, scheme) in &options.loops {
                    if wanted.is_some() && *wanted != line {
                        continue;
                    }
                    if let Some(line) = line {
                        found.push((line, true, None));
                    }
                    let (kind, key, value) = match scheme {
                        CheckpointScheme::Snapshots(s) => ("binomial", "zad.snapshots", s),
                        CheckpointScheme::Budget(b) => ("binomial", "zad.budget", b),
                        CheckpointScheme::Periodic(k) => ("periodic", "zad.interval", k),
                    };
                    op.set_discardable_attribute("zad.checkpoint", attribute(&format!("\"{kind}\"")));
                    op.set_discardable_attribute(key, attribute(&format!("{value} : i64")));
                }
            }
            WalkResult::Advance
        });
        next = operation.next_in_block_mut();
    }
    for (wanted, _) in &options.loops {
        let Some(line) = wanted else { continue };
        if found.iter().any(|(l, top, _)| l == line && *top) {
            continue;
        }
        return Err(match found.iter().find(|(l, _, _)| l == line) {
            Some((_, _, Some(place))) => Error::Unsupported(format!(
                "{place}: the scf.for asked to be checkpointed is nested in another region; only loops at \
                 the top level of @{function} can be checkpointed"
            )),
            _ => Error::InvalidArgument(format!("no scf.for at line {line} of @{function} to checkpoint")),
        });
    }
    Ok(())
}

/// Gives each function one `memref.get_global` per global, at the start of
/// its body. Inlining two helpers that use one global leaves two
/// `get_global` ops, which the activity analysis would see as two
/// allocations; and one inside a loop or branch would be a buffer the
/// reverse sweep cannot see. Hoisted and shared, a global is a buffer of
/// the function body like any other: it gets a shadow when it carries
/// derivatives and is part of a checkpointed loop's state when the loop
/// writes it.
fn share_globals(shared: &Shared, module: &mut Module<'static>) {
    use melior::ir::{
        BlockLike, RegionLike, ValueLike,
        operation::{OperationRef, WalkOrder, WalkResult},
    };
    let rewriter = melior::IrRewriter::new(shared.mlir());
    let rewriter = rewriter.as_rewriter_base();
    for (_, function) in mlir::defined_functions(module) {
        let Some(entry) = function.region(0).ok().and_then(|region| region.first_block()) else { continue };
        let mut globals: Vec<(String, mlir_sys::MlirOperation)> = Vec::new();
        function.walk(WalkOrder::PreOrder, |op| {
            if op.name().as_string_ref().as_str() == Ok("memref.get_global") {
                let name = op.attribute("name").map(|a| a.to_string()).unwrap_or_default();
                globals.push((name, op.to_raw()));
            }
            WalkResult::Advance
        });
        let mut kept: Vec<(String, mlir_sys::MlirOperation)> = Vec::new();
        for (name, raw) in globals {
            // SAFETY: `raw` is a live op of `function` (collected above;
            // each is moved or erased once, here).
            let op = unsafe { OperationRef::from_raw(raw) };
            match kept.iter().find(|(kept_name, _)| *kept_name == name) {
                Some(&(_, first)) => {
                    // SAFETY: `first` is a live op kept above.
                    let first = unsafe { OperationRef::from_raw(first) };
                    let (Ok(from), Ok(to)) = (op.result(0), first.result(0)) else { continue };
                    if from.r#type() != to.r#type() {
                        continue;
                    }
                    rewriter.replace_all_uses_with(from.into(), to.into());
                    rewriter.erase_op(op);
                }
                None => {
                    if let Some(start) = entry.first_operation()
                        && start.to_raw().ptr != raw.ptr
                    {
                        rewriter.move_op_before(op, start);
                    }
                    kept.push((name, raw));
                }
            }
        }
    }
}
