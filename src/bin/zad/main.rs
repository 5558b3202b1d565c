//! `zad`: try a kernel without writing C.
//!
//!   zad run FILE --fn NAME --args JSON    prints {"results": [...], "buffers": [...]}
//!   zad grad FILE --fn NAME --args JSON   adds "gradients"
//!                                         (FILE: MLIR, or Fortran or C source)
//!   zad jvp FILE --fn NAME --args JSON --tangents JSON
//!                                         prints {"results", "tangents", ...}
//!   zad jacobian FILE --fn NAME --args JSON
//!                                         prints {"jacobian": [[...]], ...}
//!   zad hvp FILE --fn NAME --args JSON --vector JSON
//!                                         prints {"results", "gradients", "hvp"}
//!   zad hessian FILE --fn NAME --args JSON
//!                                         prints {"results", "gradients", "hessian"}
//!   zad emit FILE --stage NAME            prints the IR at a stage
//!   zad gradbench                         a GradBench tool on stdin/stdout
//!
//! `--args @FILE` reads the JSON from a file, `--args -` from standard
//! input. `--threads N` and `--target cpu|cuda` choose where parallel loops
//! run. Errors: exit status 1 and one line on stderr.

mod forward;

use clap::{Parser, Subcommand};
use std::{path::PathBuf, process::ExitCode};
use zad::{
    Activity, Args, CheckpointScheme, CompiledFunction, Context, GradientOptions, Module, ParamType, Signature, Stage, Target, json,
};

#[derive(Parser)]
#[command(name = "zad", version, about = "Automatic differentiation of MLIR kernels")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The number of threads parallel loops (scf.parallel) run on, on the
    /// CPU (default: ZAD_NUM_THREADS, else OMP_NUM_THREADS, else every CPU
    /// this process may use).
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// Where parallel loops run: cpu, or cuda (an NVIDIA GPU; cuda:sm_XY
    /// names its architecture).
    #[arg(long, global = true, value_name = "TARGET", default_value = "cpu")]
    target: String,
}

