//! From the LLVM dialect to func/cf/arith/math/memref, one C function at a
//! time, as MLIR text: `llvm.func`/`br`/`cond_br`/`return` become
//! `func.func`/`cf.br`/`cf.cond_br`/`func.return` (lifted to `scf` later,
//! see `lift`), arithmetic becomes `arith` and `math`, math.h calls become
//! `math` ops, calls to the file's functions `func.call`, and loads and
//! stores through raised addresses (`address`) `memref.load`/`store`.
//! Anything else is refused with its `file:line:col`.

use super::{
    address::{Address, Term},
    llvm::{self, Failure, op_name},
    signature::{Interface, ParameterKind},
};
use melior::ir::{
    BlockLike, BlockRef, OperationRef, RegionLike, Value, ValueLike,
    attribute::DenseI32ArrayAttribute,
    operation::OperationLike,
};
use std::{collections::HashMap, fmt::Write};

/// What an LLVM value became.
#[derive(Clone, Debug)]
enum Converted {
    Scalar { name: String, ty: String },
    Address(Address),
    /// A value zad cannot represent; using it is refused with this reason.
    Refused(Failure),
}

type Result<T> = std::result::Result<T, Failure>;

fn key<'c>(value: impl ValueLike<'c>) -> usize {
    value.to_raw().ptr as usize
}

fn block_key(block: &BlockRef) -> usize {
    block.to_raw().ptr as usize
}

/// `loc("file":line:col)` for an op, or nothing where it has none.
fn location(op: &OperationRef) -> String {
    match source_position(op) {
        Some((file, line, column)) => format!(" loc({file:?}:{line}:{column})"),
        None => String::new(),
    }
}

/// The source position of an op: none where it has no file location, or
/// line 0 (code the compiler made up).
fn source_position(op: &OperationRef) -> Option<(String, usize, usize)> {
    crate::mlir::file_line_col(op.location()).filter(|(_, line, _)| *line > 0)
}

/// The function `function` (an `llvm.func` with a body) as a `func.func`
/// in the cf form.
pub fn function(function: &OperationRef, interface: &Interface, interfaces: &HashMap<String, Interface>) -> Result<String> {
    let region = function.region(0).expect("a body");
    let entry = region.first_block().expect("an entry block");
    let mut emitter = Emitter {
        out: String::new(),
        values: HashMap::new(),
        constants: HashMap::new(),
        scaled: HashMap::new(),
        blocks: HashMap::new(),
        next: 0,
        interfaces,
        single_exit: false,
    };
    let mut returns = 0;
    llvm::for_each_op(function, &mut |op| returns += usize::from(op_name(op) == "llvm.return"));
    emitter.single_exit = returns > 1;

    let mut parameters = Vec::new();
    for (index, parameter) in interface.parameters.iter().enumerate() {
        let argument = entry.argument(index).expect("argument");
        let name = format!("%{}", parameter.name);
        let ty = parameter.mlir_type();
        parameters.push(format!("{name}: {ty}"));
        let converted = match &parameter.kind {
            ParameterKind::Scalar(ty) => Converted::Scalar { name, ty: ty.clone() },
            ParameterKind::Pointer { element, .. } => {
                let element = element.clone().unwrap_or_else(|| "f64".into());
                // zad passes arrays of floats across its ABI (integer
                // arrays would have no way in).
                let Some(size) = llvm::size_of(&element).filter(|_| matches!(element.as_str(), "f64" | "f32")) else {
                    return Err(Failure::new(
                        function.location(),
                        format!(
                            "parameter {} points to {}: zad raises pointers to arrays of double or float (pass \
                             integer data as scalars, or as doubles)",
                            parameter.name,
                            llvm::describe_type(&element)
                        ),
                    ));
                };
                Converted::Address(Address::base(name, ty, element, size, parameter.name.clone()))
            }
        };
        emitter.values.insert(key(argument), converted);
    }

    // Blocks in reverse post-order, so that every value is converted before
    // its uses (block arguments are named up front).
    let order = reverse_post_order(entry);
    for (index, block) in order.iter().enumerate() {
        emitter.blocks.insert(block_key(block), index);
    }
    for block in order.iter().skip(1) {
        for index in 0..block.argument_count() {
            let argument = block.argument(index).expect("argument");
            let ty = argument.r#type().to_string();
            if !is_scalar(&ty) {
                return Err(Failure::new(
                    block_location(block).unwrap_or_else(|| function.location()),
                    format!(
                        "{} that differs by the path taken (a pointer advanced in a loop, p++, or chosen by a \
                         branch): zad raises pointers indexed from a parameter or a local array (write u[i])",
                        llvm::describe_type(&ty)
                    ),
                ));
            }
            let name = emitter.fresh();
            emitter.values.insert(key(argument), Converted::Scalar { name, ty });
        }
    }
    for (index, block) in order.iter().enumerate() {
        if index > 0 {
            let arguments: Vec<String> = (0..block.argument_count())
                .map(|i| {
                    let argument = block.argument(i).expect("argument");
                    let (name, ty) = emitter.scalar_name(key(argument));
                    format!("{name}: {ty}")
                })
                .collect();
            let _ = writeln!(emitter.out, "  ^bb{index}({}):", arguments.join(", "));
        }
        let mut next = block.first_operation();
        while let Some(op) = next {
            emitter.operation(&op)?;
            next = op.next_in_block();
        }
    }
    if emitter.single_exit {
        let result = interface.result.as_deref();
        match result {
            Some(ty) => {
                let _ = writeln!(emitter.out, "  ^exit(%v.result: {ty}):\n    func.return %v.result : {ty}");
            }
            None => {
                let _ = writeln!(emitter.out, "  ^exit:\n    func.return");
            }
        }
    }
    let result = interface.result.as_ref().map(|ty| format!(" -> {ty}")).unwrap_or_default();
    Ok(format!(
        "func.func @{}({}){result} {{\n{}}}{}\n",
        interface.name,
        parameters.join(", "),
        emitter.out,
        location(function)
    ))
}

