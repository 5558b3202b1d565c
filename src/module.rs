//! A parsed and verified MLIR module, and the compiled functions it yields.

use crate::{
    context::{Context, Shared},
    error::{Error, Result},
    exec::{CompiledFunction, Engine},
    lower::{self, Stage},
    signature::Signature,
};
use crate::context::UNNAMED_BUFFER;
use melior::{
    StringRef,
    ir::{
        BlockLike, Location, OperationRef, RegionLike,
        attribute::{StringAttribute, TypeAttribute},
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
}

struct ModuleState {
    ir: ManuallyDrop<melior::ir::Module<'static>>,
    engine: Option<Arc<Engine>>,
    functions: HashMap<String, CompiledFunction>,
}

impl Drop for Module {
    fn drop(&mut self) {
        let _guard = self.shared.lock();
        // SAFETY: `ir` is never used again; it is destroyed under the context
        // lock while `shared` (which owns the context) is still alive.
        unsafe { ManuallyDrop::drop(&mut self.state.get_mut().ir) };
    }
}

impl Module {
    /// Parses and verifies MLIR text. `source_name` is the file name that
    /// locations in messages carry.
    pub fn parse(context: &Context, source: &str, source_name: &str) -> Result<Module> {
        let shared = context.shared.clone();
        let _guard = shared.lock();
        shared.take_diagnostics();
        let ir = shared
            .parsing(source_name, || parse_module(shared.mlir(), source, source_name))
            .ok_or_else(|| Error::Parse(shared.diagnostic_message(&format!("{source_name}: failed to parse MLIR"))))?;
        if !ir.as_operation().verify() {
            return Err(Error::Verify(shared.diagnostic_message(&format!("{source_name}: MLIR verification failed"))));
        }
        Ok(Module {
            state: Mutex::new(ModuleState {
                ir: ManuallyDrop::new(ir),
                engine: None,
                functions: HashMap::new(),
            }),
            shared: shared.clone(),
        })
    }

    /// Reads and parses an MLIR file.
    pub fn load(context: &Context, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let source = std::fs::read_to_string(path)
            .map_err(|error| Error::Io(format!("{}: cannot read: {error}", path.display())))?;
        Module::parse(context, &source, &path.display().to_string())
    }

    /// The module as MLIR text.
    pub fn to_text(&self) -> String {
        let _guard = self.shared.lock();
        self.state.lock().ir.as_operation().to_string()
    }

    /// The ABI signature of function `name`.
    pub fn signature(&self, name: &str) -> Result<Signature> {
        let _guard = self.shared.lock();
        let state = self.state.lock();
        let function = find_function(&state.ir, name)?;
        function_signature(&function, name)
    }

    /// The names of the functions defined (with a body) in the module.
    pub fn function_names(&self) -> Vec<String> {
        let _guard = self.shared.lock();
        let state = self.state.lock();
        defined_functions(&state.ir).into_iter().map(|(name, _)| name).collect()
    }

    /// The compiled function `name`. The first call lowers and JIT-compiles
    /// the whole module; later calls, for any function, reuse that engine.
    pub fn function(&self, name: &str) -> Result<CompiledFunction> {
        let _guard = self.shared.lock();
        let mut state = self.state.lock();
        if let Some(function) = state.functions.get(name) {
            return Ok(function.clone());
        }
        let signature = {
            let function = find_function(&state.ir, name)?;
            function_signature(&function, name)?
        };
        let engine = match &state.engine {
            Some(engine) => engine.clone(),
            None => {
                let engine = Arc::new(Engine::compile(&self.shared, &state.ir)?);
                state.engine = Some(engine.clone());
                engine
            }
        };
        let function = CompiledFunction::new(engine, signature)?;
        state.functions.insert(name.to_string(), function.clone());
        Ok(function)
    }

    /// The module's IR at `stage`, as text.
    pub fn emit(&self, stage: Stage) -> Result<String> {
        let _guard = self.shared.lock();
        let state = self.state.lock();
        lower::emit(&self.shared, &state.ir, stage)
    }

    /// How many times this module has been JIT-compiled (0 or 1).
    pub fn compile_count(&self) -> usize {
        usize::from(self.state.lock().engine.is_some())
    }
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
fn defined_functions<'c, 'a>(
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

pub(crate) fn symbol_name(operation: &OperationRef) -> Option<String> {
    let attribute = operation.attribute("sym_name").ok()?;
    let name = StringAttribute::try_from(attribute).ok()?;
    Some(name.value().to_string())
}

pub(crate) fn find_function<'c, 'a>(
    ir: &'a melior::ir::Module<'c>,
    name: &str,
) -> Result<OperationRef<'c, 'a>> {
    let functions = defined_functions(ir);
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
    Signature::from_function_type(name, ty)
}
