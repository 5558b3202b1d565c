//! Automatic differentiation: activity analysis, the derivative rules, and
//! the reverse-mode transform, which writes adjoints as MLIR text that MLIR
//! parses and verifies again.

pub mod activity;
pub mod emit;
mod inline;
pub mod ir;
pub mod reverse;
pub mod rules;
pub mod scopes;
pub mod tape;

pub use activity::Activity;
pub use reverse::Request;

/// How a time loop is checkpointed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CheckpointScheme {
    /// Binomial (revolve) with this many snapshots.
    Snapshots(usize),
    /// Binomial (revolve) with as many snapshots as fit in this many bytes.
    Budget(usize),
    /// A snapshot every this many steps.
    Periodic(usize),
}

/// Checkpointing asked for from outside the MLIR text (the C ABI, the CLI);
/// the same can be written as attributes in the text (`zad.checkpoint`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GradientOptions {
    /// `scf.for` loops at the top level of the differentiated function, by
    /// source line (`None`: every such loop), and their scheme.
    pub loops: Vec<(Option<usize>, CheckpointScheme)>,
    /// Functions every call of which is checkpointed: not inlined; the
    /// forward sweep runs the call untaped, the reverse sweep runs it again
    /// taped and reverses it.
    pub checkpointed_calls: Vec<String>,
}

use crate::{
    context::Shared,
    error::{Error, Result},
    module::defined_function_ops,
};
use melior::{
    ir::{Module, operation::OperationLike, operation::OperationPrintingFlags},
    pass::PassManager,
    utility::parse_pass_pipeline,
};

/// After inlining (see `inline`), loop-invariant code is hoisted: an
/// inlined callee's sizes (`memref.dim` of an argument, say) become defined
/// before the loop nest that calls it, so the nest's trip counts are known
/// on entry and its tape is one buffer allocated up front rather than a
/// stack grown push by push.
const HOIST_PIPELINE: &str = "builtin.module(func.func(loop-invariant-code-motion))";

/// The adjoint functions for `request` as MLIR text, as the transform
/// writes them (tape ops not yet lowered).
pub(crate) fn adjoint_text(
    shared: &Shared,
    ir: &Module<'static>,
    request: &Request,
    options: &GradientOptions,
) -> Result<String> {
    let inlined = inline(shared, ir, &request.function, options)?;
    let functions = import_functions(&inlined);
    reverse::generate(&functions, request)
}

fn inline(shared: &Shared, ir: &Module<'static>, function: &str, options: &GradientOptions) -> Result<Module<'static>> {
    let mut inlined = crate::lower::clone_module(ir);
    apply_options(shared, &mut inlined, function, options)?;
    let mut roots = gradient_targets(&inlined);
    roots.extend((!function.is_empty()).then(|| function.to_string()));
    inline::inline_into(&mut inlined, &roots)?;
    shared.take_diagnostics();
    let manager = PassManager::new(shared.mlir());
    parse_pass_pipeline(manager.as_operation_pass_manager(), HOIST_PIPELINE)
        .map_err(|error| Error::Internal(format!("bad hoisting pipeline: {error}")))?;
    manager.run(&mut inlined).map_err(|_| Error::Compile(shared.diagnostic_message("hoisting loop invariants failed")))?;
    crate::lower::expand_math_ops(shared.mlir(), &mut inlined)?;
    share_globals(shared, &mut inlined);
    Ok(inlined)
}

/// The functions that `zad.gradient` ops of the module differentiate.
fn gradient_targets(module: &Module<'static>) -> Vec<String> {
    use melior::ir::operation::{WalkOrder, WalkResult};
    let mut targets = Vec::new();
    module.as_operation().walk(WalkOrder::PreOrder, |op| {
        if op.name().as_string_ref().as_str() == Ok(crate::dialect::op::GRADIENT)
            && let Ok(target) = op.attribute("fn")
        {
            targets.push(target.to_string().trim_start_matches('@').trim_matches('"').to_string());
        }
        WalkResult::Advance
    });
    targets
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
    for (_, function) in defined_function_ops(module) {
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
                    if let Some(start) = entry.first_operation() {
                        if start.to_raw().ptr != raw.ptr {
                            rewriter.move_op_before(op, start);
                        }
                    }
                    kept.push((name, raw));
                }
            }
        }
    }
}

