//! A parsed and verified MLIR module, and the compiled functions it yields.

use crate::{
    ad::{self, Activity, GradientOptions, Request},
    context::{Context, Shared},
    dialect, effects,
    csource::{self, COptions},
    fortran::{self, FortranOptions},
    signature::ParamType,
    error::{Error, Result},
    naming::{self, Derivative, Input, Naming, Output},
    exec::{CompiledFunction, Engine},
    lower::{self, Stage},
    signature::Signature,
    stack,
    target::Target,
};
use crate::context::UNNAMED_BUFFER;
use crate::csource::Function;
use melior::{
    StringRef,
    ir::{
        BlockLike, Location, OperationRef, RegionLike,
        attribute::{ArrayAttribute, TypeAttribute},
        operation::{OperationLike, OperationMutLike, WalkOrder, WalkResult},
        r#type::FunctionType,
    },
};
use parking_lot::Mutex;
use std::{collections::HashMap, mem::ManuallyDrop, path::Path, sync::Arc};

/// A module of MLIR kernels. Functions compiled from it are cached: the
/// module is lowered and JIT-compiled once, on the first request.
pub struct Module {
    state: Mutex<ModuleState>,
    shared: Arc<Shared>,
    /// For a module converted from Fortran: its procedures, by which
    /// functions are looked up (case-insensitively, `module::name`).
    fortran: Option<Vec<fortran::Procedure>>,
    /// For a module converted from C: its functions, converted or not.
    c: Option<Vec<csource::Function>>,
}

struct ModuleState {
    ir: ManuallyDrop<melior::ir::Module<'static>>,
    /// The JIT-compiled module, per target and with or without bounds
    /// checks.
    engines: HashMap<(Target, bool), Arc<Engine>>,
    /// Compiled functions by name (prefixed by the target when it is not
    /// the CPU, suffixed when bounds-checked).
    functions: HashMap<String, CompiledFunction>,
    /// The argument names (`%steps`) of each function, read from the source
    /// text: MLIR does not keep them, and messages use them.
    argument_names: HashMap<String, Vec<String>>,
    /// For functions converted from C: the pairs of pointer parameters
    /// whose arrays must not overlap when called.
    disjoint: HashMap<String, Vec<(usize, usize)>>,
}

/// The compile-cache key of a function: its name, marked when compiled with
/// bounds checks.
/// The key of a compiled function in the module's cache.
fn cache_key(target: &Target, checked: bool, name: &str) -> String {
    let name = if checked { format!("{name}#checked") } else { name.to_string() };
    match target {
        Target::Cpu => name,
        other => format!("{other}/{name}"),
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        let _guard = self.shared.lock();
        let ir = &mut self.state.get_mut().ir;
        // SAFETY: `ir` is never used again; it is destroyed under the context
        // lock while `shared` (which owns the context) is still alive.
        stack::on_large_stack(|| unsafe { ManuallyDrop::drop(ir) });
    }
}

impl Module {
    /// Parses and verifies MLIR text. `source_name` is the file name that
    /// locations in messages carry.
    pub fn parse(context: &Context, source: &str, source_name: &str) -> Result<Module> {
        stack::check_nesting(source, source_name)?;
        stack::on_large_stack(|| Module::parse_checked(context, source, source_name))
    }

    fn parse_checked(context: &Context, source: &str, source_name: &str) -> Result<Module> {
        let shared = context.shared.clone();
        let _guard = shared.lock();
        shared.take_diagnostics();
        let ir = shared
            .parsing(source_name, || parse_module(shared.mlir(), source, source_name))
            .ok_or_else(|| Error::Parse(shared.diagnostic_message(&format!("{source_name}: failed to parse MLIR"))))?;
        if !ir.as_operation().verify() {
            return Err(Error::Verify(shared.diagnostic_message(&format!("{source_name}: MLIR verification failed"))));
        }
        let argument_names = source_argument_names(&ir, source);
        Ok(Module {
            state: Mutex::new(ModuleState {
                ir: ManuallyDrop::new(ir),
                engines: HashMap::new(),
                functions: HashMap::new(),
                argument_names,
                disjoint: HashMap::new(),
            }),
            shared: shared.clone(),
            fortran: None,
            c: None,
        })
    }

