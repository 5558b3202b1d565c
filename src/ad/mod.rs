//! Automatic differentiation, source to source on MLIR: derivatives are
//! built as functions of the module, next to the functions they
//! differentiate, with MLIR's builders.
//!
//! - `custom`: derivatives the user gives (`zad.adjoint`, `zad.tangent`,
//!   `zad.forward`, and those registered for foreign functions);
//! - `prepare`: the module as the transforms want it (inlining, options);
//! - `ir`, `activity`, `scopes`: the transforms' view of a function and the
//!   analyses over it;
//! - `rules`: what each op does under differentiation, per dialect;
//! - `reverse`: reverse mode (adjoints), with its tape and checkpointing;
//! - `tangent`: forward and vector mode (tangents);
//! - `validate`: what is refused, up front;
//! - `hvp`: Hessian-vector products, forward over reverse;
//! - `lower`: zad's own ops replaced by calls (derivatives, tape stacks).

mod activity;
pub mod custom;
pub(crate) mod hvp;
mod inline;
pub mod ir;
mod lower;
mod prepare;
pub mod reverse;
pub mod rules;
mod scopes;
pub mod tangent;
mod validate;

pub use activity::Activity;

use crate::{
    context::Shared,
    error::{Error, Result},
    mlir,
};
use melior::ir::{Module, operation::OperationLike};

/// Which derivative a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The adjoint; `seeded`: it takes one seed per float result (the C
    /// ABI's gradients) rather than seeding them with 1 (`zad.gradient`).
    Reverse { seeded: bool },
    /// The tangent, with `width` tangents per 'dup' argument.
    Forward { width: usize },
}

/// A derivative to generate: a function, the activity of its arguments and
/// the mode.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Request {
    pub function: String,
    pub activity: Vec<Activity>,
    pub mode: Mode,
}

impl Request {
    /// A reverse-mode request taking seeds.
    pub fn gradient(function: &str, activity: &[Activity]) -> Request {
        Request { function: function.to_string(), activity: activity.to_vec(), mode: Mode::Reverse { seeded: true } }
    }

    /// A forward-mode request with `width` tangents.
    pub fn tangent(function: &str, activity: &[Activity], width: usize) -> Request {
        Request { function: function.to_string(), activity: activity.to_vec(), mode: Mode::Forward { width } }
    }

    /// The name of the generated function.
    pub fn name(&self) -> String {
        let code: String = self.activity.iter().map(|a| a.code()).collect();
        match self.mode {
            Mode::Reverse { seeded: true } => format!("__zad_grad_{}_{code}", self.function),
            Mode::Reverse { seeded: false } => format!("__zad_grad_{}_{code}_unit", self.function),
            Mode::Forward { width: 1 } => format!("__zad_tangent_{}_{code}", self.function),
            Mode::Forward { width } => format!("__zad_tangent_{}_{code}_w{width}", self.function),
        }
    }
}

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

