//! The tape: what the reverse sweep does with a primal value it needs.
//!
//! A value of the function body is at hand (it dominates the reverse
//! sweep). Inside loops and branches a value is recomputed when that is
//! cheap (pure ops whose rule says so, loads from memory nothing writes, at
//! most one recorded input), and otherwise recorded by the forward sweep:
//! in a buffer preallocated before the loop nest and indexed by the
//! iteration number when the enclosing loops' trip counts are known before
//! the nest runs, on a growing stack (`!zad.tape<T>`) otherwise. Recording
//! is added to the forward sweep after the fact, right after the value's
//! definition.

use super::{Generator, Tape};
use crate::{
    ad::{
        ir::{Op, ValueId},
        rules::{self, Recompute},
        scopes::{Kind, ScopeId, TOP},
    },
    error::{Error, Result},
    mlir::{Builder, Element, Val},
};
use melior::ir::TypeLike;

impl<'f> Generator<'f> {
    /// The primal value `value` as available in the current reverse scope.
    pub fn primal(&mut self, value: ValueId) -> Result<Val> {
        let scope = self.scopes.of_value[value];
        if scope == TOP {
            return Ok(self.forward_value(value));
        }
        let position = self.reverse.iter().rposition(|r| r.forward == scope).ok_or_else(|| {
            Error::Internal(format!("a value of @{} is needed outside the scope that defines it", self.func.name))
        })?;
        if let Some(&copy) = self.reverse[position].available.get(&value) {
            return Ok(copy);
        }
        let copy = match self.scopes.def[value] {
            Some(op) if self.recomputable(op) && self.tape_leaves(value) <= 1 => self.recompute(op, value, position)?,
            _ => self.load_from_tape(value, position)?,
        };
        self.reverse[position].available.insert(value, copy);
        Ok(copy)
    }

    /// Ops the reverse sweep may run again instead of recording their
    /// results: pure ops their rule calls cheap (and integer arithmetic),
    /// and loads from memory nothing writes (of a buffer of the function
    /// body).
    pub(crate) fn recomputable(&self, op: &Op) -> bool {
        // Buffers cannot be recorded: an op that takes one defined inside a
        // loop or branch is recorded by its results instead.
        let buffers_at_hand =
            op.operands.iter().all(|&v| !self.ty(v).is_mem_ref() || self.scopes.of_value[v] == TOP);
        if !op.regions.is_empty() || !buffers_at_hand {
            return false;
        }
        match rules::lookup(&op.name).map(|rule| rule.recompute()) {
            Some(Recompute::Cheap) => true,
            Some(Recompute::IfMemoryUnchanged) => {
                self.analysis.read_only(op.operands[0]) && self.scopes.of_value[op.operands[0]] == TOP
            }
            Some(Recompute::Costly | Recompute::Never) => false,
            // Integer and index arithmetic has no rule (it never carries
            // derivatives) and is pure.
            None => op.name.starts_with("arith.") || op.name.starts_with("index."),
        }
    }

    /// How many distinct values recomputing `value` would read from tapes.
    fn tape_leaves(&self, value: ValueId) -> usize {
        let mut leaves = Vec::new();
        self.collect_tape_leaves(value, 0, &mut leaves);
        leaves.len()
    }

    fn collect_tape_leaves(&self, value: ValueId, depth: usize, leaves: &mut Vec<ValueId>) {
        let scope = self.scopes.of_value[value];
        if scope == TOP || self.reverse.iter().any(|r| r.available.contains_key(&value)) || leaves.contains(&value) {
            return;
        }
        match self.scopes.def[value] {
            Some(op) if self.recomputable(op) && depth < 16 => {
                for &operand in &op.operands {
                    self.collect_tape_leaves(operand, depth + 1, leaves);
                }
            }
            _ => leaves.push(value),
        }
    }

    fn recompute(&mut self, op: &Op, value: ValueId, position: usize) -> Result<Val> {
        let mut operands = Vec::new();
        for &operand in &op.operands {
            operands.push(self.primal(operand)?);
        }
        let copy = self.preamble(position).at(op.location).clone_with_operands(op.handle, &operands);
        let scope = &mut self.reverse[position];
        for (index, &result) in op.results.iter().enumerate() {
            scope.available.insert(result, crate::mlir::result_of(copy, index));
        }
        Ok(scope.available[&value])
    }