    /// Reads and parses an MLIR file, or converts a Fortran one (by its
    /// extension: see `fortran::FORTRAN_EXTENSIONS`) with default options.
    pub fn load(context: &Context, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        if fortran::is_fortran_source(path) {
            return Module::load_fortran(context, path, &FortranOptions::default());
        }
        if csource::is_c_source(path) {
            return Module::load_c(context, path, &COptions::default());
        }
        let source = std::fs::read_to_string(path)
            .map_err(|error| Error::Io(format!("{}: cannot read: {error}", path.display())))?;
        Module::parse(context, &source, &path.display().to_string())
    }

    /// Converts the procedures of a Fortran source file (see
    /// `crate::fortran`). Its functions are named by their Fortran names,
    /// case-insensitively, or `module::name` where two modules define the
    /// same name. A procedure zad cannot convert does not stop the others:
    /// asking for it gives the reason.
    pub fn load_fortran(context: &Context, path: impl AsRef<Path>, options: &FortranOptions) -> Result<Module> {
        let path = path.as_ref();
        let translation = fortran::translate(path, options)?;
        let mut module = Module::parse(context, &translation.text, &path.display().to_string())?;
        module.fortran = Some(translation.procedures);
        Ok(module)
    }

    /// Converts the functions of a C source file (see `crate::csource`).
    /// Its functions keep their C names; pointer parameters are 1-D
    /// memrefs. A function zad cannot convert does not stop the others:
    /// asking for it gives the reason, with its `file:line:col`. Calls
    /// refuse arrays that overlap where the C parameters may alias.
    pub fn load_c(context: &Context, path: impl AsRef<Path>, options: &COptions) -> Result<Module> {
        let path = path.as_ref();
        let translation = csource::translate(path, options)?;
        let mut module = Module::parse(context, &translation.text, &path.display().to_string())?;
        {
            let state = module.state.get_mut();
            for function in translation.functions.iter().filter(|f| f.failure.is_none()) {
                state.disjoint.insert(function.name.clone(), function.disjoint_pairs());
                state.argument_names.insert(function.name.clone(), function.parameters.clone());
            }
        }
        module.c = Some(translation.functions);
        Ok(module)
    }

    /// The symbol of the function a caller names: itself for MLIR modules;
    /// for Fortran ones, the procedure with that name (any case, optionally
    /// `module::name`).
    fn resolve(&self, name: &str) -> Result<String> {
        if let Some(functions) = &self.c {
            return match functions.iter().find(|f| f.name == name) {
                Some(Function { failure: Some(failure), .. }) => {
                    Err(Error::Unsupported(format!("{name} cannot be converted: {failure}")))
                }
                Some(function) => Ok(function.name.clone()),
                None => {
                    let known: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
                    Err(Error::NotFound(format!("no function '{name}' in the C source (it defines {})", known.join(", "))))
                }
            };
        }
        let Some(procedures) = &self.fortran else { return Ok(name.to_string()) };
        let wanted = name.to_ascii_lowercase();
        let (module, procedure) = match wanted.split_once("::") {
            Some((module, procedure)) => (Some(module.trim()), procedure.trim()),
            None => (None, wanted.trim()),
        };
        let matches: Vec<&fortran::Procedure> = procedures
            .iter()
            .filter(|p| p.name.name == procedure && module.is_none_or(|m| p.name.module.as_deref() == Some(m)))
            .collect();
        match matches.as_slice() {
            [only] => match &only.failure {
                Some(failure) => Err(Error::Unsupported(format!("{} cannot be converted: {failure}", only.name.qualified()))),
                None => Ok(only.symbol.clone()),
            },
            [] => {
                let known: Vec<String> = procedures.iter().map(|p| p.name.qualified()).collect();
                Err(Error::NotFound(format!("no procedure '{name}' in the Fortran source (it defines {})", known.join(", "))))
            }
            several => {
                let names: Vec<String> = several.iter().map(|p| p.name.qualified()).collect();
                Err(Error::NotFound(format!(
                    "'{name}' is ambiguous: {} (name one as module::name)",
                    names.join(", ")
                )))
            }
        }
    }

    /// The module as MLIR text.
    pub fn to_text(&self) -> String {
        let _guard = self.shared.lock();
        stack::on_large_stack(|| self.state.lock().ir.as_operation().to_string())
    }

    /// The ABI signature of function `name`.
    pub fn signature(&self, name: &str) -> Result<Signature> {
        let name = &self.resolve(name)?;
        let _guard = self.shared.lock();
        let state = self.state.lock();
        state.signature(name)
    }

