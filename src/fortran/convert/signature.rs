//! The signature of a converted procedure: how each dummy argument crosses
//! zad's ABI, and which arguments a procedure writes.

use super::{
    Failure, Program, Result, Translator, VarKind, op_name, prepare,
    values::{Abstract, ArrayView, Order, Storage, VarState},
};
use crate::fortran::{
    fir_type::{FirType, Scalar},
    mlir, names,
};
use melior::ir::{
    BlockLike, Location, OperationRef, RegionLike, Type, Value,
    attribute::ArrayAttribute,
    operation::{OperationLike, WalkOrder, WalkResult},
    r#type::FunctionType,
};
use std::collections::HashSet;

/// How one dummy argument is passed.
#[derive(Clone, Debug)]
pub enum Plan {
    /// A scalar the procedure only reads, by value.
    Value(Scalar, String),
    /// A scalar the procedure writes: a 0-d memref, read on entry into a
    /// promoted variable and written back on return.
    InOut(Scalar, String),
    /// An array: a memref in Fortran order and layout.
    Array { element: Scalar, extents: Vec<Option<i64>>, descriptor: bool },
}

impl Plan {
    pub fn mlir_type<'c>(&self, translator: &Translator<'c, '_, '_>) -> Type<'c> {
        match self {
            Plan::Value(scalar, _) => translator.ty(*scalar),
            Plan::InOut(scalar, _) => translator.memref_type(*scalar, &[], Order::Fortran),
            Plan::Array { element, extents, .. } => translator.memref_type(*element, extents, Order::Fortran),
        }
    }
}