/// The location of the first op of `block` that has one.
fn block_location<'c>(block: &BlockRef<'c, '_>) -> Option<melior::ir::Location<'c>> {
    let mut next = block.first_operation();
    while let Some(op) = next {
        if source_position(&op).is_some() {
            return Some(op.location());
        }
        next = op.next_in_block();
    }
    None
}

fn reverse_post_order<'c, 'a>(entry: BlockRef<'c, 'a>) -> Vec<BlockRef<'c, 'a>> {
    let mut visited = std::collections::HashSet::new();
    let mut post = Vec::new();
    // (block, next successor to visit)
    let mut stack = vec![(entry, 0usize)];
    visited.insert(block_key(&entry));
    while let Some((block, next)) = stack.pop() {
        let terminator = block.terminator().or_else(|| {
            let mut last = block.first_operation()?;
            while let Some(following) = last.next_in_block() {
                last = following;
            }
            Some(last)
        });
        let successors = terminator.map_or(0, |t| t.successor_count());
        if next < successors {
            stack.push((block, next + 1));
            let successor = terminator.expect("terminator").successor(next).expect("successor");
            if visited.insert(block_key(&successor)) {
                stack.push((successor, 0));
            }
        } else {
            post.push(block);
        }
    }
    post.reverse();
    post
}

fn is_scalar(ty: &str) -> bool {
    matches!(ty, "f64" | "f32" | "i64" | "i32" | "i16" | "i8" | "i1")
}

fn is_float(ty: &str) -> bool {
    matches!(ty, "f64" | "f32")
}

struct Emitter<'i> {
    out: String,
    values: HashMap<usize, Converted>,
    /// Integer constants, by value.
    constants: HashMap<usize, i64>,
    /// Integers known to be another integer times a constant (`shl x, 3`,
    /// `mul x, 8`): byte offsets are scaled indices.
    scaled: HashMap<usize, (String, String, i64)>,
    blocks: HashMap<usize, usize>,
    next: usize,
    interfaces: &'i HashMap<String, Interface>,
    /// Several returns branch to one exit block.
    single_exit: bool,
}

/// Binary LLVM ops and their `arith` counterparts.
const BINARY: &[(&str, &str)] = &[
    ("llvm.fadd", "arith.addf"),
    ("llvm.fsub", "arith.subf"),
    ("llvm.fmul", "arith.mulf"),
    ("llvm.fdiv", "arith.divf"),
    ("llvm.frem", "arith.remf"),
    ("llvm.add", "arith.addi"),
    ("llvm.sub", "arith.subi"),
    ("llvm.mul", "arith.muli"),
    ("llvm.sdiv", "arith.divsi"),
    ("llvm.udiv", "arith.divui"),
    ("llvm.srem", "arith.remsi"),
    ("llvm.urem", "arith.remui"),
    ("llvm.and", "arith.andi"),
    ("llvm.or", "arith.ori"),
    ("llvm.xor", "arith.xori"),
    ("llvm.shl", "arith.shli"),
    ("llvm.lshr", "arith.shrui"),
    ("llvm.ashr", "arith.shrsi"),
    ("llvm.intr.smax", "arith.maxsi"),
    ("llvm.intr.smin", "arith.minsi"),
    ("llvm.intr.umax", "arith.maxui"),
    ("llvm.intr.umin", "arith.minui"),
    ("llvm.intr.maxnum", "arith.maxnumf"),
    ("llvm.intr.minnum", "arith.minnumf"),
    ("llvm.intr.maximum", "arith.maximumf"),
    ("llvm.intr.minimum", "arith.minimumf"),
    ("llvm.intr.pow", "math.powf"),
    ("llvm.intr.copysign", "math.copysign"),
];

