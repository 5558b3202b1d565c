//! What zad makes of a C function's parameters: scalars stay scalars, and a
//! pointer parameter becomes a 1-D memref (`double *u` is `memref<?xf64>`,
//! its length the length of the array the caller passes). A pointer's
//! element type is the type the function reads or writes through it (or
//! through the functions of the file it passes it to); whether it is
//! `restrict`-qualified and whether the function writes through it decide
//! the aliasing check at call time.

use super::{
    llvm::{self, Failure, op_name},
    names,
};
use melior::ir::{BlockLike, OperationRef, RegionLike, Value, ValueLike, operation::OperationLike};
use std::collections::HashMap;

/// A parameter of a C function, as zad passes it.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// Its name in the C source (`arg1` style when the source names none).
    pub name: String,
    pub kind: ParameterKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParameterKind {
    /// An integer or float scalar, by its MLIR type.
    Scalar(String),
    /// A pointer to an array of `element` (an MLIR scalar type).
    Pointer { element: Option<String>, restrict: bool, written: bool },
}

/// A C function's interface.
#[derive(Clone, Debug)]
pub struct Interface {
    pub name: String,
    pub parameters: Vec<Parameter>,
    /// The MLIR type of its value; `None` for `void`.
    pub result: Option<String>,
}

impl Parameter {
    /// The MLIR type the parameter has in the generated function.
    pub fn mlir_type(&self) -> String {
        match &self.kind {
            ParameterKind::Scalar(ty) => ty.clone(),
            ParameterKind::Pointer { element, .. } => format!("memref<?x{}>", element.as_deref().unwrap_or("f64")),
        }
    }
}

/// Reads the interface of `function` (an `llvm.func` with a body): the
/// element types and writes of pointers come later (`infer_pointers`).
pub fn interface(function: &OperationRef) -> Result<Interface, Failure> {
    let name = llvm::symbol(function);
    let location = function.location();
    let function_type = function.attribute("function_type").map(|a| a.to_string()).unwrap_or_default();
    if function_type.contains("...") {
        return Err(Failure::new(location, format!("{name} takes a variable number of arguments (...)")));
    }
    let result = function_type
        .trim_start_matches("!llvm.func<")
        .split(" (")
        .next()
        .unwrap_or("void")
        .trim()
        .to_string();
    let result = match result.as_str() {
        "void" => None,
        "f64" | "f32" | "i32" | "i64" => Some(result),
        other => {
            return Err(Failure::new(
                location,
                format!("{name} returns {} (zad converts functions returning double, float, int, long or void)", llvm::describe_type(other)),
            ));
        }
    };
    let argument_attributes = llvm::argument_attributes(function);
    let entry = function.region(0).ok().and_then(|region| region.first_block()).expect("a function with a body");
    let names = names::parameters(function);
    let mut parameters = Vec::new();
    for index in 0..entry.argument_count() {
        let argument = entry.argument(index).expect("argument");
        let ty = argument.r#type().to_string();
        let attributes = argument_attributes.get(index).cloned().unwrap_or_default();
        let (name, debug_type) = names.get(&index).cloned().unwrap_or_else(|| (format!("arg{}", index + 1), String::new()));
        if attributes.contains("llvm.byval") || attributes.contains("llvm.sret") {
            return Err(Failure::new(location, format!("{name}: structs passed by value are not supported")));
        }
        let kind = match ty.as_str() {
            "f64" | "f32" | "i32" | "i64" => ParameterKind::Scalar(ty),
            "!llvm.ptr" if ["DW_TAG_structure_type", "DW_TAG_union_type"].iter().any(|tag| debug_type.contains(tag)) => {
                return Err(Failure::new(
                    location,
                    format!("parameter {name} points to a struct or union: structs are not supported (pass arrays of double)"),
                ));
            }
            "!llvm.ptr" => ParameterKind::Pointer { element: None, restrict: attributes.contains("llvm.noalias"), written: false },
            other => {
                return Err(Failure::new(
                    location,
                    format!(
                        "parameter {name} of {name_f} has type {} (zad converts double, float, int and long scalars and \
                         pointers to arrays of them)",
                        llvm::describe_type(other),
                        name_f = llvm::symbol(function)
                    ),
                ));
            }
        };
        parameters.push(Parameter { name, kind });
    }
    Ok(Interface { name, parameters, result })
}