/// The Fortran attributes (`intent_in`, `allocatable`, ...) that the
/// `fir.declare` of each argument carries, and each argument's name.
fn declarations(function: &OperationRef) -> Vec<(String, String)> {
    let entry = function.region(0).expect("body").first_block().expect("entry");
    // Names from the arguments' `fir.bindc_name` attributes.
    let names: Vec<String> = function
        .attribute("arg_attrs")
        .ok()
        .and_then(|a| ArrayAttribute::try_from(a).ok())
        .map(|attributes| {
            (0..attributes.len())
                .map(|i| {
                    let text = attributes.element(i).map(|a| a.to_string()).unwrap_or_default();
                    text.split("fir.bindc_name = \"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default().to_string()
                })
                .collect()
        })
        .unwrap_or_default();
    let mut found: Vec<(String, String)> =
        (0..entry.argument_count()).map(|i| (String::new(), names.get(i).cloned().unwrap_or_default())).collect();
    let mut next = entry.first_operation();
    while let Some(operation) = next {
        if op_name(&operation) == "fir.declare"
            && let Ok(operand) = operation.operand(0)
        {
            for (index, slot) in found.iter_mut().enumerate() {
                let argument: Value = entry.argument(index).expect("argument").into();
                if operand == argument {
                    slot.0 = operation.attribute("fortran_attrs").map(|a| a.to_string()).unwrap_or_default();
                }
            }
        }
        next = operation.next_in_block();
    }
    found
}

pub fn plan(translator: &Translator, function: &OperationRef, procedure: &names::ProcedureName) -> Result<Vec<Plan>> {
    let entry = function.region(0).expect("body").first_block().expect("entry");
    let location = function.location();
    let declared = declarations(function);
    let mut plans = Vec::new();
    for (index, (attributes, name)) in declared.iter().enumerate() {
        let argument: Value = entry.argument(index).expect("argument").into();
        let ty = super::fir_type(argument);
        let name = if name.is_empty() { format!("#{}", index + 1) } else { name.clone() };
        let unsupported = |why: String| {
            Failure::new(location, format!("argument '{name}' of {}: {why}", procedure.qualified()))
        };
        let has = |attribute: &str| attributes.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').any(|w| w == attribute);
        for (attribute, what) in [
            ("pointer", "POINTER arguments are not supported"),
            ("allocatable", "ALLOCATABLE arguments are not supported (pass the array itself)"),
            ("optional", "OPTIONAL arguments are not supported"),
        ] {
            if has(attribute) {
                return Err(unsupported(what.into()));
            }
        }
        let plan = match &ty {
            FirType::Scalar(scalar) => Plan::Value(*scalar, name.clone()),
            FirType::Ref(inner) => match inner.as_ref() {
                FirType::Scalar(scalar) => {
                    let read_only = has("intent_in") || !writes_argument(translator.program, function, index);
                    if read_only {
                        Plan::Value(*scalar, name.clone())
                    } else if scalar.is_float() {
                        Plan::InOut(*scalar, name.clone())
                    } else {
                        return Err(unsupported(format!(
                            "it is a {} the procedure writes, which zad cannot pass back (only real scalars and \
                             arrays are written through zad's ABI): declare it intent(in), or make it real",
                            scalar.fortran()
                        )));
                    }
                }
                FirType::Array(extents, element) => array_plan(extents, element, false).map_err(unsupported)?,
                other => return Err(unsupported(format!("a {other} argument is not supported"))),
            },
            FirType::Box(inner) => match inner.as_ref() {
                FirType::Array(extents, element) => array_plan(extents, element, true).map_err(unsupported)?,
                other => return Err(unsupported(format!("a {other} argument is not supported"))),
            },
            FirType::Tuple(_) => {
                return Err(unsupported("an internal procedure cannot be called from outside its host".into()));
            }
            other => return Err(unsupported(format!("a {other} argument is not supported"))),
        };
        plans.push(plan);
    }
    Ok(plans)
}

fn array_plan(extents: &[Option<i64>], element: &FirType, descriptor: bool) -> std::result::Result<Plan, String> {
    match element {
        FirType::Scalar(scalar @ (Scalar::F32 | Scalar::F64)) => {
            Ok(Plan::Array { element: *scalar, extents: extents.to_vec(), descriptor })
        }
        FirType::Scalar(scalar) => Err(format!(
            "arrays of {} cannot cross zad's ABI (arrays of real(4) and real(8) can): make it a local array or \
             pass reals",
            scalar.fortran()
        )),
        other => Err(format!("arrays of {other} are not supported")),
    }
}

/// The result types of a function (none for a subroutine).
pub fn results(function: &OperationRef) -> Result<Vec<Scalar>> {
    let ty = function
        .attribute("function_type")
        .ok()
        .and_then(|a| melior::ir::attribute::TypeAttribute::try_from(a).ok())
        .and_then(|a| FunctionType::try_from(a.value()).ok())
        .expect("a function type");
    (0..ty.result_count())
        .map(|index| {
            let result = ty.result(index).expect("result");
            match FirType::parse(&result.to_string()) {
                FirType::Scalar(scalar) => Ok(scalar),
                other => Err(Failure::new(
                    function.location(),
                    format!("functions returning a {other} are not supported (return it through an argument)"),
                )),
            }
        })
        .collect()
}

impl<'c, 'm, 'f> Translator<'c, 'm, 'f> {
    /// What argument `value` of the converted function stands for.
    pub(super) fn bind_argument(&mut self, plan: &Plan, value: Value<'c, 'm>, location: Location<'c>) -> Abstract<'c, 'm> {
        match plan {
            Plan::Value(scalar, name) => {
                let var = self.new_var(name.clone(), VarKind::Scalar(*scalar), VarState::Scalar(value));
                Abstract::Var(var)
            }
            Plan::InOut(scalar, name) => {
                let ty = self.ty(*scalar);
                let initial = self.op1("memref.load", &[value], ty, &[], location);
                let var = self.new_var(name.clone(), VarKind::Scalar(*scalar), VarState::Scalar(initial));
                self.writebacks.push((var, value));
                Abstract::Var(var)
            }
            Plan::Array { element, extents, descriptor } => {
                let rank = extents.len();
                let storage = Storage { memref: value, order: Order::Fortran, element: *element, rank };
                if *descriptor {
                    // Assumed shape: the extents are the memref's.
                    let extents = (0..rank).map(|d| self.storage_extent(&storage, d, location)).collect();
                    Abstract::View(ArrayView::whole(storage, extents, vec![None; rank]))
                } else {
                    Abstract::Storage(storage)
                }
            }
        }
    }
}

/// Whether `function` may write its argument `index` (directly, or through
/// a procedure it calls). Unknown uses count as writes.
pub fn writes_argument(program: &Program, function: &OperationRef, index: usize) -> bool {
    let symbol = prepare::symbol_of(function);
    if let Some(known) = program.written.borrow().get(&symbol) {
        return known.get(index).copied().unwrap_or(true);
    }
    // Recursion: assume written while the answer is being worked out.
    let entry = function.region(0).expect("body").first_block().expect("entry");
    program.written.borrow_mut().insert(symbol.clone(), vec![true; entry.argument_count()]);
    let answers: Vec<bool> = (0..entry.argument_count())
        .map(|i| {
            let argument: Value = entry.argument(i).expect("argument").into();
            may_write(program, function, argument)
        })
        .collect();
    let answer = answers.get(index).copied().unwrap_or(true);
    program.written.borrow_mut().insert(symbol, answers);
    answer
}

/// Whether anything in `function` may write through `address`.
fn may_write(program: &Program, function: &OperationRef, address: Value) -> bool {
    let mut aliases: HashSet<usize> = HashSet::from([mlir::key(address)]);
    let mut written = false;
    function.walk(WalkOrder::PreOrder, |operation| {
        let uses: Vec<usize> = operation
            .operands()
            .enumerate()
            .filter(|(_, operand)| aliases.contains(&mlir::key(*operand)))
            .map(|(position, _)| position)
            .collect();
        if uses.is_empty() {
            return WalkResult::Advance;
        }
        let name = op_name(&operation);
        match name.as_str() {
            "fir.declare" | "fir.convert" | "fir.embox" | "fir.rebox" | "fir.box_addr" | "fir.array_coor"
            | "fir.coordinate_of" | "fir.no_reassoc"
                if uses == [0] =>
            {
                for result in operation.results() {
                    aliases.insert(mlir::key(result.into()));
                }
            }
            "fir.load" | "fir.box_dims" | "fir.shape" | "fir.shape_shift" | "fir.slice" => {}
            "fir.call" => {
                let callee = operation.attribute("callee").map(|a| a.to_string()).unwrap_or_default();
                let callee = callee.trim_start_matches('@').trim_matches('"');
                written |= match program.functions.get(callee) {
                    Some(target) => uses.iter().any(|&position| writes_argument(program, target, position)),
                    None => true,
                };
            }
            _ => written = true,
        }
        if written { WalkResult::Interrupt } else { WalkResult::Advance }
    });
    written
}
