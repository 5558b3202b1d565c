//! From flang's FIR (structured by `prepare`) to the func/scf/memref/arith/
//! math kernels zad differentiates.
//!
//! Each Fortran procedure becomes one `func.func` named by its Fortran name:
//! arrays are memrefs in Fortran index order and layout, `intent(in)`
//! scalars are passed by value, scalars the procedure writes are 0-d
//! memrefs, a function's value is the result. Calls to the procedures of
//! the file are inlined (Fortran passes by reference; inlining keeps that
//! exact without materialising addresses), local scalars are promoted to
//! SSA values carried through loops and branches, and DO loops become
//! plain `scf.for` over an index.

mod arrays;
mod build;
mod calls;
mod control;
mod ops;
mod signature;
mod values;
mod widen;

use super::{directives::LoopDirective, fir_type::FirType, names, prepare};
use crate::context::describe_location;
use melior::{
    Context,
    ir::{
        Block, BlockLike, BlockRef, Identifier, Location, Module, OperationRef, Region, RegionLike, Value,
        attribute::{DenseI32ArrayAttribute, StringAttribute, TypeAttribute},
        operation::{OperationBuilder, OperationLike, OperationMutLike, OperationPrintingFlags},
        r#type::FunctionType,
    },
    pass::PassManager,
    utility::parse_pass_pipeline,
};
use std::{
    cell::RefCell,
    collections::{HashMap, HashSet},
    fmt,
};
use values::{Abstract, VarId, VarState};

/// Why a procedure (or a construct in it) cannot be converted.
#[derive(Clone, Debug)]
pub struct Failure {
    /// `file:line:col` of the construct.
    pub at: String,
    pub message: String,
}

impl Failure {
    pub fn new(location: Location, message: impl Into<String>) -> Failure {
        Failure { at: describe_location(location, ""), message: message.into() }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error: {}", self.at, self.message)
    }
}

type Result<T> = std::result::Result<T, Failure>;

/// A converted (or not) Fortran procedure.
#[derive(Clone, Debug)]
pub struct Procedure {
    pub name: names::ProcedureName,
    /// The name of its `func.func`.
    pub symbol: String,
    /// Why it could not be converted.
    pub failure: Option<String>,
}

/// The generated module as MLIR text, and what became of each procedure.
pub struct Converted {
    pub text: String,
    pub procedures: Vec<Procedure>,
}

pub fn op_name(operation: &OperationRef) -> String {
    operation.name().as_string_ref().as_str().unwrap_or_default().to_string()
}

/// The sizes of an op's operand segments (`operandSegmentSizes`), or one
/// segment of all operands.
pub fn segment_sizes(operation: &OperationRef) -> Vec<usize> {
    operation
        .attribute("operandSegmentSizes")
        .ok()
        .and_then(|a| DenseI32ArrayAttribute::try_from(a).ok())
        .map(|a| (0..a.len()).filter_map(|i| a.element(i).ok()).map(|n| n as usize).collect())
        .unwrap_or_else(|| vec![operation.operand_count()])
}

/// An op's operands, split into its segments.
pub fn segments<'c, 'a>(operation: &OperationRef<'c, 'a>) -> Vec<Vec<Value<'c, 'a>>> {
    let operands: Vec<Value> = operation.operands().collect();
    let mut at = 0;
    segment_sizes(operation)
        .into_iter()
        .map(|size| {
            let segment = operands[at.min(operands.len())..(at + size).min(operands.len())].to_vec();
            at += size;
            segment
        })
        .collect()
}

/// A string attribute's value.
pub fn string_attribute(operation: &OperationRef, name: &str) -> Option<String> {
    StringAttribute::try_from(operation.attribute(name).ok()?).ok().map(|a| a.value().to_string())
}