    /// For each argument of function `name`: whether it is a memref the
    /// function may write (see `effects`; never false for one it writes).
    pub fn written_arguments(&self, name: &str) -> Result<Vec<bool>> {
        let name = &self.resolve(name)?;
        let _guard = self.shared.lock();
        let state = self.state.lock();
        find_function(&state.ir, name)?;
        Ok(effects::written_arguments(&state.ir, name))
    }

    /// The names of the functions defined (with a body) in the module.
    pub fn function_names(&self) -> Vec<String> {
        let _guard = self.shared.lock();
        let state = self.state.lock();
        defined_function_ops(&state.ir).into_iter().map(|(name, _)| name).collect()
    }

    /// The compiled function `name`, for the context's target. The first
    /// call for a target lowers and JIT-compiles the whole module; later
    /// calls, for any function, reuse that engine.
    pub fn function(&self, name: &str) -> Result<CompiledFunction> {
        let name = &self.resolve(name)?;
        stack::on_large_stack(|| self.function_on_large_stack(name))
    }

    fn function_on_large_stack(&self, name: &str) -> Result<CompiledFunction> {
        let _guard = self.shared.lock();
        let mut state = self.state.lock();
        let target = self.shared.target();
        let checked = self.shared.check_bounds();
        let key = cache_key(&target, checked, name);
        if let Some(function) = state.functions.get(&key) {
            return Ok(function.clone());
        }
        let signature = state.signature(name)?;
        let engine = match state.engines.get(&(target.clone(), checked)) {
            Some(engine) => engine.clone(),
            None => {
                // zad's own ops (derivatives, stop_gradient, hook) are
                // replaced by what they stand for before compiling.
                let zad_ops = [dialect::op::GRADIENT, dialect::op::TANGENT, dialect::op::STOP_GRADIENT, dialect::op::HOOK];
                let engine = if zad_ops.iter().any(|op| contains_op(&state.ir, op)) {
                    let expanded =
                        ad::expand(&self.shared, &state.ir, &[], &GradientOptions::default()).map_err(user_terms)?;
                    Engine::compile(&self.shared, &expanded, &target, checked).map_err(user_terms)?
                } else {
                    Engine::compile(&self.shared, &state.ir, &target, checked)?
                };
                let engine = Arc::new(engine);
                state.engines.insert((target, checked), engine.clone());
                engine
            }
        };
        let function = CompiledFunction::new(engine, signature, 0)?;
        state.functions.insert(key, function.clone());
        Ok(function)
    }

    /// The compiled reverse-mode gradient of function `name` for the given
    /// per-argument activity (cached per activity).
    ///
    /// Its arguments: those of `name`, each 'dup' one followed by its shadow,
    /// then one seed per float result (optional: omitted seeds are 1.0). Its
    /// results: those of `name`, then the gradient of each 'active' argument.
    pub fn gradient(&self, name: &str, activity: &[Activity]) -> Result<CompiledFunction> {
        self.gradient_with(name, activity, &GradientOptions::default())
    }

    /// As [`Module::gradient`], with checkpointing asked for in `options`
    /// (cached per activity and options).
    pub fn gradient_with(&self, name: &str, activity: &[Activity], options: &GradientOptions) -> Result<CompiledFunction> {
        let name = &self.resolve(name)?;
        stack::on_large_stack(|| self.gradient_on_large_stack(name, activity, options))
    }

    fn gradient_on_large_stack(
        &self,
        name: &str,
        activity: &[Activity],
        options: &GradientOptions,
    ) -> Result<CompiledFunction> {
        let request = Request::gradient(name, activity);
        let check = |primal: &Signature| check_activity(primal, activity);
        let naming = |primal: &Signature| gradient_naming(primal, activity);
        self.derivative(&request, options, check, naming)
    }