const CASTS: &[(&str, &str)] = &[
    ("llvm.sext", "arith.extsi"),
    ("llvm.zext", "arith.extui"),
    ("llvm.trunc", "arith.trunci"),
    ("llvm.sitofp", "arith.sitofp"),
    ("llvm.uitofp", "arith.uitofp"),
    ("llvm.fptosi", "arith.fptosi"),
    ("llvm.fptoui", "arith.fptoui"),
    ("llvm.fpext", "arith.extf"),
    ("llvm.fptrunc", "arith.truncf"),
];

/// LLVM's float intrinsics of one operand and their `math` ops.
const UNARY_INTRINSICS: &[(&str, &str)] = &[
    ("llvm.intr.fabs", "math.absf"),
    ("llvm.intr.sqrt", "math.sqrt"),
    ("llvm.intr.sin", "math.sin"),
    ("llvm.intr.cos", "math.cos"),
    ("llvm.intr.tan", "math.tan"),
    ("llvm.intr.asin", "math.asin"),
    ("llvm.intr.acos", "math.acos"),
    ("llvm.intr.atan", "math.atan"),
    ("llvm.intr.sinh", "math.sinh"),
    ("llvm.intr.cosh", "math.cosh"),
    ("llvm.intr.tanh", "math.tanh"),
    ("llvm.intr.exp", "math.exp"),
    ("llvm.intr.exp2", "math.exp2"),
    ("llvm.intr.log", "math.log"),
    ("llvm.intr.log10", "math.log10"),
    ("llvm.intr.log2", "math.log2"),
    ("llvm.intr.floor", "math.floor"),
    ("llvm.intr.ceil", "math.ceil"),
    ("llvm.intr.trunc", "math.trunc"),
    ("llvm.intr.round", "math.round"),
    ("llvm.intr.roundeven", "math.roundeven"),
];

/// The math.h functions zad converts (double versions; the `f`-suffixed
/// float versions too), by their number of arguments, and the op each
/// becomes.
const MATH_LIBRARY: &[(&str, usize, &str)] = &[
    ("sin", 1, "math.sin"),
    ("cos", 1, "math.cos"),
    ("tan", 1, "math.tan"),
    ("asin", 1, "math.asin"),
    ("acos", 1, "math.acos"),
    ("atan", 1, "math.atan"),
    ("sinh", 1, "math.sinh"),
    ("cosh", 1, "math.cosh"),
    ("tanh", 1, "math.tanh"),
    ("asinh", 1, "math.asinh"),
    ("acosh", 1, "math.acosh"),
    ("atanh", 1, "math.atanh"),
    ("exp", 1, "math.exp"),
    ("exp2", 1, "math.exp2"),
    ("expm1", 1, "math.expm1"),
    ("log", 1, "math.log"),
    ("log10", 1, "math.log10"),
    ("log2", 1, "math.log2"),
    ("log1p", 1, "math.log1p"),
    ("sqrt", 1, "math.sqrt"),
    ("cbrt", 1, "math.cbrt"),
    ("erf", 1, "math.erf"),
    ("erfc", 1, "math.erfc"),
    ("fabs", 1, "math.absf"),
    ("floor", 1, "math.floor"),
    ("ceil", 1, "math.ceil"),
    ("trunc", 1, "math.trunc"),
    ("round", 1, "math.round"),
    ("pow", 2, "math.powf"),
    ("atan2", 2, "math.atan2"),
    ("fmax", 2, "arith.maxnumf"),
    ("fmin", 2, "arith.minnumf"),
    ("fmod", 2, "arith.remf"),
    ("copysign", 2, "math.copysign"),
    ("fma", 3, "math.fma"),
];

/// A math.h function by name: (arity, op, float type).
fn math_function(name: &str) -> Option<(usize, &'static str, &'static str)> {
    if let Some(&(_, arity, op)) = MATH_LIBRARY.iter().find(|(n, _, _)| *n == name) {
        return Some((arity, op, "f64"));
    }
    let double = name.strip_suffix('f')?;
    MATH_LIBRARY.iter().find(|(n, _, _)| *n == double).map(|&(_, arity, op)| (arity, op, "f32"))
}

const INTEGER_PREDICATES: [&str; 10] = ["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"];
const FLOAT_PREDICATES: [&str; 16] =
    ["false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge", "ult", "ule", "une", "uno", "true"];

/// Ops that carry no computation (debug information, lifetimes, hints).
const IGNORED: &[&str] = &[
    "llvm.intr.dbg.value",
    "llvm.intr.dbg.declare",
    "llvm.intr.dbg.label",
    "llvm.intr.lifetime.start",
    "llvm.intr.lifetime.end",
    "llvm.intr.assume",
    "llvm.intr.experimental.noalias.scope.decl",
];