/// The FIR type of a value.
pub fn fir_type(value: Value) -> FirType {
    FirType::parse(&melior::ir::ValueLike::r#type(&value).to_string())
}

/// The FIR module's procedures and globals by symbol.
pub struct Program<'c, 'f> {
    pub functions: HashMap<String, OperationRef<'c, 'f>>,
    pub globals: HashMap<String, OperationRef<'c, 'f>>,
    pub skipped: HashMap<String, Failure>,
    /// Globals already defined in the output module.
    emitted: RefCell<HashSet<String>>,
    /// Which arguments of a procedure it may write, by symbol.
    written: RefCell<HashMap<String, Vec<bool>>>,
}

impl<'c, 'f> Program<'c, 'f> {
    fn new(fir: &'f Module<'c>, skipped: HashMap<String, Failure>) -> Self {
        let mut functions = HashMap::new();
        let mut globals = HashMap::new();
        let mut next = fir.body().first_operation();
        while let Some(operation) = next {
            let symbol = prepare::symbol_of(&operation);
            match op_name(&operation).as_str() {
                "func.func" if operation.region(0).is_ok_and(|r| r.first_block().is_some()) => {
                    functions.insert(symbol, operation);
                }
                "fir.global" => {
                    globals.insert(symbol, operation);
                }
                _ => {}
            }
            next = operation.next_in_block();
        }
        Program {
            functions,
            globals,
            skipped,
            emitted: RefCell::new(HashSet::new()),
            written: RefCell::new(HashMap::new()),
        }
    }
}

/// A promoted variable.
#[derive(Clone, Debug)]
pub struct VarInfo {
    /// Its Fortran name, for messages.
    pub name: String,
    pub kind: VarKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum VarKind {
    Scalar(super::fir_type::Scalar),
    Allocatable { element: super::fir_type::Scalar, rank: usize },
}

/// The FIR values of one procedure body being converted (a procedure
/// inlined at a call has a frame of its own).
struct Frame<'c, 'm> {
    symbol: String,
    values: HashMap<usize, Abstract<'c, 'm>>,
    vars: Vec<VarId>,
}

/// Converts one procedure: the state of the walk over its FIR.
pub(super) struct Translator<'c, 'm, 'f> {
    context: &'c Context,
    program: &'f Program<'c, 'f>,
    module_body: BlockRef<'c, 'm>,
    /// Where ops are inserted.
    block: BlockRef<'c, 'm>,
    position: arrays::Position<'c, 'm>,
    /// The function's entry block, and the last op hoisted into it.
    entry: BlockRef<'c, 'm>,
    hoisted: Option<OperationRef<'c, 'm>>,
    frames: Vec<Frame<'c, 'm>>,
    vars: Vec<VarInfo>,
    env: Vec<Option<VarState<'c, 'm>>>,
    tuples: Vec<Vec<Option<Abstract<'c, 'm>>>>,
    /// Buffers to free at the end of each open region.
    scopes: Vec<Vec<Value<'c, 'm>>>,
    /// `memref.get_global` of each global used, in the entry block.
    global_storage: HashMap<String, values::Storage<'c, 'm>>,
    /// One-dimensional views of buffers (sequence association).
    linear: HashMap<usize, Value<'c, 'm>>,
    directives: &'f [LoopDirective],
    /// The source file's name as locations show it.
    source: &'f str,
    attached: &'f RefCell<HashSet<usize>>,
    /// Scalars written back to their 0-d memref arguments on return.
    writebacks: Vec<(VarId, Value<'c, 'm>)>,
    /// Array arguments read as one sequence (sequence association), which
    /// callers must pass contiguous.
    contiguous_arguments: HashSet<usize>,
    /// While a DO CONCURRENT is converted: the first variable made inside
    /// it (its index variables are its own, one per iteration).
    concurrent_locals: usize,
}

/// Converts the structured FIR module `fir` (see `prepare`). `directives`
/// are the source's `!$zad` directives; `skipped` the procedures `prepare`
/// set aside.
pub fn convert(
    context: &Context,
    fir: &Module,
    skipped: HashMap<String, Failure>,
    directives: &[LoopDirective],
    source: &str,
    diagnostics: impl Fn() -> String,
) -> std::result::Result<Converted, String> {
    let program = Program::new(fir, skipped);
    let output = Module::new(Location::unknown(context));
    let attached = RefCell::new(HashSet::new());
    let mut exported: Vec<(String, names::ProcedureName)> = Vec::new();
    let mut symbols: Vec<&String> = program.functions.keys().chain(program.skipped.keys()).collect();
    symbols.sort();
    symbols.dedup();
    for symbol in symbols {
        if let Some(name) = names::procedure(symbol)
            && !name.internal
            && !symbol.starts_with("_QQ")
        {
            exported.push((symbol.clone(), name));
        }
    }
    let mut procedures = Vec::new();
    for (symbol, name) in &exported {
        let clashes = exported.iter().filter(|(_, other)| other.name == name.name).count() > 1;
        let out_symbol = match (&name.module, clashes) {
            (Some(module), true) => format!("{module}.{}", name.name),
            _ => name.name.clone(),
        };
        let failure = match (program.skipped.get(symbol), program.functions.get(symbol)) {
            (Some(failure), _) => Some(failure.clone()),
            (None, Some(function)) => {
                let mut translator = Translator::new(context, &program, &output, directives, source, &attached);
                translator.procedure(*function, &out_symbol, name).err()
            }
            (None, None) => None,
        };
        procedures.push(Procedure {
            name: name.clone(),
            symbol: out_symbol,
            failure: failure.map(|f| format!("{f} (in {})", name.qualified())),
        });
    }
    // Remove what failed half-way.
    for procedure in procedures.iter().filter(|p| p.failure.is_some()) {
        let mut next = output.body().first_operation();
        while let Some(operation) = next {
            next = operation.next_in_block();
            if prepare::symbol_of(&operation) == procedure.symbol {
                super::mlir::erase(operation);
            }
        }
    }
    if procedures.iter().all(|p| p.failure.is_none()) {
        let attached = attached.borrow();
        if let Some(directive) = directives.iter().find(|d| !attached.contains(&d.line)) {
            return Err(format!(
                "line {}: error: !$zad directive: the DO loop at line {} is not a loop of any converted procedure",
                directive.line, directive.loop_line
            ));
        }
    }
    let mut output = output;
    if !output.as_operation().verify() {
        return Err(format!("zad generated invalid MLIR from the Fortran (please report): {}", diagnostics()));
    }
    let simplify = |output: &mut Module, pipeline: &str| {
        let manager = PassManager::new(context);
        parse_pass_pipeline(manager.as_operation_pass_manager(), pipeline)
            .map_err(|error| format!("bad pass pipeline: {error}"))?;
        manager.run(output).map_err(|_| format!("simplifying the converted Fortran failed: {}", diagnostics()))
    };
    // Canonicalisation drops what loops and branches carry unchanged; then
    // subscripts become index arithmetic, which is simplified again.
    simplify(&mut output, "builtin.module(func.func(canonicalize,cse))")?;
    widen::widen_indices(context, &output);
    simplify(&mut output, "builtin.module(func.func(canonicalize,cse),symbol-dce)")?;
    let text = output
        .as_operation()
        .to_string_with_flags(OperationPrintingFlags::new().enable_debug_info(true, false))
        .map_err(|error| format!("cannot print the converted module: {error}"))?;
    Ok(Converted { text, procedures })
}

impl<'c, 'm, 'f> Translator<'c, 'm, 'f> {
    fn new(
        context: &'c Context,
        program: &'f Program<'c, 'f>,
        output: &'m Module<'c>,
        directives: &'f [LoopDirective],
        source: &'f str,
        attached: &'f RefCell<HashSet<usize>>,
    ) -> Self {
        let body = output.body();
        Translator {
            context,
            program,
            module_body: body,
            block: body,
            position: arrays::Position::End,
            entry: body,
            hoisted: None,
            frames: Vec::new(),
            vars: Vec::new(),
            env: Vec::new(),
            tuples: Vec::new(),
            scopes: Vec::new(),
            global_storage: HashMap::new(),
            linear: HashMap::new(),
            directives,
            source,
            attached,
            writebacks: Vec::new(),
            contiguous_arguments: HashSet::new(),
            concurrent_locals: usize::MAX,
        }
    }

    /// Converts `function` into a new `func.func @symbol`.
    fn procedure(&mut self, function: OperationRef<'c, 'f>, symbol: &str, name: &names::ProcedureName) -> Result<()> {
        let location = function.location();
        let entry_fir = function.region(0).expect("a body").first_block().expect("an entry block");
        let plans = signature::plan(self, &function, name)?;
        let results = signature::results(&function)?;
        let inputs: Vec<_> = plans.iter().map(|plan| plan.mlir_type(self)).collect();
        let result_types: Vec<_> = results.iter().map(|&scalar| self.ty(scalar)).collect();
        let function_type = FunctionType::new(self.context, &inputs, &result_types);
        let region = Region::new();
        region.append_block(Block::new(&inputs.iter().map(|&ty| (ty, location)).collect::<Vec<_>>()));
        let func = OperationBuilder::new("func.func", location)
            .add_attributes(&[
                (Identifier::new(self.context, "sym_name"), StringAttribute::new(self.context, symbol).into()),
                (Identifier::new(self.context, "function_type"), TypeAttribute::new(function_type.into()).into()),
            ])
            .add_regions([region])
            .build()
            .expect("func.func");
        let func = self.module_body.append_operation(func);
        let entry = func.region(0).expect("body").first_block().expect("entry");
        self.block = entry;
        self.entry = entry;
        self.frames.push(Frame { symbol: prepare::symbol_of(&function), values: HashMap::new(), vars: Vec::new() });
        self.scopes.push(Vec::new());
        for (index, plan) in plans.iter().enumerate() {
            let fir_argument: Value = entry_fir.argument(index).expect("argument").into();
            let argument: Value = entry.argument(index).expect("argument").into();
            let value = self.bind_argument(plan, argument, location);
            self.set(fir_argument, value);
        }
        let terminator = self.block_ops(entry_fir)?;
        let returned = self.operands(&terminator)?;
        for (var, memref) in self.writebacks.clone() {
            if let Some(VarState::Scalar(value)) = self.env[var].clone() {
                self.op0("memref.store", &[value, memref], location);
            }
        }
        self.close_scope(location);
        let returned: Vec<Value> = returned.iter().map(|value| self.scalar(value, terminator.location())).collect::<Result<_>>()?;
        self.op0("func.return", &returned, terminator.location());
        if !self.contiguous_arguments.is_empty() {
            let attributes: Vec<&str> =
                (0..plans.len()).map(|i| if self.contiguous_arguments.contains(&i) { "{zad.contiguous}" } else { "{}" }).collect();
            let attribute = melior::ir::Attribute::parse(self.context, &format!("[{}]", attributes.join(", "))).expect("arg_attrs");
            let mut next = self.module_body.first_operation_mut();
            while let Some(mut operation) = next {
                if operation.to_raw().ptr == func.to_raw().ptr {
                    operation.set_attribute("arg_attrs", attribute);
                }
                next = operation.next_in_block_mut();
            }
        }
        Ok(())
    }

    /// The abstract value of a FIR value in the current frame.
    fn get(&self, value: Value<'c, 'f>) -> Option<&Abstract<'c, 'm>> {
        self.frames.last().and_then(|frame| frame.values.get(&super::mlir::key(value)))
    }

    fn set(&mut self, value: Value<'c, 'f>, abstract_value: Abstract<'c, 'm>) {
        let frame = self.frames.last_mut().expect("a frame");
        frame.values.insert(super::mlir::key(value), abstract_value);
    }

    /// The abstract value of operand-like `value`, which must be known.
    fn lookup(&self, value: Value<'c, 'f>, location: Location<'c>) -> Result<Abstract<'c, 'm>> {
        self.get(value).cloned().ok_or_else(|| {
            Failure::new(location, format!("internal error: a value of type {} was not converted", fir_type(value)))
        })
    }

    /// The abstract values of every operand of `operation`.
    fn operands(&self, operation: &OperationRef<'c, 'f>) -> Result<Vec<Abstract<'c, 'm>>> {
        operation.operands().map(|operand| self.lookup(operand, operation.location())).collect()
    }

    /// An abstract value that must be a scalar.
    fn scalar(&self, value: &Abstract<'c, 'm>, location: Location<'c>) -> Result<Value<'c, 'm>> {
        match value {
            Abstract::Scalar(value) => Ok(*value),
            Abstract::Unsupported(why) => Err(Failure::new(location, why.clone())),
            other => Err(Failure::new(location, format!("internal error: expected a scalar, got {}", describe(other)))),
        }
    }

    /// A new promoted variable, with an initial value.
    fn new_var(&mut self, name: String, kind: VarKind, initial: VarState<'c, 'm>) -> VarId {
        let id = self.vars.len();
        self.vars.push(VarInfo { name, kind });
        self.env.push(Some(initial));
        if let Some(frame) = self.frames.last_mut() {
            frame.vars.push(id);
        }
        id
    }

    /// Frees the buffers allocated in the innermost open region.
    fn close_scope(&mut self, location: Location<'c>) {
        for memref in self.scopes.pop().unwrap_or_default().into_iter().rev() {
            self.op0("memref.dealloc", &[memref], location);
        }
    }

    /// Converts the ops of `block` but its terminator, which it returns.
    fn block_ops(&mut self, block: BlockRef<'c, 'f>) -> Result<OperationRef<'c, 'f>> {
        let mut next = block.first_operation();
        while let Some(operation) = next {
            next = operation.next_in_block();
            if next.is_none() {
                return Ok(operation);
            }
            self.operation(operation)?;
        }
        Err(Failure::new(Location::unknown(self.context), "internal error: an empty block"))
    }

    /// The directive for a loop at `location`, marking it used.
    fn directive_at(&self, location: Location<'c>) -> Option<LoopDirective> {
        let at = describe_location(location, "");
        let (file, rest) = at.split_once(':')?;
        if file != self.source {
            return None;
        }
        let line: usize = rest.split(':').next()?.parse().ok()?;
        let directive = self.directives.iter().find(|d| d.loop_line == line).copied()?;
        self.attached.borrow_mut().insert(directive.line);
        Some(directive)
    }
}

/// A short description of an abstract value, for internal errors.
fn describe(value: &Abstract) -> &'static str {
    match value {
        Abstract::Scalar(_) => "a scalar",
        Abstract::Var(_) => "a variable",
        Abstract::Place(_) => "an array element",
        Abstract::Storage(_) | Abstract::View(_) => "an array",
        Abstract::Allocatable(_) => "an allocatable",
        Abstract::Unallocated => "an unallocated array",
        Abstract::Address(_) => "an address",
        Abstract::Shape(_) => "a shape",
        Abstract::Slice(_) => "a slice",
        Abstract::Tuple(_) | Abstract::TupleSlot(..) => "a host-association tuple",
        Abstract::Nothing => "nothing",
        Abstract::Unsupported(_) => "an unsupported value",
    }
}
