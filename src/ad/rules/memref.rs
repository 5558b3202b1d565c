//! Memory: a buffer that carries derivatives has a shadow of the same
//! shape. In reverse mode a load adds its adjoint into the shadow, a store
//! takes the adjoint of the stored value from the shadow and clears it, a
//! copy moves adjoints from the target's shadow to the source's. In forward
//! mode the shadow holds tangents: loads read it, stores write it.
//! Allocations, views and sizes need nothing in the reverse sweep (shadows
//! are made where they are first needed).

use super::{Derivative, Recompute};
use crate::{
    ad::{ir::Op, reverse::{Generator as Reverse, gather::Role}, tangent::Generator as Tangent},
    error::Result,
};

/// Ops whose result is a view of their first operand's memory.
pub const VIEWS: &[&str] = &[
    "memref.subview",
    "memref.cast",
    "memref.reinterpret_cast",
    "memref.expand_shape",
    "memref.collapse_shape",
    "memref.transpose",
    "memref.memory_space_cast",
];

pub(super) fn lookup(name: &str) -> Option<&'static dyn Derivative> {
    match name {
        "memref.load" => Some(&Load),
        "memref.store" => Some(&Store),
        "memref.copy" => Some(&Copy),
        "memref.alloc" | "memref.alloca" => Some(&Allocation),
        "memref.dealloc" => Some(&Dealloc),
        "memref.get_global" => Some(&Global),
        "memref.dim" | "memref.rank" => Some(&Size),
        _ if VIEWS.contains(&name) => Some(&View),
        _ => None,
    }
}

struct Load;
struct Store;
struct Copy;
struct Allocation;
struct Dealloc;
struct Global;
struct Size;
struct View;

impl Derivative for Load {
    fn recompute(&self) -> Recompute {
        Recompute::IfMemoryUnchanged
    }

    fn reverse<'f>(&self, op: &'f Op, g: &mut Reverse<'f>) -> Result<()> {
        let (memref, result) = (op.operands[0], op.results[0]);
        if !g.active(result) || !g.has_shadow(memref) {
            return Ok(());
        }
        let Some(adjoint) = g.adjoint(result) else { return Ok(()) };
        let shadow = g.shadow(memref, op)?;
        let mut indices = Vec::new();
        for &index in &op.operands[1..] {
            indices.push(g.primal(index)?);
        }
        let builder = g.builder(op);
        let role = g.gathering.as_ref().and_then(|gathering| gathering.role(op));
        match role {
            Some(Role::Gathered | Role::Ignored) => return Ok(()),
            Some(Role::Collected) => {
                let collected = g.gathering.as_ref().and_then(|gathering| gathering.collected());
                let sum = match collected {
                    None => adjoint,
                    Some(previous) => g.add(&builder, result, previous, adjoint),
                };
                if let Some(gathering) = g.gathering.as_mut() {
                    gathering.set_collected(sum);
                }
                return Ok(());
            }
            Some(Role::Own) | None => {}
        }
        if role.is_none() && g.accumulates_atomically(op) {
            if !super::scf::atomic_element(g.ty(result)) {
                return Err(g.unsupported(op, "its adjoint would be added atomically, which zad does only for f32 and f64"));
            }
            builder.atomic_add(adjoint, shadow, &indices);
            return Ok(());
        }
        let old = builder.load(shadow, &indices);
        let new = g.add(&builder, result, old, adjoint);
        builder.store(new, shadow, &indices);
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, t: &mut Tangent<'f>) -> Result<()> {
        t.tangent_load(op)
    }
}

impl Derivative for Store {
    fn recompute(&self) -> Recompute {
        Recompute::Never
    }

    fn reverse<'f>(&self, op: &'f Op, g: &mut Reverse<'f>) -> Result<()> {
        let (value, memref) = (op.operands[0], op.operands[1]);
        if !g.has_shadow(memref) {
            return Ok(());
        }
        let shadow = g.shadow(memref, op)?;
        let mut indices = Vec::new();
        for &index in &op.operands[2..] {
            indices.push(g.primal(index)?);
        }
        let builder = g.builder(op);
        let adjoint = builder.load(shadow, &indices);
        // A gather pass only reads what the reverse loop will clear.
        if !g.gathering.as_ref().is_some_and(|gathering| gathering.in_pass()) {
            let zero = g.zero(value, &builder);
            builder.store(zero, shadow, &indices);
        }
        if g.active(value) {
            g.add_adjoint(value, adjoint, op);
        }
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, t: &mut Tangent<'f>) -> Result<()> {
        t.tangent_store(op)
    }
}

impl Derivative for Copy {
    fn recompute(&self) -> Recompute {
        Recompute::Never
    }

    fn reverse<'f>(&self, op: &'f Op, g: &mut Reverse<'f>) -> Result<()> {
        let (source, target) = (op.operands[0], op.operands[1]);
        if !g.has_shadow(target) {
            return Ok(());
        }
        let target_shadow = g.shadow(target, op)?;
        let source_shadow = if g.has_shadow(source) { Some(g.shadow(source, op)?) } else { None };
        let builder = g.builder(op);
        let element = crate::mlir::element_of(target_shadow.r#type());
        crate::ad::reverse::for_each_element(&builder, target_shadow, g.parallel_kernel, |inner, indices| {
            let adjoint = inner.load(target_shadow, indices);
            inner.store(crate::ad::reverse::zero_of(element, inner), target_shadow, indices);
            if let Some(source_shadow) = source_shadow {
                let old = inner.load(source_shadow, indices);
                let sum = crate::mlir::Element::of(element)
                    .expect("a float buffer")
                    .add(inner, old, adjoint, None);
                inner.store(sum, source_shadow, indices);
            }
        });
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, t: &mut Tangent<'f>) -> Result<()> {
        t.tangent_copy(op)
    }
}

impl Derivative for Allocation {
    fn recompute(&self) -> Recompute {
        Recompute::Never
    }

    fn reverse<'f>(&self, _: &'f Op, _: &mut Reverse<'f>) -> Result<()> {
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, t: &mut Tangent<'f>) -> Result<()> {
        t.tangent_allocation(op)
    }
}

impl Derivative for Dealloc {
    fn recompute(&self) -> Recompute {
        Recompute::Never
    }

    fn reverse<'f>(&self, _: &'f Op, _: &mut Reverse<'f>) -> Result<()> {
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, t: &mut Tangent<'f>) -> Result<()> {
        t.tangent_dealloc(op)
    }
}

impl Derivative for Global {
    fn recompute(&self) -> Recompute {
        Recompute::Cheap
    }

    fn reverse<'f>(&self, _: &'f Op, _: &mut Reverse<'f>) -> Result<()> {
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, t: &mut Tangent<'f>) -> Result<()> {
        t.tangent_allocation(op)
    }
}

impl Derivative for Size {
    fn results_can_be_active(&self) -> bool {
        false
    }

    fn recompute(&self) -> Recompute {
        Recompute::Cheap
    }

    fn reverse<'f>(&self, _: &'f Op, _: &mut Reverse<'f>) -> Result<()> {
        Ok(())
    }

    fn tangent<'f>(&self, _: &'f Op, _: &mut Tangent<'f>) -> Result<()> {
        Ok(())
    }
}

impl Derivative for View {
    fn recompute(&self) -> Recompute {
        Recompute::Cheap
    }

    fn reverse<'f>(&self, _: &'f Op, _: &mut Reverse<'f>) -> Result<()> {
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, t: &mut Tangent<'f>) -> Result<()> {
        t.tangent_view(op)
    }
}

use melior::ir::ValueLike;