    /// The compiled forward-mode tangent of function `name` (cached per
    /// activity and width): `width` directional derivatives in one sweep.
    ///
    /// `activity`: per argument, 'dup' for a float scalar or float buffer
    /// that has a tangent ('active' is taken as 'dup' for float scalars),
    /// 'const' for one that has none. Arguments of the tangent: those of
    /// `name`, each 'dup' one followed by its `width` tangents (scalars, or
    /// buffers of the argument's shape holding the tangent of its contents;
    /// a buffer the function writes has its tangent updated in place to the
    /// tangent of its final contents). Results: those of `name`, then
    /// `width` tangents per float result (result by result). With
    /// `width` > 1, the tangents travel through the function as vectors.
    pub fn tangent(&self, name: &str, activity: &[Activity], width: usize) -> Result<CompiledFunction> {
        let name = &self.resolve(name)?;
        if width == 0 {
            return Err(Error::InvalidArgument(format!("the tangent of @{name}: the width must be at least 1")));
        }
        let activity = tangent_activity(activity);
        let request = Request::tangent(name, &activity, width);
        let check = |primal: &Signature| check_tangent_activity(primal, &activity);
        let naming = |primal: &Signature| tangent_naming(primal, &activity, width);
        stack::on_large_stack(|| self.derivative(&request, &GradientOptions::default(), check, naming))
    }

    /// The tangent functions zad generates for `name` with `activity` and
    /// `width`, as MLIR text.
    pub fn tangent_text(&self, name: &str, activity: &[Activity], width: usize) -> Result<String> {
        let name = &self.resolve(name)?;
        if width == 0 {
            return Err(Error::InvalidArgument(format!("the tangent of @{name}: the width must be at least 1")));
        }
        let activity = tangent_activity(activity);
        let request = Request::tangent(name, &activity, width);
        let _guard = self.shared.lock();
        let state = self.state.lock();
        check_tangent_activity(&state.signature(name)?, &activity)?;
        stack::on_large_stack(|| ad::derivative_text(&self.shared, &state.ir, &request, &GradientOptions::default()))
            .map_err(user_terms)
    }