#[derive(Subcommand)]
enum Command {
    /// JIT-compile a function and run it on JSON arguments.
    Run {
        /// The MLIR file, or Fortran source (.f90, .f, .F90, ...), or C
        /// source (.c).
        file: PathBuf,
        /// The function to run (for Fortran: the procedure's name, or
        /// module::name).
        #[arg(long = "fn")]
        function: String,
        /// A JSON array, one entry per argument: numbers for scalars,
        /// nested arrays for memrefs (in their index order); @FILE reads it
        /// from a file, - from standard input. A Fortran array a(n, m)
        /// is n arrays of m numbers.
        #[arg(long, default_value = "[]")]
        args: String,
        #[command(flatten)]
        buffers: Buffers,
        #[command(flatten)]
        compilation: Compilation,
        #[command(flatten)]
        source: Source,
    },
    /// Compute the reverse-mode gradient of a function returning a float
    /// scalar: prints {"results": [...], "gradients": [...], "buffers":
    /// [...]}, one gradient entry per argument (a number for float scalars,
    /// a nested array for float memrefs: d result / d initial contents,
    /// null otherwise).
    Grad {
        /// The MLIR file, or Fortran or C source.
        file: PathBuf,
        /// The function to differentiate.
        #[arg(long = "fn")]
        function: String,
        /// A JSON array, one entry per argument, as for `run` (@FILE, -).
        #[arg(long, default_value = "[]")]
        args: String,
        #[command(flatten)]
        buffers: Buffers,
        /// Per-argument activity, comma-separated: const, active, dup.
        /// Default: float scalars active, float memrefs dup, others const.
        #[arg(long)]
        activity: Option<String>,
        /// The seed (cotangent) of the result.
        #[arg(long, default_value_t = 1.0)]
        seed: f64,
        /// Cotangents of the arrays' final contents, as --args (null for
        /// scalars): the gradient is then that of the result plus sum(w *
        /// array after the call). Needed for a function without result (a
        /// Fortran subroutine, which returns through its arguments).
        #[arg(long)]
        cotangents: Option<String>,
        #[command(flatten)]
        checkpointing: Checkpointing,
        #[command(flatten)]
        source: Source,
        /// Add run statistics (forward and reversed steps, snapshots written
        /// and held at most, peak snapshot and tape bytes) to the output as
        /// "stats".
        #[arg(long)]
        stats: bool,
        #[command(flatten)]
        compilation: Compilation,
    },
    /// Compute a Jacobian-vector product (forward mode): prints {"results":
    /// [...], "tangents": [...], "buffer_tangents": {...}, "buffers":
    /// [...]}, one tangent per float result, and under "buffer_tangents",
    /// keyed by argument index (from 0), the tangent of the final contents
    /// of each array the function writes.
    Jvp {
        /// The MLIR file, or Fortran or C source.
        file: PathBuf,
        /// The function to differentiate.
        #[arg(long = "fn")]
        function: String,
        /// A JSON array, one entry per argument, as for `run` (@FILE, -).
        #[arg(long, default_value = "[]")]
        args: String,
        /// The direction: a JSON array, one entry per argument: a number
        /// for a float scalar, a nested array of the argument's shape for a
        /// float memref, null for integers and arguments without a tangent
        /// (@FILE, -).
        #[arg(long)]
        tangents: String,
        /// Per-argument activity (dup or active: with a tangent; const:
        /// without), checked against --tangents. Default: from --tangents.
        #[arg(long)]
        activity: Option<String>,
        #[command(flatten)]
        buffers: Buffers,
        #[command(flatten)]
        compilation: Compilation,
        #[command(flatten)]
        source: Source,
    },
    /// Compute the Jacobian of the float results and of the final contents
    /// of the float arrays the function writes (rows, in that order) with
    /// respect to every float argument (columns: scalars, and array
    /// elements in index order, in argument order). Forward mode (vector
    /// mode, up to 8 directions per call) when there are no more columns
    /// than rows, else reverse mode (a row per call). Prints {"results",
    /// "mode", "outputs", "inputs", "jacobian": [[...] per row], "width"}.
    Jacobian {
        /// The MLIR file, or Fortran or C source.
        file: PathBuf,
        /// The function to differentiate.
        #[arg(long = "fn")]
        function: String,
        /// A JSON array, one entry per argument, as for `run` (@FILE, -).
        #[arg(long, default_value = "[]")]
        args: String,
        /// Force forward or reverse mode.
        #[arg(long, value_enum)]
        mode: Option<forward::JacobianMode>,
        /// The number of directions per forward-mode call (vector mode).
        #[arg(long)]
        width: Option<usize>,
        /// Per-argument activity, as for `grad`: const arguments are left
        /// out of the Jacobian.
        #[arg(long)]
        activity: Option<String>,
        #[command(flatten)]
        compilation: Compilation,
        #[command(flatten)]
        source: Source,
    },
    /// Compute a Hessian-vector product (forward over reverse) of a function
    /// returning a float scalar: prints {"results": [...], "gradients":
    /// [...], "hvp": [...]}, "hvp" shaped like "gradients" (H·V per
    /// argument: a number per active scalar, a nested array per dup memref,
    /// null otherwise).
    Hvp {
        /// The MLIR file, or Fortran source.
        file: PathBuf,
        /// The function to differentiate.
        #[arg(long = "fn")]
        function: String,
        /// A JSON array, one entry per argument, as for `run` (@FILE, -).
        #[arg(long, default_value = "[]")]
        args: String,
        /// The direction V, one entry per argument: a number per active
        /// float scalar, a nested array per dup memref, null otherwise
        /// (@FILE, - as for --args).
        #[arg(long)]
        vector: String,
        /// Per-argument activity, as for `grad`.
        #[arg(long)]
        activity: Option<String>,
        #[command(flatten)]
        compilation: Compilation,
        #[command(flatten)]
        source: Source,
    },
    /// Compute the dense Hessian of a function returning a float scalar
    /// (one Hessian-vector product per unit vector): prints {"results":
    /// [...], "gradients": [...], "hessian": [[...], ...]}, over every
    /// float input (active scalars and the elements of dup memrefs, in
    /// argument order, arrays flattened in their index order).
    Hessian {
        /// The MLIR file, or Fortran source.
        file: PathBuf,
        /// The function to differentiate.
        #[arg(long = "fn")]
        function: String,
        /// A JSON array, one entry per argument, as for `run` (@FILE, -).
        #[arg(long, default_value = "[]")]
        args: String,
        /// Per-argument activity, as for `grad`.
        #[arg(long)]
        activity: Option<String>,
        #[command(flatten)]
        compilation: Compilation,
        #[command(flatten)]
        source: Source,
    },
    /// Print the IR at a stage of the pipeline: parsed, adjoint (needs
    /// --fn), tangent (needs --fn; --width for vector mode), llvm (for --target), ptx (the CUDA kernels of the parallel
    /// loops, for --target's GPU, else sm_90). With --fn, llvm and ptx show that function's gradient.
    Emit {
        /// The MLIR file, or Fortran or C source (stage parsed shows the MLIR zad
        /// made of it).
        file: PathBuf,
        /// The stage to show.
        #[arg(long, default_value = "parsed")]
        stage: String,
        /// The function whose adjoint or tangent to show (stages adjoint and
        /// tangent), or whose gradient to show lowered (stages llvm and ptx).
        #[arg(long = "fn")]
        function: Option<String>,
        /// Per-argument activity for the adjoint and tangent stages, as for
        /// `grad`.
        #[arg(long)]
        activity: Option<String>,
        /// The number of directions of the tangent stage (vector mode when
        /// more than 1).
        #[arg(long, default_value_t = 1)]
        width: usize,
        #[command(flatten)]
        checkpointing: Checkpointing,
        #[command(flatten)]
        compilation: Compilation,
        #[command(flatten)]
        source: Source,
    },
    /// Serve GradBench's tool protocol (JSON lines on stdin and stdout) for
    /// the evals ba, det, gmm, hello, ht, kmeans, llsq, lse, lstm, ode, particle and saddle (all twelve), so that GradBench's harness
    /// can run zad: gradbench run --eval ... --tool "zad gradbench".
    /// Subnormal numbers are flushed to zero, as JAX does on the CPU.
    Gradbench {
        /// Compute with subnormal numbers (slow where adjoints underflow)
        /// instead of flushing them to zero.
        #[arg(long)]
        keep_subnormals: bool,
    },
}

