//! Which memref arguments a function may write: the buffers whose final
//! contents the CLI shows.
//!
//! The answer may say "written" of a buffer the function only reads, never
//! the reverse: a use is a read only for the ops listed here as reading
//! (loads, sizes, the source of a copy); views of an argument (subview,
//! cast, ...) are followed; a call writes what its callee may write, and
//! any other use (a store, a copy into it, an op zad does not know) counts
//! as a write.

use crate::module::{defined_function_ops, find_function};
use melior::ir::{
    BlockLike, OperationRef, RegionLike, Value, ValueLike,
    operation::{OperationLike, WalkOrder, WalkResult},
    r#type::MemRefType,
};
use std::collections::{HashMap, HashSet};

/// Ops that only read the memref operands they are given.
const READERS: [&str; 10] = [
    "memref.load",
    "memref.dim",
    "memref.rank",
    "memref.extract_aligned_pointer_as_index",
    "affine.load",
    "vector.load",
    "vector.transfer_read",
    "vector.gather",
    "vector.maskedload",
    "vector.expandload",
];

/// Ops whose memref results are views of their memref operand: a write
/// through the view writes the operand.
const VIEWS: [&str; 11] = [
    "memref.subview",
    "memref.cast",
    "memref.reinterpret_cast",
    "memref.expand_shape",
    "memref.collapse_shape",
    "memref.transpose",
    "memref.view",
    "memref.reshape",
    "memref.memory_space_cast",
    "memref.assume_alignment",
    "memref.extract_strided_metadata",
];

/// For each argument of function `name` in `ir`: whether it is a memref
/// the function may write.
pub(crate) fn written_arguments(ir: &melior::ir::Module, name: &str) -> Vec<bool> {
    let functions: HashMap<String, OperationRef> = defined_function_ops(ir).into_iter().collect();
    let mut analysis = Analysis { functions, done: HashMap::new(), in_progress: HashSet::new() };
    match find_function(ir, name) {
        Ok(function) => analysis.written(name, function),
        Err(_) => Vec::new(),
    }
}

struct Analysis<'c, 'a> {
    functions: HashMap<String, OperationRef<'c, 'a>>,
    done: HashMap<String, Vec<bool>>,
    /// Functions being analysed: a recursive call to one of them is
    /// assumed to write every memref it is given.
    in_progress: HashSet<String>,
}

fn key(value: Value) -> usize {
    value.to_raw().ptr as usize
}

fn is_memref(value: Value) -> bool {
    MemRefType::try_from(value.r#type()).is_ok()
}

impl<'c, 'a> Analysis<'c, 'a> {
    fn written(&mut self, name: &str, function: OperationRef<'c, 'a>) -> Vec<bool> {
        if let Some(known) = self.done.get(name) {
            return known.clone();
        }
        let Some(entry) = function.region(0).ok().and_then(|region| region.first_block()) else {
            return Vec::new();
        };
        self.in_progress.insert(name.to_string());
        let written: Vec<bool> = (0..entry.argument_count())
            .map(|index| {
                let argument: Value = entry.argument(index).expect("index in range").into();
                is_memref(argument) && self.writes_through(function, argument)
            })
            .collect();
        self.in_progress.remove(name);
        self.done.insert(name.to_string(), written.clone());
        written
    }

    /// Whether `function` may write the buffer `argument` refers to.
    fn writes_through(&mut self, function: OperationRef<'c, 'a>, argument: Value<'c, 'a>) -> bool {
        // The argument and its views. A walk in pre-order meets each view's
        // definition before its uses.
        let mut aliases = HashSet::from([key(argument)]);
        let mut written = false;
        // Calls taking the buffer: (callee, operand positions).
        let mut calls = Vec::new();
        function.walk(WalkOrder::PreOrder, |operation| {
            let uses: Vec<usize> = operation
                .operands()
                .enumerate()
                .filter(|(_, value)| aliases.contains(&key(*value)))
                .map(|(index, _)| index)
                .collect();
            if uses.is_empty() {
                return WalkResult::Advance;
            }
            let name = operation.name().as_string_ref().as_str().unwrap_or_default().to_string();
            match name.as_str() {
                _ if VIEWS.contains(&name.as_str()) => {
                    for result in operation.results() {
                        let result: Value = result.into();
                        if is_memref(result) {
                            aliases.insert(key(result));
                        }
                    }
                }
                _ if READERS.contains(&name.as_str()) => {}
                // memref.copy(source, target)
                "memref.copy" => written |= uses.contains(&1),
                // Returning a buffer does not write it.
                "func.return" => {}
                "func.call" => {
                    let callee = operation.attribute("callee").map(|attribute| attribute.to_string()).unwrap_or_default();
                    calls.push((callee.trim_start_matches('@').to_string(), uses));
                }
                _ => written = true,
            }
            if written { WalkResult::Interrupt } else { WalkResult::Advance }
        });
        written || calls.into_iter().any(|(callee, uses)| self.call_writes(&callee, &uses))
    }

    /// Whether a call of `callee` that takes the buffer as its operands
    /// `uses` may write it.
    fn call_writes(&mut self, callee: &str, uses: &[usize]) -> bool {
        match self.functions.get(callee).copied() {
            Some(function) if !self.in_progress.contains(callee) => {
                let written = self.written(callee, function);
                uses.iter().any(|&index| written.get(index).copied().unwrap_or(true))
            }
            // Recursive, or a declaration (external code).
            _ => true,
        }
    }
}