    /// The compiled derivative `request` asks for (cached): `check` vets
    /// the activity against the user's function first, so that its errors
    /// name what the user wrote; `naming` says what each parameter of the
    /// derivative is to the user.
    fn derivative(
        &self,
        request: &Request,
        options: &GradientOptions,
        check: impl FnOnce(&Signature) -> Result<()>,
        naming: impl FnOnce(&Signature) -> Naming,
    ) -> Result<CompiledFunction> {
        let name_and_options = if *options == GradientOptions::default() {
            request.name()
        } else {
            format!("{}#{options:?}", request.name())
        };
        let expand = |ir: &melior::ir::Module<'static>| {
            Ok((ad::expand(&self.shared, ir, std::slice::from_ref(request), options)?, request.name()))
        };
        self.compile_derivative(&request.function, &name_and_options, check, expand, naming)
    }

    /// The compiled derivative of function `name` cached under `key_name`:
    /// `check` vets the activity against the user's function first, so that
    /// its errors name what the user wrote; `expand` builds the module with
    /// the derivative and names it; `naming` says what each parameter of the
    /// derivative is to the user.
    fn compile_derivative(
        &self,
        name: &str,
        key_name: &str,
        check: impl FnOnce(&Signature) -> Result<()>,
        expand: impl FnOnce(&melior::ir::Module<'static>) -> Result<(melior::ir::Module<'static>, String)>,
        naming: impl FnOnce(&Signature) -> Naming,
    ) -> Result<CompiledFunction> {
        let target = self.shared.target();
        let checked = self.shared.check_bounds();
        let key = cache_key(&target, checked, key_name);
        let _guard = self.shared.lock();
        let mut state = self.state.lock();
        if let Some(function) = state.functions.get(&key) {
            return Ok(function.clone());
        }
        // The user's function first: its errors name what the user wrote.
        let primal = state.signature(name)?;
        check(&primal)?;
        let (mut expanded, derivative) = expand(&state.ir).map_err(user_terms)?;
        lower::keep_only_reachable(&self.shared, &mut expanded, &derivative)?;
        let operation = find_function(&expanded, &derivative).map_err(user_terms)?;
        let mut signature = function_signature(&operation, &derivative)?;
        signature.naming = naming(&primal);
        let seeds = signature.naming.inputs.iter().filter(|input| matches!(input, Input::Seed(_))).count();
        if signature.naming.inputs.len() != signature.inputs.len()
            || signature.naming.outputs.len() != signature.results.len()
        {
            return Err(Error::Internal(format!(
                "{} takes {} arguments and returns {} results, where its activity implies {} and {}",
                signature.naming.subject(),
                signature.inputs.len(),
                signature.results.len(),
                signature.naming.inputs.len(),
                signature.naming.outputs.len()
            )));
        }
        let engine = Arc::new(Engine::compile(&self.shared, &expanded, &target, checked).map_err(user_terms)?);
        let function = CompiledFunction::new(engine, signature, seeds).map_err(user_terms)?;
        state.functions.insert(key, function.clone());
        Ok(function)
    }

    /// The compiled Hessian-vector product of function `name` (forward over
    /// reverse: the tangent of its gradient in direction V), cached per
    /// activity. H is the Hessian of the sum of the float results (of the
    /// result, for the usual scalar function) with respect to the 'active'
    /// and 'dup' arguments.
    ///
    /// Its arguments, per argument of `name`: the argument; for an 'active'
    /// scalar, then its direction `v`; for a 'dup' buffer, then its shadow
    /// (the gradient is accumulated into it, as for [`Module::gradient`]),
    /// its direction `V` (same shape, read) and a buffer of the same shape
    /// into which (H·V) for that argument is accumulated (zero it first);
    /// nothing more for a 'const' one. Its results: those of `name`, then
    /// the gradient of each 'active' argument, then (H·V) for each 'active'
    /// argument, in order. No seeds.
    pub fn hvp(&self, name: &str, activity: &[Activity]) -> Result<CompiledFunction> {
        let name = &self.resolve(name)?;
        stack::on_large_stack(|| self.hvp_on_large_stack(name, activity))
    }

    fn hvp_on_large_stack(&self, name: &str, activity: &[Activity]) -> Result<CompiledFunction> {
        let check = |primal: &Signature| {
            check_activity(primal, activity)?;
            if !activity.iter().any(|&a| a != Activity::Const) {
                return Err(Error::Signature(format!(
                    "{}: every argument is 'const'; a Hessian-vector product needs an 'active' or 'dup' one",
                    primal.naming.subject()
                )));
            }
            Ok(())
        };
        let expand = |ir: &melior::ir::Module<'static>| ad::hvp::expand(&self.shared, ir, name, activity);
        let naming = |primal: &Signature| hvp_naming(primal, activity);
        self.compile_derivative(name, &ad::hvp::name(name, activity), check, expand, naming)
    }

    /// The adjoint functions zad generates for `name` with `activity`, as
    /// MLIR text.
    pub fn adjoint_text(&self, name: &str, activity: &[Activity]) -> Result<String> {
        self.adjoint_text_with(name, activity, &GradientOptions::default())
    }

    /// As [`Module::adjoint_text`], with checkpointing options.
    pub fn adjoint_text_with(&self, name: &str, activity: &[Activity], options: &GradientOptions) -> Result<String> {
        let name = &self.resolve(name)?;
        let request = Request::gradient(name, activity);
        let _guard = self.shared.lock();
        let state = self.state.lock();
        find_function(&state.ir, name)?;
        stack::on_large_stack(|| ad::derivative_text(&self.shared, &state.ir, &request, options)).map_err(user_terms)
    }

    /// The compiled gradient of `name` at `stage` (`Stage::Llvm` or
    /// `Stage::Ptx`), as text: what [`Module::gradient_with`] hands to the
    /// JIT, or the PTX of the CUDA kernels its parallel loops (the primal's
    /// and their reverses) become.
    pub fn gradient_emit(&self, name: &str, activity: &[Activity], options: &GradientOptions, stage: Stage) -> Result<String> {
        if !matches!(stage, Stage::Llvm | Stage::Ptx) {
            return Err(Error::InvalidArgument(format!(
                "a gradient is shown at the llvm or ptx stage, not at '{stage}' (the adjoint stage shows its MLIR)"
            )));
        }
        let name = &self.resolve(name)?;
        let request = Request::gradient(name, activity);
        let _guard = self.shared.lock();
        let state = self.state.lock();
        check_activity(&state.signature(name)?, activity)?;
        stack::on_large_stack(|| {
            let mut expanded = ad::expand(&self.shared, &state.ir, std::slice::from_ref(&request), options).map_err(user_terms)?;
            lower::keep_only_reachable(&self.shared, &mut expanded, &request.name())?;
            let lower_options = crate::exec::lower_options(&self.shared, &self.shared.target(), self.shared.check_bounds());
            lower::emit(&self.shared, &expanded, stage, &lower_options).map_err(user_terms)
        })
    }

    /// The activity zad assumes when none is given: float scalars are
    /// 'active', float memrefs 'dup', everything else 'const'.
    pub fn default_activity(&self, name: &str) -> Result<Vec<Activity>> {
        let signature = self.signature(name)?;
        Ok(signature
            .inputs
            .iter()
            .map(|ty| match ty {
                ParamType::Scalar(scalar) if scalar.is_float() => Activity::Active,
                ParamType::MemRef(_) => Activity::Dup,
                ParamType::Scalar(_) => Activity::Const,
            })
            .collect())
    }

    /// The module's IR at `stage`, as text, for the context's target
    /// (`Stage::Ptx` compiles for CUDA whatever the target, for the GPU the
    /// target names, else the driver's first GPU, else `sm_90`).
    pub fn emit(&self, stage: Stage) -> Result<String> {
        let _guard = self.shared.lock();
        let state = self.state.lock();
        let text = stack::on_large_stack(|| lower::emit(&self.shared, &state.ir, stage, &crate::exec::lower_options(&self.shared, &self.shared.target(), self.shared.check_bounds())))?;
        // Say which Fortran procedures are missing, and why.
        let notes: String = self
            .fortran
            .iter()
            .flatten()
            .filter_map(|p| p.failure.as_ref().map(|f| format!("// {} was not converted: {f}\n", p.name.qualified())))
            .chain(
                self.c
                    .iter()
                    .flatten()
                    .filter_map(|f| f.failure.as_ref().map(|why| format!("// {} was not converted: {why}\n", f.name))),
            )
            .collect();
        Ok(notes + &text)
    }

    /// How many times this module has been JIT-compiled for its functions
    /// (once per target, and per bounds checks on or off, it was asked for).
    pub fn compile_count(&self) -> usize {
        self.state.lock().engines.len()
    }
}