    fn load_from_tape(&mut self, value: ValueId, position: usize) -> Result<Val> {
        let ty = self.ty(value);
        if ty.is_mem_ref() {
            let place = self.scopes.def[value].map(|op| op.place.clone()).unwrap_or_else(|| self.func.place.clone());
            return Err(Error::Unsupported(format!(
                "{place}: the reverse sweep needs a buffer (of type {ty}) defined inside a loop or branch; allocate \
                 it before the loop"
            )));
        }
        if !self.tapes.contains_key(&value) {
            self.make_tape(value)?;
        }
        let tape = &self.tapes[&value];
        let preamble = self.preamble(position);
        Ok(if tape.indexed {
            let index = self.reverse[position]
                .index
                .ok_or_else(|| Error::Internal("an indexed tape read where iterations are not numbered".into()))?;
            preamble.load(tape.value, &[index])
        } else {
            preamble.value("zad.pop", &[tape.value], ty, &[])
        })
    }

    /// Makes the tape of `value` and records it in the forward sweep.
    fn make_tape(&mut self, value: ValueId) -> Result<()> {
        let scope = self.scopes.of_value[value];
        let ty = self.ty(value);
        let indexed = self.scopes.scopes[scope].indexable;
        let location = self.func.location;
        let tape = if indexed {
            let top_level = &self.func.body[0].ops[self.scopes.scopes[scope].outermost];
            let before = Builder::before(self.context, self.forward_ops[&(top_level as *const Op)], location);
            let mut size = before.index(1);
            for lp in self.scopes.loops(scope) {
                let bounds = super::forward::LoopBounds::of(lp, &before, |v| self.forward_value(v));
                size = super::forward::size_product(&before, size, bounds.count(&before));
            }
            let buffer_type = melior::ir::r#type::MemRefType::new(ty, &[i64::MIN], None, None).into();
            let buffer = before.alloc(buffer_type, &[size]);
            let bytes = super::forward::size_product(&before, size, before.index(value_bytes(ty) as i64));
            before.call("zad_tape_account", &[bytes], &[]);
            Tape { value: buffer, indexed: true, bytes: Some(bytes) }
        } else {
            let entry = self.entry.expect("the adjoint's entry block");
            let start = Builder::at_start(self.context, entry, location);
            let tape_type = start.parse_type(&format!("!zad.tape<{ty}>"))?;
            Tape { value: start.value("zad.tape_new", &[], tape_type, &[]), indexed: false, bytes: None }
        };
        let record = self.record_point(value);
        let copy = self.forward_value(value);
        if tape.indexed {
            let index = self.forward_index(scope);
            record.store(copy, tape.value, &[index]);
        } else {
            record.op("zad.push", &[tape.value, copy], &[], &[]);
        }
        self.tapes.insert(value, tape);
        Ok(())
    }

    /// Where the forward sweep records `value`: right after its definition
    /// (the trip count of an `scf.while` is defined by the loop).
    fn record_point(&self, value: ValueId) -> Builder {
        let location = self.func.location;
        if let Some(op) = self.scopes.def[value] {
            return Builder::after(self.context, self.forward_ops[&(op as *const Op)], location);
        }
        let scope = self.scopes.of_value[value];
        Builder::after(self.context, self.forward_scopes[&scope].header, location)
    }

    /// The index of preallocated tapes in forward scope `scope` (made on
    /// first use, at the scope's header): the iteration number across the
    /// enclosing loops, `parent · count + k`.
    pub(crate) fn forward_index(&mut self, scope: ScopeId) -> Val {
        if let Some(index) = self.forward_scopes[&scope].index {
            return index;
        }
        let parent = self.scopes.scopes[scope].parent.unwrap_or(TOP);
        let parent_index = if parent == TOP { None } else { Some(self.forward_index(parent)) };
        let forward = self.forward_scopes[&scope];
        let builder = Builder::before(self.context, forward.header, self.func.location);
        let index = match (self.scopes.scopes[scope].kind, forward.iteration) {
            (Kind::ForBody | Kind::ParallelBody, Some((k, count))) => match parent_index {
                Some(parent) => builder.addi(builder.muli(parent, count), k),
                None => k,
            },
            _ => parent_index.unwrap_or_else(|| builder.index(0)),
        };
        self.forward_scopes.get_mut(&scope).expect("opened").index = Some(index);
        index
    }
}

/// Bytes a value of type `ty` takes in a preallocated tape.
fn value_bytes(ty: crate::mlir::Type) -> usize {
    match Element::of(ty) {
        Some(element) => element.bytes(),
        None if ty.is_index() => 8,
        // SAFETY: a non-float scalar on a tape is an integer type.
        None => (unsafe { mlir_sys::mlirIntegerTypeGetWidth(ty.to_raw()) } as usize).div_ceil(8).max(1),
    }
}