impl Emitter<'_> {
    fn fresh(&mut self) -> String {
        self.next += 1;
        format!("%v.{}", self.next)
    }

    fn scalar_name(&self, value: usize) -> (String, String) {
        match self.values.get(&value) {
            Some(Converted::Scalar { name, ty }) => (name.clone(), ty.clone()),
            _ => ("%v.missing".into(), "none".into()),
        }
    }

    fn lookup(&self, value: Value, op: &OperationRef) -> Result<Converted> {
        match self.values.get(&key(value)) {
            // A refused value without a place of its own (a global's
            // address) is reported where it is used.
            Some(Converted::Refused(failure)) if failure.at == crate::mlir::UNKNOWN_LOCATION => {
                Err(Failure::new(op.location(), failure.message.clone()))
            }
            Some(Converted::Refused(failure)) => Err(failure.clone()),
            Some(converted) => Ok(converted.clone()),
            None => Err(Failure::new(op.location(), format!("internal error: `{}` uses a value zad has not converted", op_name(op)))),
        }
    }

    /// A scalar operand (name, type).
    fn scalar(&self, op: &OperationRef, index: usize) -> Result<(String, String)> {
        let value = op.operand(index).expect("operand");
        match self.lookup(value, op)? {
            Converted::Scalar { name, ty } => Ok((name, ty)),
            _ => Err(Failure::new(
                op.location(),
                format!(
                    "a pointer used as a value ({}): zad raises pointers only where they are indexed (u[i]) or passed \
                     whole to a function of the file; pointer comparison, conversion and arithmetic are not supported",
                    describe_op(&op_name(op))
                ),
            )),
        }
    }

    fn address(&self, op: &OperationRef, index: usize) -> Result<Address> {
        let value = op.operand(index).expect("operand");
        match self.lookup(value, op)? {
            Converted::Address(address) => Ok(address),
            _ => Err(Failure::new(
                op.location(),
                "an address computed from an integer (a cast from integer to pointer) is not supported".to_string(),
            )),
        }
    }

    fn define(&mut self, op: &OperationRef, converted: Converted) {
        let result = op.result(0).expect("result");
        self.values.insert(key(result), converted);
    }

    /// Emits `%r = <text> loc(..)` and records `%r` as the op's result.
    fn emit(&mut self, op: &OperationRef, text: String, ty: &str) -> String {
        let name = self.fresh();
        let _ = writeln!(self.out, "    {name} = {text}{}", location(op));
        self.define(op, Converted::Scalar { name: name.clone(), ty: ty.to_string() });
        name
    }

    fn emit_line(&mut self, op: &OperationRef, text: String) {
        let _ = writeln!(self.out, "    {text}{}", location(op));
    }

    /// Emits a helper value (not an op's result).
    fn helper(&mut self, op: &OperationRef, text: String) -> String {
        let name = self.fresh();
        let _ = writeln!(self.out, "    {name} = {text}{}", location(op));
        name
    }

    fn result_type(op: &OperationRef) -> String {
        op.result(0).map(|r| r.r#type().to_string()).unwrap_or_default()
    }

    fn operation(&mut self, op: &OperationRef) -> Result<()> {
        let name = op_name(op);
        let name = name.as_str();
        if IGNORED.contains(&name) {
            return Ok(());
        }
        if let Some(&(_, arith)) = BINARY.iter().find(|(llvm, _)| *llvm == name) {
            let (a, ty) = self.scalar(op, 0)?;
            let (b, _) = self.scalar(op, 1)?;
            let result = self.emit(op, format!("{arith} {a}, {b} : {ty}"), &ty);
            if matches!(name, "llvm.shl" | "llvm.mul")
                && let Some(&factor) = op.operand(1).ok().and_then(|v| self.constants.get(&key(v)))
            {
                let factor = if name == "llvm.shl" { 1i64.checked_shl(factor as u32).unwrap_or(0) } else { factor };
                if factor > 0 {
                    let key = key(op.result(0).expect("result"));
                    self.scaled.insert(key, (a, ty, factor));
                }
            }
            let _ = result;
            return Ok(());
        }
        if let Some(&(_, arith)) = CASTS.iter().find(|(llvm, _)| *llvm == name) {
            let (a, from) = self.scalar(op, 0)?;
            let to = Self::result_type(op);
            if !is_scalar(&to) {
                return Err(unsupported(op, name));
            }
            self.emit(op, format!("{arith} {a} : {from} to {to}"), &to);
            return Ok(());
        }
        if let Some(&(_, math)) = UNARY_INTRINSICS.iter().find(|(llvm, _)| *llvm == name) {
            let (a, ty) = self.scalar(op, 0)?;
            self.emit(op, format!("{math} {a} : {ty}"), &ty);
            return Ok(());
        }
        match name {
            "llvm.mlir.constant" => {
                let ty = Self::result_type(op);
                if !is_scalar(&ty) {
                    let failure = Failure::new(op.location(), format!("a constant of type {}", llvm::describe_type(&ty)));
                    self.define(op, Converted::Refused(failure));
                    return Ok(());
                }
                let value = op.attribute("value").map(|a| a.to_string()).unwrap_or_default();
                let number = value.split(" : ").next().unwrap_or_default().trim();
                let integer = match number {
                    "true" => Some(1),
                    "false" => Some(0),
                    text => text.parse::<i64>().ok(),
                };
                let text = if ty == "i1" { format!("arith.constant {number}") } else { format!("arith.constant {value}") };
                self.emit(op, text, &ty);
                if let Some(integer) = integer.filter(|_| !is_float(&ty)) {
                    self.constants.insert(key(op.result(0).expect("result")), integer);
                }
            }
            "llvm.mlir.poison" | "llvm.mlir.undef" | "llvm.mlir.zero" => {
                let ty = Self::result_type(op);
                if is_scalar(&ty) {
                    let zero = if is_float(&ty) { "0.0" } else if ty == "i1" { "false" } else { "0" };
                    let text = if ty == "i1" { format!("arith.constant {zero}") } else { format!("arith.constant {zero} : {ty}") };
                    self.emit(op, text, &ty);
                } else {
                    let failure = Failure::new(op.location(), "a null or undefined pointer is not supported");
                    self.define(op, Converted::Refused(failure));
                }
            }
            "llvm.mlir.addressof" => {
                let global = op.attribute("global_name").map(|a| a.to_string()).unwrap_or_default();
                let failure = Failure::new(
                    op.location(),
                    format!(
                        "the global variable or string constant {global}: zad converts functions of their arguments \
                         (no global state; pass arrays as parameters)"
                    ),
                );
                self.define(op, Converted::Refused(failure));
            }
            "llvm.freeze" => {
                let value = self.lookup(op.operand(0).expect("operand"), op)?;
                self.define(op, value);
            }
            "llvm.fneg" => {
                let (a, ty) = self.scalar(op, 0)?;
                self.emit(op, format!("arith.negf {a} : {ty}"), &ty);
            }
            "llvm.icmp" | "llvm.fcmp" => {
                let (a, ty) = self.scalar(op, 0)?;
                let (b, _) = self.scalar(op, 1)?;
                let predicate = op
                    .attribute("predicate")
                    .ok()
                    .and_then(|a| a.to_string().split(' ').next().and_then(|n| n.parse::<usize>().ok()))
                    .unwrap_or(usize::MAX);
                let (arith, names) = if name == "llvm.icmp" {
                    ("arith.cmpi", &INTEGER_PREDICATES[..])
                } else {
                    ("arith.cmpf", &FLOAT_PREDICATES[..])
                };
                let predicate = names.get(predicate).ok_or_else(|| unsupported(op, name))?;
                self.emit(op, format!("{arith} {predicate}, {a}, {b} : {ty}"), "i1");
            }
            "llvm.select" => {
                let (condition, _) = self.scalar(op, 0)?;
                let (a, ty) = self.scalar(op, 1)?;
                let (b, _) = self.scalar(op, 2)?;
                self.emit(op, format!("arith.select {condition}, {a}, {b} : {ty}"), &ty);
            }
            "llvm.intr.fma" | "llvm.intr.fmuladd" => {
                let (a, ty) = self.scalar(op, 0)?;
                let (b, _) = self.scalar(op, 1)?;
                let (c, _) = self.scalar(op, 2)?;
                self.emit(op, format!("math.fma {a}, {b}, {c} : {ty}"), &ty);
            }
            "llvm.intr.powi" => {
                let (a, ty) = self.scalar(op, 0)?;
                let (b, integer) = self.scalar(op, 1)?;
                self.emit(op, format!("math.fpowi {a}, {b} : {ty}, {integer}"), &ty);
            }
            "llvm.intr.abs" => {
                let (a, ty) = self.scalar(op, 0)?;
                self.emit(op, format!("math.absi {a} : {ty}"), &ty);
            }
            "llvm.alloca" => self.alloca(op)?,
            "llvm.getelementptr" => self.getelementptr(op)?,
            "llvm.load" => self.load(op)?,
            "llvm.store" => self.store(op)?,
            "llvm.call" => self.call(op)?,
            "llvm.br" => {
                let target = self.target(op, 0, 0, op.operand_count())?;
                self.emit_line(op, format!("cf.br {target}"));
            }
            "llvm.cond_br" => {
                let sizes = segment_sizes(op);
                let (condition, _) = self.scalar(op, 0)?;
                let on_true = self.target(op, 0, 1, sizes[1])?;
                let on_false = self.target(op, 1, 1 + sizes[1], sizes[2])?;
                self.emit_line(op, format!("cf.cond_br {condition}, {on_true}, {on_false}"));
            }
            "llvm.return" => {
                let value = if op.operand_count() > 0 { Some(self.scalar(op, 0)?) } else { None };
                match (value, self.single_exit) {
                    (Some((v, ty)), true) => self.emit_line(op, format!("cf.br ^exit({v} : {ty})")),
                    (None, true) => self.emit_line(op, "cf.br ^exit".into()),
                    (Some((v, ty)), false) => self.emit_line(op, format!("func.return {v} : {ty}")),
                    (None, false) => self.emit_line(op, "func.return".into()),
                }
            }
            _ => return Err(unsupported(op, name)),
        }
        Ok(())
    }

    /// `^bbN(%a, %b : t1, t2)` for successor `successor`, whose arguments
    /// are operands `first..first + count`.
    fn target(&self, op: &OperationRef, successor: usize, first: usize, count: usize) -> Result<String> {
        let block = op.successor(successor).expect("successor");
        let index = self.blocks.get(&block_key(&block)).copied().expect("a successor is reachable");
        if count == 0 {
            return Ok(format!("^bb{index}"));
        }
        let mut names = Vec::new();
        let mut types = Vec::new();
        for operand in first..first + count {
            let (name, ty) = self.scalar(op, operand)?;
            names.push(name);
            types.push(ty);
        }
        Ok(format!("^bb{index}({} : {})", names.join(", "), types.join(", ")))
    }

    fn alloca(&mut self, op: &OperationRef) -> Result<()> {
        let count = op.operand(0).ok().and_then(|v| self.constants.get(&key(v))).copied();
        let element = op.attribute("elem_type").map(|a| a.to_string()).unwrap_or_default();
        let Some((length, scalar)) = llvm::flatten_array(&element).filter(|_| count == Some(1)) else {
            // Allocations carry no source line: the refusal is reported
            // where the variable is first used.
            let message = if element.contains("ptr") {
                "a local array of pointers (pointers stored in memory) is not supported".to_string()
            } else {
                format!(
                    "a local variable of type {} whose address is taken (zad converts local arrays of constant size \
                     of double, float, int or long)",
                    llvm::describe_type(&element)
                )
            };
            self.define(op, Converted::Refused(Failure::new(op.location(), message)));
            return Ok(());
        };
        let memref_type = format!("memref<{length}x{scalar}>");
        let name = self.fresh();
        let _ = writeln!(self.out, "    {name} = memref.alloca() : {memref_type}{}", location(op));
        let size = llvm::size_of(&scalar).expect("scalar size");
        self.define(op, Converted::Address(Address::base(name, memref_type, scalar, size, "a local array".into())));
        Ok(())
    }

    fn getelementptr(&mut self, op: &OperationRef) -> Result<()> {
        let mut address = self.address(op, 0)?;
        let element = op.attribute("elem_type").map(|a| a.to_string()).unwrap_or_default();
        let indices: Vec<i32> = op
            .attribute("rawConstantIndices")
            .ok()
            .and_then(|a| DenseI32ArrayAttribute::try_from(a).ok())
            .map(|a| (0..a.len()).filter_map(|i| a.element(i).ok()).collect())
            .unwrap_or_default();
        let mut dynamic = 1;
        let mut current = element.clone();
        for (position, &index) in indices.iter().enumerate() {
            let step = if position == 0 {
                current.clone()
            } else {
                match llvm::array_parts(&current) {
                    Some((_, inner)) => {
                        current = inner.clone();
                        inner
                    }
                    None => {
                        return Err(Failure::new(
                            op.location(),
                            format!("a field of {}: structs are not supported", llvm::describe_type(&current)),
                        ));
                    }
                }
            };
            let Some(size) = llvm::size_of(&step) else {
                return Err(Failure::new(
                    op.location(),
                    format!("indexing into {}: structs and pointers to pointers are not supported", llvm::describe_type(&step)),
                ));
            };
            if index != i32::MIN {
                address.constant += index as i64 * size;
                continue;
            }
            let value = op.operand(dynamic).expect("a dynamic index");
            dynamic += 1;
            if let Some(&constant) = self.constants.get(&key(value)) {
                address.constant += constant * size;
                continue;
            }
            match self.scaled.get(&key(value)) {
                Some((inner, ty, factor)) => {
                    address.terms.push(Term { value: inner.clone(), ty: ty.clone(), bytes: factor * size })
                }
                None => {
                    let (name, ty) = self.scalar(op, dynamic - 1)?;
                    address.terms.push(Term { value: name, ty, bytes: size });
                }
            }
        }
        self.define(op, Converted::Address(address));
        Ok(())
    }

    /// The element index an address names, as an `index` value.
    fn index(&mut self, op: &OperationRef, address: &Address) -> Result<String> {
        let Some(super::address::ElementOffset { terms, constant }) = address.element_offset() else {
            return Err(Failure::new(
                op.location(),
                format!(
                    "an access into {} at an offset that is not a whole number of its elements ({}): memory \
                     reinterpreted as another type is not supported",
                    address.what,
                    llvm::describe_type(&address.element)
                ),
            ));
        };
        let mut sum: Option<String> = None;
        for super::address::Term { value, ty, bytes: coefficient } in terms {
            let mut index = self.helper(op, format!("arith.index_cast {value} : {ty} to index"));
            if coefficient != 1 {
                let factor = self.helper(op, format!("arith.constant {coefficient} : index"));
                index = self.helper(op, format!("arith.muli {index}, {factor} : index"));
            }
            sum = Some(match sum {
                Some(previous) => self.helper(op, format!("arith.addi {previous}, {index} : index")),
                None => index,
            });
        }
        Ok(match (sum, constant) {
            (None, constant) => self.helper(op, format!("arith.constant {constant} : index")),
            (Some(sum), 0) => sum,
            (Some(sum), constant) => {
                let offset = self.helper(op, format!("arith.constant {constant} : index"));
                self.helper(op, format!("arith.addi {sum}, {offset} : index"))
            }
        })
    }

    fn check_access(op: &OperationRef, address: &Address, ty: &str) -> Result<()> {
        if op.attribute("volatile_").is_ok() {
            return Err(Failure::new(op.location(), "volatile accesses are not supported"));
        }
        if op.attribute("ordering").ok().is_some_and(|a| !a.to_string().starts_with('0')) {
            return Err(Failure::new(op.location(), "atomic accesses are not supported"));
        }
        if ty == "!llvm.ptr" {
            return Err(Failure::new(
                op.location(),
                "a pointer stored in memory (an array of pointers, a pointer to a pointer, or a pointer kept in a \
                 local variable whose address is taken) is not supported",
            ));
        }
        if ty != address.element {
            return Err(Failure::new(
                op.location(),
                format!(
                    "{} holds {} but is accessed as {}: memory reinterpreted as another type is not supported",
                    address.what,
                    llvm::describe_type(&address.element),
                    llvm::describe_type(ty)
                ),
            ));
        }
        Ok(())
    }

    fn load(&mut self, op: &OperationRef) -> Result<()> {
        let ty = Self::result_type(op);
        let address = self.address(op, 0)?;
        Self::check_access(op, &address, &ty)?;
        let index = self.index(op, &address)?;
        self.emit(op, format!("memref.load {}[{index}] : {}", address.memref, address.memref_type), &ty);
        Ok(())
    }

    fn store(&mut self, op: &OperationRef) -> Result<()> {
        let ty = op.operand(0).map(|v| v.r#type().to_string()).unwrap_or_default();
        let address = self.address(op, 1)?;
        Self::check_access(op, &address, &ty)?;
        let (value, _) = self.scalar(op, 0)?;
        let index = self.index(op, &address)?;
        self.emit_line(op, format!("memref.store {value}, {}[{index}] : {}", address.memref, address.memref_type));
        Ok(())
    }

    /// The same array passed for two pointer parameters of a function of
    /// the file, one of which it writes: its derivative assumes they do
    /// not overlap (and C's `restrict` forbids it), so this is refused.
    /// (Different arrays of the caller are checked when it is called.)
    fn check_call_aliasing(&self, op: &OperationRef, callee: &str, interface: &Interface) -> Result<()> {
        let pointers: Vec<(usize, &str, bool, String)> = interface
            .parameters
            .iter()
            .enumerate()
            .filter_map(|(position, parameter)| match &parameter.kind {
                ParameterKind::Pointer { written, .. } => {
                    let value = op.operand(position).ok()?;
                    match self.values.get(&key(value)) {
                        Some(Converted::Address(address)) => {
                            Some((position, parameter.name.as_str(), *written, address.memref.clone()))
                        }
                        _ => None,
                    }
                }
                ParameterKind::Scalar(_) => None,
            })
            .collect();
        for (i, (_, first, first_written, first_memref)) in pointers.iter().enumerate() {
            for (_, second, second_written, second_memref) in &pointers[i + 1..] {
                if first_memref == second_memref && (*first_written || *second_written) {
                    return Err(Failure::new(
                        op.location(),
                        format!(
                            "passes the same array as {first} and {second} to {callee}, which writes one of them: \
                             zad's derivatives assume pointer parameters do not overlap (copy the array first)"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn call(&mut self, op: &OperationRef) -> Result<()> {
        let Some(callee) = llvm::callee(op) else {
            return Err(Failure::new(op.location(), "a call through a function pointer is not supported"));
        };
        let result = Self::result_type(op);
        if let Some(interface) = self.interfaces.get(&callee) {
            self.check_call_aliasing(op, &callee, interface)?;
            let mut arguments = Vec::new();
            let mut types = Vec::new();
            for (position, parameter) in interface.parameters.iter().enumerate() {
                let expected = parameter.mlir_type();
                match &parameter.kind {
                    ParameterKind::Scalar(_) => arguments.push(self.scalar(op, position)?.0),
                    ParameterKind::Pointer { .. } => {
                        let address = self.address(op, position)?;
                        if !address.is_base() {
                            return Err(Failure::new(
                                op.location(),
                                format!(
                                    "passes a pointer into the middle of {} (u + i, &u[i]) to {callee}: zad passes whole \
                                     arrays (pass the array and the offset as an integer)",
                                    address.what
                                ),
                            ));
                        }
                        let element_type = format!("memref<?x{}>", address.element);
                        if element_type != expected {
                            return Err(Failure::new(
                                op.location(),
                                format!("passes {} (of {}) to {callee} as {expected}", address.what, address.memref_type),
                            ));
                        }
                        let memref = if address.memref_type == expected {
                            address.memref.clone()
                        } else {
                            self.helper(op, format!("memref.cast {} : {} to {expected}", address.memref, address.memref_type))
                        };
                        arguments.push(memref);
                    }
                }
                types.push(expected);
            }
            let call = format!(
                "func.call @{callee}({}) : ({}) -> {}",
                arguments.join(", "),
                types.join(", "),
                interface.result.as_deref().unwrap_or("()")
            );
            match &interface.result {
                Some(ty) => {
                    self.emit(op, call, ty);
                }
                None => self.emit_line(op, call),
            }
            return Ok(());
        }
        let Some((arity, math, ty)) = math_function(&callee) else {
            return Err(Failure::new(
                op.location(),
                format!(
                    "a call to {callee}, which is not defined in this file: zad converts calls to the file's own \
                     functions and to math.h functions (I/O, memory allocation and other library calls are not \
                     supported)"
                ),
            ));
        };
        if op.operand_count() != arity || result != ty {
            return Err(Failure::new(op.location(), format!("a call to {callee} with unexpected arguments")));
        }
        let operands: Vec<String> = (0..arity).map(|i| self.scalar(op, i).map(|s| s.0)).collect::<Result<_>>()?;
        self.emit(op, format!("{math} {} : {ty}", operands.join(", ")), ty);
        Ok(())
    }
}

/// `operandSegmentSizes` of a `cond_br`: condition, true and false
/// arguments.
fn segment_sizes(op: &OperationRef) -> [usize; 3] {
    let sizes: Vec<usize> = op
        .attribute("operandSegmentSizes")
        .ok()
        .and_then(|a| DenseI32ArrayAttribute::try_from(a).ok())
        .map(|a| (0..a.len()).filter_map(|i| a.element(i).ok()).map(|n| n as usize).collect())
        .unwrap_or_default();
    match sizes.as_slice() {
        [a, b, c] => [*a, *b, *c],
        _ => [1, 0, op.operand_count().saturating_sub(1)],
    }
}

/// What an LLVM op is in C terms, for messages.
fn describe_op(name: &str) -> String {
    match name {
        "llvm.icmp" => "a pointer comparison".into(),
        "llvm.ptrtoint" => "a pointer converted to an integer".into(),
        "llvm.store" => "a pointer stored in memory".into(),
        "llvm.select" => "a pointer chosen by a condition".into(),
        "llvm.return" => "a returned pointer".into(),
        "llvm.br" | "llvm.cond_br" => "a pointer that differs by the path taken".into(),
        "llvm.call" => "a pointer passed to a function".into(),
        other => format!("`{other}`"),
    }
}

fn unsupported(op: &OperationRef, name: &str) -> Failure {
    let what = match name {
        "llvm.switch" => "a switch statement is not supported (write it with if/else)".to_string(),
        "llvm.unreachable" => {
            "a path that never returns (exit, abort, or the end of a function without return) is not supported".into()
        }
        "llvm.ptrtoint" | "llvm.inttoptr" => "conversions between pointers and integers are not supported".into(),
        "llvm.intr.memset" | "llvm.intr.memcpy" | "llvm.intr.memmove" => {
            "copying or initialising a whole array at once (an initialiser such as = {0}, memcpy, memset, struct \
             assignment) is not supported: write a loop"
                .into()
        }
        "llvm.insertvalue" | "llvm.extractvalue" => "structs and complex numbers are not supported".into(),
        other => format!("the LLVM operation `{other}` (from this C construct) is not supported"),
    };
    Failure::new(op.location(), what)
}