impl ModuleState {
    /// The ABI signature of function `name`, its arguments named as in the
    /// source.
    fn signature(&self, name: &str) -> Result<Signature> {
        let function = find_function(&self.ir, name)?;
        let mut signature = function_signature(&function, name)?;
        if let Some(names) = self.argument_names.get(name)
            && names.len() == signature.inputs.len()
        {
            signature.naming.arguments = names.iter().cloned().map(Some).collect();
        }
        if let Some(pairs) = self.disjoint.get(name) {
            signature.naming.disjoint = pairs.clone();
        }
        Ok(signature)
    }
}

/// The argument names of every function of `ir` whose signature can be
/// found at its location in `source`.
fn source_argument_names(ir: &melior::ir::Module, source: &str) -> HashMap<String, Vec<String>> {
    defined_function_ops(ir)
        .into_iter()
        .filter_map(|(name, function)| {
            let location = function.location();
            if !location.is_file_line_col_range() {
                return None;
            }
            let line = location.file_line_col_range_start_line();
            let column = location.file_line_col_range_start_column();
            Some((name, naming::argument_names(source, line, column)?))
        })
        .collect()
}

/// The key of a compiled function in the cache: its name, prefixed by the
/// target when that is not the CPU.

/// An error from differentiating or compiling, with the names of the
/// functions zad generated replaced by what they are to the user.
fn user_terms(error: Error) -> Error {
    error.map_message(naming::in_user_terms)
}

/// One activity per argument of `primal`.
fn check_activity_count(primal: &Signature, activity: &[Activity]) -> Result<()> {
    if activity.len() != primal.inputs.len() {
        return Err(Error::Signature(format!(
            "{} takes {} arguments {}, but {} activities were given (one per argument)",
            primal.naming.subject(),
            primal.inputs.len(),
            primal.describe(),
            activity.len()
        )));
    }
    Ok(())
}

/// Whether `activity` fits the arguments of `primal`: one entry per
/// argument, 'active' for float scalars, 'dup' for float memrefs.
fn check_activity(primal: &Signature, activity: &[Activity]) -> Result<()> {
    let naming = &primal.naming;
    check_activity_count(primal, activity)?;
    for (position, (kind, ty)) in activity.iter().zip(&primal.inputs).enumerate() {
        let fits = match kind {
            Activity::Const => true,
            Activity::Active => matches!(ty, ParamType::Scalar(scalar) if scalar.is_float()),
            Activity::Dup => matches!(ty, ParamType::MemRef(_)),
        };
        if !fits {
            return Err(Error::Signature(format!(
                "{}: {} has type {ty} and cannot be '{}' ('active' is for float scalars, 'dup' for float memrefs)",
                naming.subject(),
                naming.argument(position),
                kind.name()
            )));
        }
    }
    Ok(())
}