/// How kernels are compiled: foreign functions, bounds checks.
#[derive(clap::Args)]
struct Compilation {
    /// A shared library defining foreign functions the kernel declares
    /// (`func.func private @name` without a body); repeatable, searched in
    /// order.
    #[arg(long = "load", value_name = "PATH")]
    libraries: Vec<PathBuf>,
    /// Compile without bounds checks (faster; an index out of bounds is
    /// then undefined behaviour instead of an error naming the op).
    #[arg(long)]
    no_check_bounds: bool,
}

impl Compilation {
    fn apply(&self, context: &Context) -> zad::Result<()> {
        context.set_check_bounds(!self.no_check_bounds);
        self.libraries.iter().try_for_each(|path| context.load_library(path))
    }
}

/// The final contents of the memref arguments a kernel writes.
#[derive(clap::Args)]
struct Buffers {
    /// Leave out "buffers": the final contents of every memref argument
    /// the function may write, one entry per argument (null for the
    /// others), as "gradients" has.
    #[arg(long)]
    no_buffers: bool,
}

impl Buffers {
    /// Which arguments to show (the memrefs `function` may write), or
    /// `None` when there are none or they were not asked for.
    fn wanted(&self, module: &Module, function: &str) -> zad::Result<Option<Vec<bool>>> {
        let written = module.written_arguments(function)?;
        Ok((!self.no_buffers && written.contains(&true)).then_some(written))
    }
}

