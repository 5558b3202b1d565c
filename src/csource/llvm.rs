//! Reading the LLVM dialect: op names, attributes, locations and types in
//! the terms messages use.

use crate::context::describe_location;
use melior::ir::{BlockLike, Location, OperationRef, RegionLike, attribute::FlatSymbolRefAttribute, operation::OperationLike};
use std::fmt;

/// Why a function (or a construct in it) cannot be converted.
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

pub use crate::mlir::op_name;

/// The `sym_name` of a function.
pub fn symbol(operation: &OperationRef) -> String {
    crate::mlir::symbol_name(operation).unwrap_or_default()
}

/// The function an `llvm.call` calls (`None` for a call through a pointer).
pub fn callee(operation: &OperationRef) -> Option<String> {
    operation
        .attribute("callee")
        .ok()
        .and_then(|a| FlatSymbolRefAttribute::try_from(a).ok())
        .map(|a| a.value().to_string())
}

/// The printed attribute dictionary of each parameter (`arg_attrs`).
pub fn argument_attributes(function: &OperationRef) -> Vec<String> {
    let Ok(attribute) = function.attribute("arg_attrs") else { return Vec::new() };
    let Ok(array) = melior::ir::attribute::ArrayAttribute::try_from(attribute) else { return Vec::new() };
    (0..array.len()).map(|i| array.element(i).map(|a| a.to_string()).unwrap_or_default()).collect()
}

pub use crate::mlir::defining_op;

/// Calls `visit` on every op nested in `operation`, in order.
pub fn for_each_op<'c, 'a>(operation: &OperationRef<'c, 'a>, visit: &mut dyn FnMut(&OperationRef<'c, 'a>)) {
    for index in 0..operation.region_count() {
        let mut block = operation.region(index).ok().and_then(|region| region.first_block());
        while let Some(current) = block {
            let mut next = current.first_operation();
            while let Some(inner) = next {
                visit(&inner);
                for_each_op(&inner, visit);
                next = inner.next_in_block();
            }
            block = current.next_in_region();
        }
    }
}

/// A type in C terms, for messages.
pub fn describe_type(ty: &str) -> String {
    match ty {
        "f64" => "double".into(),
        "f32" => "float".into(),
        "i32" => "int".into(),
        "i64" => "long".into(),
        "i16" => "short".into(),
        "i8" => "char".into(),
        "i1" => "_Bool".into(),
        "!llvm.ptr" => "a pointer".into(),
        "void" => "void".into(),
        other if other.starts_with("!llvm.struct") => format!("a struct ({other})"),
        other if other.starts_with("!llvm.array") => format!("an array ({other})"),
        other => other.to_string(),
    }
}

/// The size in bytes of a scalar or (nested) array type; `None` for
/// anything else (structs, pointers).
pub fn size_of(ty: &str) -> Option<i64> {
    match ty {
        "f64" | "i64" => Some(8),
        "f32" | "i32" => Some(4),
        "i16" => Some(2),
        "i8" | "i1" => Some(1),
        _ => {
            let (count, element) = array_parts(ty)?;
            Some(count * size_of(&element)?)
        }
    }
}

/// `!llvm.array<N x T>` as (N, T).
pub fn array_parts(ty: &str) -> Option<(i64, String)> {
    // Nested arrays print their inner types without the dialect prefix.
    let inner = ty.strip_prefix("!llvm.array<").or_else(|| ty.strip_prefix("array<"))?.strip_suffix('>')?;
    let (count, element) = inner.split_once(" x ")?;
    Some((count.trim().parse().ok()?, element.trim().to_string()))
}

/// A nested array type as its element count and scalar element type.
pub fn flatten_array(ty: &str) -> Option<(i64, String)> {
    match array_parts(ty) {
        Some((count, element)) => {
            let (inner, scalar) = flatten_array(&element)?;
            Some((count * inner, scalar))
        }
        None => matches!(ty, "f64" | "f32" | "i64" | "i32").then(|| (1, ty.to_string())),
    }
}