fn import_functions(ir: &Module<'static>) -> ir::Program {
    use melior::ir::{BlockLike, attribute::TypeAttribute, r#type::{MemRefType, ShapedTypeLike}};
    let functions =
        defined_function_ops(ir).into_iter().map(|(name, op)| (name.clone(), ir::Func::import(&op, &name))).collect();
    let mut mutable_float_globals = Vec::new();
    let mut next = ir.body().first_operation();
    while let Some(op) = next {
        let is_float_global = op.name().as_string_ref().as_str() == Ok("memref.global")
            && op
                .attribute("type")
                .ok()
                .and_then(|a| TypeAttribute::try_from(a).ok())
                .and_then(|a| MemRefType::try_from(a.value()).ok())
                .is_some_and(|ty| emit::is_float(&ty.element().to_string()));
        if is_float_global
            && !op.has_attribute("constant")
            && let Some(name) = crate::module::symbol_name(&op)
        {
            mutable_float_globals.push(name);
        }
        next = op.next_in_block();
    }
    ir::Program { functions, mutable_float_globals }
}

/// A copy of `ir` in which calls are inlined, every `zad.gradient` op is a
/// call to its generated adjoint, and the adjoint of `extra` (if any) is
/// defined too. The caller holds the context lock.
pub(crate) fn expand(
    shared: &Shared,
    ir: &Module<'static>,
    extra: Option<&Request>,
    options: &GradientOptions,
) -> Result<Module<'static>> {
    let function = extra.map(|r| r.function.as_str()).unwrap_or_default();
    let inlined = inline(shared, ir, function, options)?;
    let functions = import_functions(&inlined);
    let printed = inlined
        .as_operation()
        .to_string_with_flags(OperationPrintingFlags::new().enable_debug_info(true, false).print_generic_operation_form())
        .map_err(|error| Error::Internal(format!("cannot print module: {error}")))?;
    let (mut text, requests) = replace_gradient_ops(&printed)?;
    let mut generated = String::new();
    let mut seen = Vec::new();
    for request in requests.iter().chain(extra) {
        if !seen.contains(request) {
            generated.push_str(&reverse::generate(&functions, request)?);
            seen.push(request.clone());
        }
    }
    // Splice the generated functions into the module body, before the
    // module's closing brace (location aliases may follow it).
    let close = text.rfind("\n}").map(|i| i + 1).ok_or_else(|| Error::Internal("printed module has no closing brace".into()))?;
    text.insert_str(close, &tape::lower(&generated));
    drop(inlined);
    crate::module::parse_generated(shared, &text)
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
                        found.push((line, false, Some(crate::context::describe_location(location, ""))));
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

/// Rewrites each `"zad.gradient"(...) <{activity = [...], fn = @f}>` of a
/// module printed in generic form into a call of the generated adjoint (the
/// variant seeded with 1.0), returning the text and the adjoints needed.
fn replace_gradient_ops(text: &str) -> Result<(String, Vec<Request>)> {
    const OP: &str = "\"zad.gradient\"(";
    let mut out = String::with_capacity(text.len());
    let mut requests = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OP) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OP.len()..];
        let close = after.find(')').ok_or_else(|| Error::Internal("unterminated zad.gradient".into()))?;
        let operands = &after[..close];
        let tail = &after[close + 1..];
        let properties_start = tail.find("<{").ok_or_else(|| Error::Internal("zad.gradient without properties".into()))?;
        let properties_end = tail.find("}>").ok_or_else(|| Error::Internal("zad.gradient without properties".into()))?;
        let properties = &tail[properties_start + 2..properties_end];
        let activity_list = properties
            .split("activity = [")
            .nth(1)
            .and_then(|s| s.split(']').next())
            .ok_or_else(|| Error::Internal(format!("zad.gradient properties '{properties}'")))?;
        let function = properties
            .split("fn = @")
            .nth(1)
            .map(|s| s.trim_end_matches(|c: char| c == '}' || c.is_whitespace()).split(',').next().unwrap_or("").trim().to_string())
            .ok_or_else(|| Error::Internal(format!("zad.gradient properties '{properties}'")))?;
        let activity = activity_list
            .split(',')
            .map(|entry| {
                let entry = entry.trim().trim_matches('"');
                Activity::parse(entry).ok_or_else(|| Error::Internal(format!("activity '{entry}'")))
            })
            .collect::<Result<Vec<_>>>()?;
        let request = Request { function: function.trim_matches('"').to_string(), activity, seeded: false };
        out.push_str(&format!("\"func.call\"({operands}) <{{callee = @{}}}>", request.gradient_name()));
        requests.push(request);
        rest = &tail[properties_end + 2..];
    }
    out.push_str(rest);
    Ok((out, requests))
}