/// "buffers": the contents of the `written` arguments in `arguments`, null
/// for the others.
fn buffers_json(written: &[bool], arguments: &json::JsonArgs) -> serde_json::Value {
    let buffers: Vec<serde_json::Value> = written
        .iter()
        .enumerate()
        .map(|(index, &written)| if written { arguments.to_json(index) } else { serde_json::Value::Null })
        .collect();
    buffers.into()
}

/// Runs `function` on `args` (JSON text), returning the arguments as it
/// left them.
fn run_function(module: &Module, function: &str, args: &str) -> zad::Result<(json::JsonArgs, Vec<zad::Value>)> {
    let compiled = module.function(function)?;
    let mut inputs = json::JsonArgs::parse(compiled.signature(), args)?;
    let mut call = Args::new();
    inputs.push_onto(&mut call)?;
    compiled.call(&mut call)?;
    let results = call.results().to_vec();
    drop(call);
    Ok((inputs, results))
}

/// How to read Fortran and C source.
#[derive(clap::Args)]
struct Source {
    /// Options for reading Fortran source, as on a compiler's command line:
    /// "-I DIR -D NAME=VALUE -ffixed-form ..." (see the README).
    #[arg(long, value_name = "OPTIONS", allow_hyphen_values = true)]
    fortran_options: Option<String>,
    /// Options for reading C source: "-I DIR -D NAME=VALUE -U NAME
    /// -std=c11" (see the README).
    #[arg(long, value_name = "OPTIONS", allow_hyphen_values = true)]
    c_options: Option<String>,
}

impl Source {
    /// Loads `file`: MLIR, or Fortran or C source by its extension.
    fn load(&self, context: &Context, file: &std::path::Path) -> zad::Result<Module> {
        match (&self.fortran_options, &self.c_options) {
            (Some(options), _) => Module::load_fortran(context, file, &zad::FortranOptions::parse(options)?),
            (None, Some(options)) => Module::load_c(context, file, &zad::COptions::parse(options)?),
            (None, None) => Module::load(context, file),
        }
    }
}

/// Checkpointing of time loops (top-level `scf.for` of the function).
#[derive(clap::Args)]
struct Checkpointing {
    /// Checkpoint the loop at this source line (0: every top-level loop);
    /// repeatable.
    #[arg(long = "checkpoint", value_name = "LINE")]
    lines: Vec<usize>,
    /// Binomial checkpointing with this many snapshots.
    #[arg(long)]
    snapshots: Option<usize>,
    /// Binomial checkpointing within this many bytes of snapshots.
    #[arg(long)]
    budget: Option<usize>,
    /// Periodic checkpointing, a snapshot every this many steps.
    #[arg(long)]
    interval: Option<usize>,
    /// Checkpoint every call of this function instead of inlining it;
    /// repeatable.
    #[arg(long = "checkpoint-calls", value_name = "FUNCTION")]
    calls: Vec<String>,
}