/// A copy of `ir` in which the derivatives `extra` asks for are defined
/// (in order), every `zad.gradient`/`zad.tangent` op is a call of the
/// derivative it names, and zad's tape ops are calls of the run time. The
/// caller holds the context lock.
pub(crate) fn expand(shared: &Shared, ir: &Module<'static>, extra: &[Request], options: &GradientOptions) -> Result<Module<'static>> {
    let module = build(shared, ir, extra, options)?;
    lower::lower_zad_ops(shared.mlir(), &module)?;
    verify(shared, &module)?;
    Ok(module)
}

/// The functions zad generates for `request`, as MLIR text (zad's own ops
/// not yet lowered).
pub(crate) fn derivative_text(shared: &Shared, ir: &Module<'static>, request: &Request, options: &GradientOptions) -> Result<String> {
    let mut module = build(shared, ir, std::slice::from_ref(request), options)?;
    verify(shared, &module)?;
    // The builders repeat constants and index arithmetic freely: the text a
    // person reads has them merged. (Not canonicalized: MLIR's canonicalizer
    // grows quadratically with loop nesting depth.)
    prepare::run_pipeline(shared, &mut module, "builtin.module(cse)", "tidying the derivative")?;
    let mut text = String::new();
    for (name, function) in mlir::defined_functions(&module) {
        if name.starts_with("__zad_") {
            text.push_str(&function.to_string());
            text.push('\n');
        }
    }
    Ok(text)
}

/// The prepared module with every derivative asked for built in it, and
/// every `zad.gradient`/`zad.tangent` op replaced by a call of the
/// derivative it names.
///
/// Nested derivatives are expanded innermost first: a derivative op whose
/// function holds no derivative op is generated and replaced by a call,
/// which leaves the function holding it ordinary IR (calls of generated
/// functions) that the next round can differentiate in turn. Each level is
/// a separate generated function with its own tangents or adjoints, so
/// perturbations of different levels never mix (no perturbation
/// confusion). `extra` are generated last, in order (a later one may
/// differentiate an earlier one: the HVP is the tangent of a gradient).
fn build(shared: &Shared, ir: &Module<'static>, extra: &[Request], options: &GradientOptions) -> Result<Module<'static>> {
    // The derivatives of parallel loops are parallel loops, which run on
    // the target's threads or GPU like the primal's.
    if !crate::lower::parallel::has_parallel_loops(ir) {
        return build_with(shared, ir, extra, options, prepare::Parallel::Sequential);
    }
    let parallel = build_with(shared, ir, extra, options, prepare::Parallel::Kept);
    if parallel.is_ok() {
        return parallel;
    }
    // A parallel loop kept parallel that the AD core could not
    // differentiate as one after all: every parallel loop is differentiated
    // as the scf.for nest it stands for (exact, on one thread), and an
    // error that remains is the derivative's own.
    build_with(shared, ir, extra, options, prepare::Parallel::Sequential)
}

fn build_with(
    shared: &Shared,
    ir: &Module<'static>,
    extra: &[Request],
    options: &GradientOptions,
    parallel: prepare::Parallel,
) -> Result<Module<'static>> {
    let roots: Vec<String> = extra.iter().map(|r| r.function.clone()).filter(|f| !f.starts_with("__zad_")).collect();
    let mut module = prepare::prepare(shared, ir, &roots, options, parallel)?;
    let context = shared.mlir();
    let generate = |module: &Module<'static>, program: &ir::Program, request: &Request| -> Result<()> {
        // Derivatives of callees may have been built for an earlier request.
        if crate::mlir::has_symbol(module, &request.name()) {
            return Ok(());
        }
        match request.mode {
            Mode::Reverse { .. } => reverse::generate(program, request, module, context),
            Mode::Forward { .. } => tangent::generate(program, request, module, context),
        }
    };
    loop {
        let ops = lower::derivative_ops(&module)?;
        if ops.is_empty() {
            break;
        }
        let holding: std::collections::HashSet<&str> = ops.iter().map(|op| op.enclosing.as_str()).collect();
        let (ready, waiting): (Vec<_>, Vec<_>) = ops.iter().partition(|op| !holding.contains(op.request.function.as_str()));
        if ready.is_empty() {
            let op = waiting[0];
            return Err(Error::Unsupported(format!(
                "{}: {} of @{} in @{}: these derivative ops differentiate functions that hold derivative ops of \
                 each other (a cycle), which cannot be expanded",
                mlir::describe_location(op.op.location(), ""),
                mlir::op_name(&op.op),
                op.request.function,
                op.enclosing
            )));
        }
        let program = prepare::import_functions(&module)?;
        for op in &ready {
            generate(&module, &program, &op.request)?;
        }
        drop(program);
        // The functions that held the derivative ops just expanded and are
        // themselves differentiated next (nested derivatives).
        let differentiated_next: Vec<String> = waiting.iter().map(|op| op.request.function.clone()).collect();
        let mut inline_into: Vec<String> =
            ready.iter().map(|op| op.enclosing.clone()).filter(|name| differentiated_next.contains(name)).collect();
        inline_into.dedup();
        for op in ready {
            lower::replace_derivative_op(context, op);
        }
        if !inline_into.is_empty() {
            inline::inline_derivatives_into(&mut module, &inline_into)?;
        }
    }
    for request in extra {
        let program = prepare::import_functions(&module)?;
        generate(&module, &program, request)?;
    }
    reverse::privatize_accumulations(context, &module)?;
    Ok(module)
}

/// Verifies what zad built; a failure is a bug in zad, reported with MLIR's
/// diagnostics.
fn verify(shared: &Shared, module: &Module<'static>) -> Result<()> {
    shared.take_diagnostics();
    if module.as_operation().verify() {
        return Ok(());
    }
    let message = shared.diagnostic_message("the generated module does not verify");
    if std::env::var_os("ZAD_DUMP_GENERATED").is_some() {
        eprintln!("{}", module.as_operation());
    }
    Err(Error::Internal(format!("zad generated invalid MLIR (set ZAD_DUMP_GENERATED=1 to see it): {message}")))
}