/// Where an address comes from: a parameter (by position), or something
/// else (a local array).
fn root_parameter(value: Value, entry: usize) -> Option<usize> {
    let mut value = value;
    loop {
        if let Some(operation) = llvm::defining_op(value) {
            if op_name(&operation) != "llvm.getelementptr" {
                return None;
            }
            value = operation.operand(0).ok()?;
            continue;
        }
        let argument = melior::ir::block::BlockArgument::try_from(value).ok()?;
        return (argument.owner().to_raw().ptr as usize == entry).then(|| argument.argument_number());
    }
}

/// Fills in the element type of each pointer parameter and whether the
/// function writes through it, from its loads and stores and (to a fixed
/// point) the functions of the file it passes the pointer to. A pointer
/// read as two different types is refused. Also gives the functions each
/// one calls (by name; calls through pointers left out).
pub fn infer_pointers(
    functions: &[(OperationRef, Result<Interface, Failure>)],
) -> (HashMap<String, Interface>, HashMap<String, Failure>, HashMap<String, Vec<String>>) {
    let mut failures = HashMap::new();
    let mut calls: HashMap<String, Vec<String>> = HashMap::new();
    let mut interfaces: HashMap<String, Interface> =
        functions.iter().filter_map(|(_, i)| i.as_ref().ok()).map(|i| (i.name.clone(), i.clone())).collect();
    // (caller, parameter) passed as (callee, argument position).
    let mut passes: Vec<(String, usize, String, usize)> = Vec::new();
    for (function, interface) in functions {
        let Ok(interface) = interface else { continue };
        let entry = function.region(0).ok().and_then(|r| r.first_block()).expect("body").to_raw().ptr as usize;
        let mut failure = None;
        llvm::for_each_op(function, &mut |op| {
            let name = op_name(op);
            let (address, ty, write) = match name.as_str() {
                "llvm.load" => (op.operand(0).ok(), op.result(0).map(|r| r.r#type().to_string()).ok(), false),
                "llvm.store" => (op.operand(1).ok(), op.operand(0).map(|v| v.r#type().to_string()).ok(), true),
                "llvm.call" => {
                    let callee = llvm::callee(op).unwrap_or_default();
                    if !callee.is_empty() {
                        calls.entry(interface.name.clone()).or_default().push(callee.clone());
                    }
                    for position in 0..op.operand_count() {
                        if let Some(parameter) = op.operand(position).ok().and_then(|v| root_parameter(v, entry)) {
                            passes.push((interface.name.clone(), parameter, callee.clone(), position));
                        }
                    }
                    return;
                }
                _ => return,
            };
            let (Some(address), Some(ty)) = (address, ty) else { return };
            let Some(parameter) = root_parameter(address, entry) else { return };
            let target = interfaces.get_mut(&interface.name).expect("interface");
            let parameter_name = target.parameters[parameter].name.clone();
            if let ParameterKind::Pointer { element, written, .. } = &mut target.parameters[parameter].kind {
                *written |= write;
                match element {
                    Some(known) if *known != ty && failure.is_none() => {
                        failure = Some(Failure::new(
                            op.location(),
                            format!(
                                "{} is accessed both as {} and as {}: zad raises a pointer to an array of one type",
                                parameter_name,
                                llvm::describe_type(known),
                                llvm::describe_type(&ty)
                            ),
                        ));
                    }
                    Some(_) => {}
                    None => *element = Some(ty),
                }
            }
        });
        if let Some(failure) = failure {
            failures.insert(interface.name.clone(), failure);
        }
    }
    // Pointers passed on: the callee's use decides.
    for _ in 0..interfaces.len() + 1 {
        let mut changed = false;
        for (caller, parameter, callee, position) in &passes {
            let Some(ParameterKind::Pointer { element: callee_element, written: callee_written, .. }) =
                interfaces.get(callee).and_then(|i| i.parameters.get(*position)).map(|p| p.kind.clone())
            else {
                continue;
            };
            let target = interfaces.get_mut(caller).expect("caller");
            if let ParameterKind::Pointer { element, written, .. } = &mut target.parameters[*parameter].kind {
                if callee_written && !*written {
                    *written = true;
                    changed = true;
                }
                if element.is_none() && callee_element.is_some() {
                    *element = callee_element;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    (interfaces, failures, calls)
}