impl Checkpointing {
    fn options(&self, module: &Module) -> zad::Result<GradientOptions> {
        let defined = module.function_names();
        if let Some(unknown) = self.calls.iter().find(|name| !defined.contains(name)) {
            let known = defined.iter().map(|name| format!("@{name}")).collect::<Vec<_>>().join(", ");
            return Err(zad::Error::NotFound(format!(
                "--checkpoint-calls {unknown}: the module defines no function @{unknown} (it defines {known})"
            )));
        }
        if [self.snapshots, self.budget, self.interval].contains(&Some(0)) {
            return Err(zad::Error::InvalidArgument("--snapshots, --budget and --interval must be positive".into()));
        }
        let scheme = match (self.snapshots, self.budget, self.interval) {
            (Some(s), None, None) => Some(CheckpointScheme::Snapshots(s)),
            (None, Some(b), None) => Some(CheckpointScheme::Budget(b)),
            (None, None, Some(k)) => Some(CheckpointScheme::Periodic(k)),
            (None, None, None) => None,
            _ => return Err(zad::Error::InvalidArgument("give one of --snapshots, --budget, --interval".into())),
        };
        let loops = match (scheme, self.lines.is_empty()) {
            (None, true) => Vec::new(),
            (None, false) => {
                return Err(zad::Error::InvalidArgument("--checkpoint needs --snapshots, --budget or --interval".into()));
            }
            (Some(scheme), true) => vec![(None, scheme)],
            (Some(scheme), false) => {
                self.lines.iter().map(|&line| ((line > 0).then_some(line), scheme.clone())).collect()
            }
        };
        Ok(GradientOptions { loops, checkpointed_calls: self.calls.clone() })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match configure(&cli).and_then(|context| run(&context, cli.command)) {
        Ok(output) => {
            if !output.is_empty() {
                println!("{output}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            let message = error.to_string();
            eprintln!("zad: error: {}", message.lines().collect::<Vec<_>>().join(" | "));
            ExitCode::FAILURE
        }
    }
}

/// The activity given on the command line, or the default for the function.
fn activity_for(module: &Module, function: &str, given: Option<&str>) -> zad::Result<Vec<Activity>> {
    match given {
        None => module.default_activity(function),
        Some(list) => list
            .split(',')
            .map(|name| {
                Activity::parse(name.trim()).ok_or_else(|| {
                    zad::Error::InvalidArgument(format!("unknown activity '{name}' (const, active, dup)"))
                })
            })
            .collect(),
    }
}

/// What `zad grad` is asked.
struct GradRequest<'a> {
    function: &'a str,
    args: &'a str,
    activity: &'a [Activity],
    seed: f64,
    cotangents: Option<&'a str>,
    options: GradientOptions,
    stats: bool,
    buffers: &'a Buffers,
}

fn grad(module: &Module, request: GradRequest) -> zad::Result<String> {
    let GradRequest { function, args, activity, seed, cotangents, ref options, stats, buffers } = request;
    let signature = module.signature(function)?;
    let float_results: Vec<_> = signature.results.iter().filter(|ty| matches!(ty, ParamType::Scalar(s) if s.is_float())).collect();
    let returns_float = signature.results.len() == 1 && float_results.len() == 1;
    if !(returns_float || signature.results.is_empty() && cotangents.is_some()) {
        return Err(zad::Error::Unsupported(format!(
            "zad grad differentiates functions returning one float scalar, or functions without results (Fortran \
             subroutines) given --cotangents for their arrays; @{function} returns {}",
            signature.describe()
        )));
    }
    let gradient = module.gradient_with(function, activity, options)?;
    let args = json::read_args(args)?;
    let mut primal = json::JsonArgs::parse(&signature, &args)?;
    // The shadows hold the cotangents of the arrays' final contents.
    let mut shadows = match cotangents {
        Some(text) => json::JsonArgs::parse(&signature, &json::fill_nulls(&signature, &json::read_args(text)?, &args)?)?,
        None => primal.zeroed(),
    };
    let duplicated: Vec<bool> = activity.iter().map(|&a| a == Activity::Dup).collect();
    let mut call = Args::new();
    json::JsonArgs::push_with_shadows(&mut primal, &mut shadows, &duplicated, &mut call)?;
    // The seed has the result's type (a complex result: seed + 0i, which
    // differentiates its real part).
    if let Some(ParamType::Scalar(scalar)) = signature.results.first() {
        call.push_real(*scalar, seed)?;
    }
    zad::exec::take_checkpoint_stats();
    zad::exec::take_tape_peak();
    gradient.call(&mut call)?;
    let run = zad::exec::take_checkpoint_stats();
    let peak_tape_bytes = zad::exec::take_tape_peak();
    let values = call.results().to_vec();
    drop(call);
    let returned = usize::from(returns_float);
    let mut active_gradients = values[returned..].iter();
    let gradients: Vec<serde_json::Value> = activity
        .iter()
        .enumerate()
        .map(|(index, kind)| match kind {
            Activity::Active => active_gradients.next().map(json::value_to_json).unwrap_or_default(),
            Activity::Dup => shadows.to_json(index),
            Activity::Const => serde_json::Value::Null,
        })
        .collect();
    let results: Vec<_> = values[..returned].iter().map(json::value_to_json).collect();
    let mut output = serde_json::json!({ "results": results, "gradients": gradients });
    if stats {
        output["stats"] = serde_json::json!({
            "forward_steps": run.forward_steps,
            "reversed_steps": run.reversed_steps,
            "snapshot_writes": run.snapshot_writes,
            "snapshots_held": run.snapshots_held,
            "peak_snapshot_bytes": run.peak_snapshot_bytes,
            "peak_tape_bytes": peak_tape_bytes,
        });
    }
    // The buffers as the function itself leaves them: a checkpointed
    // gradient leaves the buffers its time loop writes in an earlier state
    // (it restores snapshots), so run the function on a copy of the
    // arguments for them.
    if let Some(written) = buffers.wanted(module, function)? {
        let (inputs, _) = run_function(module, function, &args)?;
        output["buffers"] = buffers_json(&written, &inputs);
    }
    Ok(output.to_string())
}

/// What one Hessian-vector product gave, per argument as "gradients".
struct HvpOutput {
    results: Vec<serde_json::Value>,
    gradients: Vec<serde_json::Value>,
    hvp: Vec<serde_json::Value>,
}

/// What every Hessian-vector product of `function` needs: its signature
/// (checked: one float result), its compiled HVP and the decoded `args`.
fn hvp_setup(
    module: &Module,
    function: &str,
    args: &str,
    activity: &[Activity],
) -> zad::Result<(Signature, CompiledFunction, json::JsonArgs)> {
    let signature = module.signature(function)?;
    let returns_float = signature.results.len() == 1 && matches!(signature.results[0], ParamType::Scalar(s) if s.is_float());
    if !returns_float {
        return Err(zad::Error::Unsupported(format!(
            "zad hvp and zad hessian differentiate functions returning one float scalar; @{function} returns {}",
            signature.describe()
        )));
    }
    let compiled = module.hvp(function, activity)?;
    let primal = json::JsonArgs::parse(&signature, args)?;
    Ok((signature, compiled, primal))
}

/// The Hessian-vector product of `function` at `args` (JSON text, already
/// read) in direction `vector` (JSON text: one entry per argument).
fn hvp(module: &Module, function: &str, args: &str, activity: &[Activity], vector: &str) -> zad::Result<HvpOutput> {
    let (signature, compiled, primal) = hvp_setup(module, function, args, activity)?;
    let given: serde_json::Value = serde_json::from_str(vector)
        .map_err(|error| zad::Error::InvalidArgument(format!("--vector is not valid JSON: {error}")))?;
    let entries = given.as_array().filter(|entries| entries.len() == activity.len()).ok_or_else(|| {
        zad::Error::InvalidArgument(format!(
            "--vector must be a JSON array with one entry per argument of @{function} {}",
            signature.describe()
        ))
    })?;
    for (position, (entry, kind)) in entries.iter().zip(activity).enumerate() {
        let fits = match kind {
            Activity::Active => !entry.is_null() && !entry.is_array(),
            Activity::Dup => entry.is_array(),
            Activity::Const => entry.is_null(),
        };
        if !fits {
            let wanted = match kind {
                Activity::Active => "a number (the direction for this active scalar)",
                Activity::Dup => "a nested array shaped like the argument (the direction for this dup array)",
                Activity::Const => "null (the argument is const)",
            };
            return Err(zad::Error::InvalidArgument(format!(
                "--vector: entry {} (for {}) must be {wanted}, not {entry}",
                position + 1,
                signature.naming.argument(position)
            )));
        }
    }
    let filled = json::fill_nulls_of(&signature, vector, args, "--vector")?;
    let directions = json::JsonArgs::parse(&signature, &filled)
        .map_err(|error| zad::Error::InvalidArgument(format!("--vector: {error}")))?;
    hvp_call(&compiled, activity, primal, directions)
}

/// One call of a compiled HVP on decoded arguments and directions.
fn hvp_call(
    compiled: &CompiledFunction,
    activity: &[Activity],
    mut primal: json::JsonArgs,
    mut directions: json::JsonArgs,
) -> zad::Result<HvpOutput> {
    let mut shadows = primal.zeroed();
    let mut products = primal.zeroed();
    let mut call = Args::new();
    json::JsonArgs::push_hvp(&mut primal, &mut shadows, &mut directions, &mut products, activity, &mut call)?;
    compiled.call(&mut call)?;
    let values = call.results().to_vec();
    drop(call);
    let actives = activity.iter().filter(|&&a| a == Activity::Active).count();
    let mut active_gradients = values[1..1 + actives].iter();
    let mut active_products = values[1 + actives..].iter();
    let per_argument = |active: &mut std::slice::Iter<zad::Value>, buffers: &json::JsonArgs| -> Vec<serde_json::Value> {
        activity
            .iter()
            .enumerate()
            .map(|(index, kind)| match kind {
                Activity::Active => active.next().map(json::value_to_json).unwrap_or_default(),
                Activity::Dup => buffers.to_json(index),
                Activity::Const => serde_json::Value::Null,
            })
            .collect()
    };
    Ok(HvpOutput {
        results: vec![json::value_to_json(&values[0])],
        gradients: per_argument(&mut active_gradients, &shadows),
        hvp: per_argument(&mut active_products, &products),
    })
}

/// The numbers of `value` (nested arrays) in index order.
fn flatten(value: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
    match value {
        serde_json::Value::Array(items) => items.iter().for_each(|item| flatten(item, out)),
        other => out.push(other.clone()),
    }
}

/// The dense Hessian of `function` at `args`, one HVP per unit vector over
/// its float inputs (active scalars, elements of dup arrays), all on the
/// arguments decoded once.
fn hessian(module: &Module, function: &str, args: &str, activity: &[Activity]) -> zad::Result<String> {
    let (_, compiled, primal) = hvp_setup(module, function, args, activity)?;
    let mut zero = primal.zeroed();
    zero.clear_floats();
    // The float inputs, as (argument, component) in order.
    let inputs: Vec<(usize, usize)> = activity
        .iter()
        .enumerate()
        .filter(|&(_, &kind)| kind != Activity::Const)
        .flat_map(|(index, _)| (0..primal.components(index)).map(move |k| (index, k)))
        .collect();
    let mut rows = Vec::with_capacity(inputs.len());
    let mut first = None;
    for &(index, k) in &inputs {
        // The kernel may write its arrays: fresh arguments for each call.
        let mut unit = zero.clone();
        unit.set_component(index, k, 1.0);
        let output = hvp_call(&compiled, activity, primal.clone(), unit)?;
        let mut row = Vec::new();
        for (value, kind) in output.hvp.iter().zip(activity) {
            if *kind != Activity::Const {
                flatten(value, &mut row);
            }
        }
        rows.push(serde_json::Value::from(row));
        first.get_or_insert((output.results, output.gradients));
    }
    let (results, gradients) = match first {
        Some(first) => first,
        None => {
            let output = hvp_call(&compiled, activity, primal, zero)?;
            (output.results, output.gradients)
        }
    };
    // H is symmetric: row k (H·e_k) is also column k.
    Ok(serde_json::json!({ "results": results, "gradients": gradients, "hessian": rows }).to_string())
}

/// A context with the thread count and target of the command line.
fn configure(cli: &Cli) -> zad::Result<Context> {
    let context = Context::new()?;
    if let Some(threads) = cli.threads {
        if threads == 0 {
            return Err(zad::Error::InvalidArgument("--threads must be at least 1".into()));
        }
        context.set_threads(threads)?;
    }
    context.set_target(cli.target.parse::<Target>()?);
    Ok(context)
}

fn run(context: &Context, command: Command) -> zad::Result<String> {
    match command {
        Command::Run { file, function, args, buffers, compilation, source } => {
            compilation.apply(context)?;
            let module = source.load(context, &file)?;
            let (inputs, results) = run_function(&module, &function, &json::read_args(&args)?)?;
            let results: Vec<_> = results.iter().map(json::value_to_json).collect();
            let mut output = serde_json::json!({ "results": results });
            if let Some(written) = buffers.wanted(&module, &function)? {
                output["buffers"] = buffers_json(&written, &inputs);
            }
            Ok(output.to_string())
        }
        Command::Grad { file, function, args, buffers, activity, seed, cotangents, checkpointing, stats, compilation, source } => {
            compilation.apply(context)?;
            let module = source.load(context, &file)?;
            let activity = activity_for(&module, &function, activity.as_deref())?;
            let options = checkpointing.options(&module)?;
            let request = GradRequest {
                function: &function,
                args: &args,
                activity: &activity,
                seed,
                cotangents: cotangents.as_deref(),
                options,
                stats,
                buffers: &buffers,
            };
            grad(&module, request)
        }
        Command::Jvp { file, function, args, tangents, activity, buffers, compilation, source } => {
            compilation.apply(context)?;
            let module = source.load(context, &file)?;
            let activity = activity.as_deref().map(|list| activity_for(&module, &function, Some(list))).transpose()?;
            forward::jvp(&module, &function, &args, &tangents, activity.as_deref(), &buffers)
        }
        Command::Jacobian { file, function, args, mode, width, activity, compilation, source } => {
            compilation.apply(context)?;
            let module = source.load(context, &file)?;
            let activity = activity.as_deref().map(|list| activity_for(&module, &function, Some(list))).transpose()?;
            let request = forward::JacobianRequest { function: &function, args: &args, activity: activity.as_deref(), mode, width };
            forward::jacobian(&module, request)
        }
        Command::Hvp { file, function, args, vector, activity, compilation, source } => {
            compilation.apply(context)?;
            let module = source.load(context, &file)?;
            let activity = activity_for(&module, &function, activity.as_deref())?;
            let output = hvp(&module, &function, &json::read_args(&args)?, &activity, &json::read_args(&vector)?)?;
            Ok(serde_json::json!({ "results": output.results, "gradients": output.gradients, "hvp": output.hvp }).to_string())
        }
        Command::Hessian { file, function, args, activity, compilation, source } => {
            compilation.apply(context)?;
            let module = source.load(context, &file)?;
            let activity = activity_for(&module, &function, activity.as_deref())?;
            hessian(&module, &function, &json::read_args(&args)?, &activity)
        }
        Command::Emit { file, stage, function, activity, width, checkpointing, compilation, source } => {
            compilation.apply(context)?;
            let stage: Stage = stage.parse()?;
            let module = source.load(context, &file)?;
            if stage == Stage::Adjoint {
                let function = function.ok_or_else(|| {
                    zad::Error::InvalidArgument("--stage adjoint needs --fn NAME".into())
                })?;
                let activity = activity_for(&module, &function, activity.as_deref())?;
                return module.adjoint_text_with(&function, &activity, &checkpointing.options(&module)?);
            }
            if stage == Stage::Tangent {
                let function =
                    function.ok_or_else(|| zad::Error::InvalidArgument("--stage tangent needs --fn NAME".into()))?;
                let activity = activity_for(&module, &function, activity.as_deref())?;
                return module.tangent_text(&function, &activity, width);
            }
            if let Some(function) = function {
                let activity = activity_for(&module, &function, activity.as_deref())?;
                return module.gradient_emit(&function, &activity, &checkpointing.options(&module)?, stage);
            }
            module.emit(stage)
        }
        Command::Gradbench { keep_subnormals } => {
            if !keep_subnormals {
                zad::gradbench::flush_subnormals();
            }
            // The responses stream to stdout as the messages arrive.
            zad::gradbench::serve(context, std::io::stdin().lock(), std::io::stdout().lock())
                .map_err(zad::Error::InvalidArgument)?;
            Ok(String::new())
        }
    }
}