/// Forward mode's activity: 'active' (what a gradient asks of a float
/// scalar) means 'dup' there, so that one activity list serves both modes.
fn tangent_activity(activity: &[Activity]) -> Vec<Activity> {
    activity.iter().map(|&kind| if kind == Activity::Active { Activity::Dup } else { kind }).collect()
}

/// Whether `activity` (after `tangent_activity`) fits the arguments of
/// `primal` in forward mode: one entry per argument, 'dup' only for float
/// scalars and float memrefs.
fn check_tangent_activity(primal: &Signature, activity: &[Activity]) -> Result<()> {
    let naming = &primal.naming;
    check_activity_count(primal, activity)?;
    for (position, (kind, ty)) in activity.iter().zip(&primal.inputs).enumerate() {
        let float = match ty {
            ParamType::Scalar(scalar) => scalar.is_float(),
            ParamType::MemRef(memref) => memref.element.is_float(),
        };
        if *kind == Activity::Dup && !float {
            return Err(Error::Signature(format!(
                "{}: {} has type {ty} and cannot have a tangent ('dup' is for float scalars and float memrefs; \
                 make it 'const')",
                naming.subject(),
                naming.argument(position),
            )));
        }
    }
    Ok(())
}

/// How the tangent of `primal` with `activity` and `width` names its
/// parameters: the user's arguments, each `dup` one followed by its `width`
/// tangents; it returns the user's results, then `width` tangents per
/// float result.
fn tangent_naming(primal: &Signature, activity: &[Activity], width: usize) -> Naming {
    let mut inputs = Vec::new();
    for (position, kind) in activity.iter().enumerate() {
        inputs.push(Input::Argument(position));
        if *kind == Activity::Dup {
            inputs.extend((0..width).map(|lane| Input::Tangent(position, lane)));
        }
    }
    let mut outputs: Vec<Output> = (0..primal.results.len()).map(Output::Result).collect();
    for (result, ty) in primal.results.iter().enumerate() {
        if matches!(ty, ParamType::Scalar(scalar) if scalar.is_float()) {
            outputs.extend((0..width).map(|lane| Output::Tangent(result, lane)));
        }
    }
    Naming { derivative: Derivative::Tangent { width }, inputs, outputs, ..primal.naming.clone() }
}

/// How the gradient of `primal` with `activity` names its parameters: the
/// user's arguments, each `dup` one followed by its shadow, then a seed per
/// float result; it returns the user's results, then the gradient of each
/// `active` argument.
fn gradient_naming(primal: &Signature, activity: &[Activity]) -> Naming {
    let mut inputs = Vec::new();
    for (position, kind) in activity.iter().enumerate() {
        inputs.push(Input::Argument(position));
        if *kind == Activity::Dup {
            inputs.push(Input::Shadow(position));
        }
    }
    let float_results = primal.results.iter().enumerate().filter(|(_, ty)| matches!(ty, ParamType::Scalar(s) if s.is_float()));
    inputs.extend(float_results.map(|(result, _)| Input::Seed(result)));
    let mut outputs: Vec<Output> = (0..primal.results.len()).map(Output::Result).collect();
    outputs.extend(activity.iter().enumerate().filter(|(_, kind)| **kind == Activity::Active).map(|(position, _)| Output::Gradient(position)));
    Naming { derivative: Derivative::Gradient, inputs, outputs, ..primal.naming.clone() }
}

/// How the Hessian-vector product of `primal` names its parameters (see
/// [`Module::hvp`]).
fn hvp_naming(primal: &Signature, activity: &[Activity]) -> Naming {
    let mut inputs = Vec::new();
    for (position, kind) in activity.iter().enumerate() {
        inputs.push(Input::Argument(position));
        match kind {
            Activity::Const => {}
            Activity::Active => inputs.push(Input::Direction(position)),
            Activity::Dup => inputs.extend([Input::Shadow(position), Input::Direction(position), Input::HvpBuffer(position)]),
        }
    }
    let active: Vec<usize> =
        activity.iter().enumerate().filter(|(_, kind)| **kind == Activity::Active).map(|(position, _)| position).collect();
    let mut outputs: Vec<Output> = (0..primal.results.len()).map(Output::Result).collect();
    outputs.extend(active.iter().map(|&position| Output::Gradient(position)));
    outputs.extend(active.iter().map(|&position| Output::Hvp(position)));
    Naming { derivative: Derivative::Hvp, inputs, outputs, ..primal.naming.clone() }
}

