//! Functions and symbols of a module, op names, locations in messages.

use super::{Location, OpRef, Type, handle};
use crate::error::{Error, Result};
use melior::ir::{
    BlockLike, Module, RegionLike,
    attribute::{StringAttribute, TypeAttribute},
    operation::OperationLike,
    r#type::FunctionType,
};

/// The name of an op (`arith.addf`).
pub fn op_name<'c: 'a, 'a>(op: &impl OperationLike<'c, 'a>) -> String {
    op.name().as_string_ref().as_str().unwrap_or_default().to_string()
}

/// The symbol name of an op (`sym_name`), if it has one.
pub fn symbol_name<'c: 'a, 'a>(op: &impl OperationLike<'c, 'a>) -> Option<String> {
    let attribute = op.attribute("sym_name").ok()?;
    let name = StringAttribute::try_from(attribute).ok()?;
    Some(name.value().to_string())
}

/// The operation defining `value`, if it is an operation result.
pub fn defining_op<'c, 'a>(value: melior::ir::Value<'c, 'a>) -> Option<melior::ir::OperationRef<'c, 'a>> {
    melior::ir::operation::OperationResult::try_from(value).ok().map(|result| result.owner())
}

/// Every `func.func` (declarations included), by symbol name, in module
/// order.
pub fn functions(module: &Module) -> Vec<(String, OpRef)> {
    let mut functions = Vec::new();
    let mut next = module.body().first_operation();
    while let Some(op) = next {
        if op.name().as_string_ref().as_str() == Ok("func.func")
            && let Some(name) = symbol_name(&op)
        {
            functions.push((name, handle::op(&op)));
        }
        next = op.next_in_block();
    }
    functions
}

/// Every `func.func` with a body, by symbol name, in module order.
pub fn defined_functions(module: &Module) -> Vec<(String, OpRef)> {
    functions(module).into_iter().filter(|(_, op)| op.region(0).is_ok_and(|region| region.first_block().is_some())).collect()
}

/// The `func.func` named `name`, with a body or not.
pub fn function(module: &Module, name: &str) -> Option<OpRef> {
    let mut next = module.body().first_operation();
    while let Some(op) = next {
        if op.name().as_string_ref().as_str() == Ok("func.func") && symbol_name(&op).as_deref() == Some(name) {
            return Some(handle::op(&op));
        }
        next = op.next_in_block();
    }
    None
}

/// Whether the module has a top-level op with symbol `name`.
pub fn has_symbol(module: &Module, name: &str) -> bool {
    let mut next = module.body().first_operation();
    while let Some(op) = next {
        if symbol_name(&op).as_deref() == Some(name) {
            return true;
        }
        next = op.next_in_block();
    }
    false
}

/// The function `name` with a body, or an error listing those there are.
pub fn find_function(module: &Module, name: &str) -> Result<OpRef> {
    let functions = defined_functions(module);
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

/// The type of a `func.func`.
pub fn function_type<'c: 'a, 'a>(function: &impl OperationLike<'c, 'a>) -> Option<FunctionType<'c>> {
    let attribute = function.attribute("function_type").ok()?;
    FunctionType::try_from(TypeAttribute::try_from(attribute).ok()?.value()).ok()
}

/// Declares `func.func private @name(inputs) -> results` at the end of
/// `module` unless a symbol of that name exists.
pub fn declare_function(
    context: &'static melior::Context,
    module: &Module<'static>,
    name: &str,
    inputs: &[Type],
    results: &[Type],
    location: Location,
) {
    if has_symbol(module, name) {
        return;
    }
    let ty = FunctionType::new(context, inputs, results);
    let attribute = |key: &str, value: melior::ir::Attribute<'static>| (melior::ir::Identifier::new(context, key), value);
    let declaration = melior::ir::operation::OperationBuilder::new("func.func", location)
        .add_attributes(&[
            attribute("sym_name", StringAttribute::new(context, name).into()),
            attribute("function_type", TypeAttribute::new(ty.into()).into()),
            attribute("sym_visibility", StringAttribute::new(context, "private").into()),
        ])
        .add_regions([melior::ir::Region::new()])
        .build()
        .expect("a valid function declaration");
    module.body().append_operation(declaration);
}

/// A deep copy of `module`.
pub fn clone_module(module: &Module<'static>) -> Module<'static> {
    // SAFETY: cloning a valid operation yields a new operation owned by us.
    let operation = unsafe { melior::ir::Operation::from_raw(mlir_sys::mlirOperationClone(module.as_operation().to_raw())) };
    Module::from_operation(operation).expect("a clone of a module is a module")
}

/// The most useful `file:line:col` inside a location (name and call-site
/// locations wrap the file location we want), as its parts.
pub fn file_line_col(location: melior::ir::Location) -> Option<(String, usize, usize)> {
    if location.is_file_line_col_range() {
        let file = location.file_line_col_range_filename();
        let file = file.as_string_ref().as_str().unwrap_or("?").to_string();
        return Some((file, location.file_line_col_range_start_line(), location.file_line_col_range_start_column()));
    }
    if location.is_name() {
        return file_line_col(location.name_child_location());
    }
    if location.is_call_site() {
        return file_line_col(location.call_site_callee());
    }
    if location.is_fused() {
        return (0..location.fused_num_locations()).find_map(|index| file_line_col(location.fused_location(index)));
    }
    None
}

/// `file_line_col` as `file:line:col`, or "unknown location". A location
/// in the unnamed buffer "-" is shown as `source_name` when given.
pub fn describe_location(location: melior::ir::Location, source_name: &str) -> String {
    match file_line_col(location) {
        Some((file, line, column)) => {
            let file = if file == UNNAMED_BUFFER && !source_name.is_empty() { source_name } else { &file };
            format!("{file}:{line}:{column}")
        }
        None => UNKNOWN_LOCATION.to_string(),
    }
}

pub const UNKNOWN_LOCATION: &str = "unknown location";

/// The file name MLIR's C API gives text parsed from a string.
pub const UNNAMED_BUFFER: &str = "-";