/// Parses `source` into a module (explicit `module { ... }` or bare
/// top-level ops) whose locations name `source_name`.
///
/// MLIR's C API names the buffer "-" and only wraps bare ops in a module
/// when parsing a module; so parse that way, then give every operation's
/// location its real file name.
fn parse_module(
    context: &'static melior::Context,
    source: &str,
    source_name: &str,
) -> Option<melior::ir::Module<'static>> {
    // SAFETY: the context is valid and the string ref lives across the call;
    // the returned module (possibly null) is owned by us.
    let raw = unsafe { mlir_sys::mlirModuleCreateParse(context.to_raw(), StringRef::new(source).to_raw()) };
    // SAFETY: `raw` is null or a module we own.
    let mut module = unsafe { melior::ir::Module::from_option_raw(raw) }?;
    module.as_operation_mut().walk_mut(WalkOrder::PreOrder, |mut operation| {
        let location = operation.location();
        if location.is_file_line_col_range()
            && location.file_line_col_range_filename().as_string_ref().as_str() == Ok(UNNAMED_BUFFER)
        {
            let renamed = Location::new(
                context,
                source_name,
                location.file_line_col_range_start_line(),
                location.file_line_col_range_start_column(),
            );
            operation.set_location(renamed);
        }
        WalkResult::Advance
    });
    Some(module)
}


/// Every `func.func` with a body, by symbol name.
pub(crate) fn defined_function_ops<'c, 'a>(
    ir: &'a melior::ir::Module<'c>,
) -> Vec<(String, OperationRef<'c, 'a>)> {
    let mut functions = Vec::new();
    let mut next = ir.body().first_operation();
    while let Some(operation) = next {
        if operation.name().as_string_ref().as_str() == Ok("func.func")
            && operation.region(0).is_ok_and(|region| region.first_block().is_some())
            && let Some(name) = symbol_name(&operation)
        {
            functions.push((name, operation));
        }
        next = operation.next_in_block();
    }
    functions
}

/// Whether any op named `name` occurs in `ir`.
fn contains_op(ir: &melior::ir::Module, name: &str) -> bool {
    let mut found = false;
    ir.as_operation().walk(WalkOrder::PreOrder, |operation| {
        found = operation.name().as_string_ref().as_str() == Ok(name);
        if found { WalkResult::Interrupt } else { WalkResult::Advance }
    });
    found
}

pub(crate) use crate::mlir::symbol_name;

pub(crate) fn find_function<'c, 'a>(
    ir: &'a melior::ir::Module<'c>,
    name: &str,
) -> Result<OperationRef<'c, 'a>> {
    let functions = defined_function_ops(ir);
    if let Some((_, function)) = functions.iter().find(|(candidate, _)| candidate == name) {
        return Ok(*function);
    }
    let known = functions.iter().map(|(name, _)| format!("@{name}")).collect::<Vec<_>>();
    Err(Error::NotFound(if known.is_empty() {
        format!("no function @{name}: the module defines no functions")
    } else {
        format!("no function @{name} in the module (it defines {})", known.join(", "))
    }))
}

fn function_signature(function: &OperationRef, name: &str) -> Result<Signature> {
    let ty = function
        .attribute("function_type")
        .ok()
        .and_then(|attribute| TypeAttribute::try_from(attribute).ok())
        .and_then(|attribute| FunctionType::try_from(attribute.value()).ok())
        .ok_or_else(|| Error::Internal(format!("@{name} has no function type")))?;
    let mut signature = Signature::from_function_type(name, ty)?;
    // Arguments marked {zad.contiguous} (see `signature::MemRef`).
    if let Some(attributes) = function.attribute("arg_attrs").ok().and_then(|a| ArrayAttribute::try_from(a).ok()) {
        let marked = (0..attributes.len())
            .filter(|&i| attributes.element(i).is_ok_and(|a| a.to_string().contains("zad.contiguous")));
        signature.require_contiguous(marked);
    }
    Ok(signature)
}
