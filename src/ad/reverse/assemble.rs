//! The adjoint function around the two sweeps: its signature (the primal's
//! arguments, each 'dup' one followed by its shadow, then one seed per
//! float result when seeded; the primal's results, then one gradient per
//! 'active' argument), the seeds, the gradients, and what is freed at the
//! end.

use super::Generator;
use crate::{
    ad::{
        Activity, Request,
        ir::{Func, Program},
        scopes::TOP,
        validate,
    },
    error::{Error, Result},
    mlir::{self, Builder, Element, Type, Val, handle},
};
use melior::ir::{
    Block, BlockLike, Identifier, Module, Region, RegionLike,
    attribute::{StringAttribute, TypeAttribute},
    operation::{OperationBuilder, OperationLike},
    r#type::FunctionType,
};

/// Builds, in `module`, the adjoint of `root` and of every function its
/// adjoint calls (callees that are not inlined).
pub fn generate(program: &Program, root: &Request, module: &Module<'static>, context: &'static melior::Context) -> Result<()> {
    let mut done: Vec<Request> = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(request) = pending.pop() {
        // Built already, here or for an earlier request of the module
        // (nested derivatives generate in rounds).
        if done.contains(&request) || crate::mlir::has_symbol(module, &request.name()) {
            continue;
        }
        // A function with a custom adjoint is differentiated as a call of it.
        let through = crate::ad::custom::through_call(context, module, &request.function, true)?;
        let func = match &through {
            Some(func) => func,
            None => program.functions.get(&request.function).ok_or_else(|| {
                Error::NotFound(format!("no function @{} with a body to differentiate", request.function))
            })?,
        };
        validate::activity(func, &request.activity)?;
        validate::globals_across_calls(program, func)?;
        validate::no_tapes(func)?;
        let seeded = matches!(request.mode, crate::ad::Mode::Reverse { seeded: true });
        let mut generator = Generator::new(func, &request.activity, seeded, module, context);
        generator.function(&request.name())?;
        pending.append(&mut generator.callees);
        done.push(request);
    }
    Ok(())
}

impl<'f> Generator<'f> {
    /// The whole adjoint function, named `name`, added to the module.
    pub(crate) fn function(&mut self, name: &str) -> Result<()> {
        let func: &'f Func = self.func;
        validate::structure(func)?;
        validate::const_memory(self)?;
        let block = &func.body[0];
        let ret = block.ops.last().filter(|op| op.name == "func.return").ok_or_else(|| {
            Error::Unsupported(format!("{}: @{} does not end with func.return", func.place, func.name))
        })?;
        let location = func.location;

        // The signature.
        let mut inputs: Vec<Type> = Vec::new();
        for (&arg, &kind) in func.args.iter().zip(&self.activity) {
            inputs.push(self.ty(arg));
            if kind == Activity::Dup {
                inputs.push(self.ty(arg));
            }
        }
        let float_results: Vec<usize> =
            (0..ret.operands.len()).filter(|&i| Element::of(self.ty(ret.operands[i])).is_some()).collect();
        if self.seeded {
            inputs.extend(float_results.iter().map(|&i| self.ty(ret.operands[i])));
        }
        let active_args: Vec<_> =
            func.args.iter().zip(&self.activity).filter(|(_, a)| **a == Activity::Active).map(|(&v, _)| v).collect();
        let mut results: Vec<Type> = func.result_types.clone();
        results.extend(active_args.iter().map(|&v| self.ty(v)));
        let entry = create_function(self.context, self.module, name, &inputs, &results, location);
        self.entry = Some(entry);

        // Arguments, shadows and seeds.
        let mut parameter = 0;
        for (&arg, &kind) in func.args.iter().zip(&self.activity) {
            self.forward_values[arg] = Some(mlir::block_argument(entry, parameter));
            parameter += 1;
            if kind == Activity::Dup {
                self.argument_shadows.insert(arg, mlir::block_argument(entry, parameter));
                parameter += 1;
            }
        }

        // The forward sweep.
        let builder = Builder::at_end(self.context, entry, location);
        self.open_top_forward_scope(&builder);
        self.forward_block(block, &builder)?;

        // The reverse sweep, from the seeds.
        self.push_scope(TOP, entry, None);
        let seed_builder = Builder::at_end(self.context, entry, ret.location);
        for (position, &index) in float_results.iter().enumerate() {
            let value = ret.operands[index];
            let seed = if self.seeded {
                mlir::block_argument(entry, parameter + position)
            } else {
                one_of(self.ty(value), &seed_builder)
            };
            if self.active(value) {
                self.add_adjoint(value, seed, ret);
            }
        }
        self.reverse_ops(&block.ops[..block.ops.len() - 1])?;
        let tail = Builder::at_end(self.context, entry, location);
        let mut gradients = Vec::new();
        for &arg in &active_args {
            gradients.push(self.adjoint_or_zero(arg, &tail));
        }
        self.pop_scope();

        // What the adjoint allocated, freed.
        let tail = Builder::at_end(self.context, entry, location);
        for (_, copies) in std::mem::take(&mut self.call_copies) {
            for (_, copy) in copies {
                tail.dealloc(copy);
            }
        }
        for &buffer in &self.deferred_frees {
            tail.dealloc(buffer);
        }
        let mut tapes: Vec<_> = self.tapes.iter().collect();
        tapes.sort_by_key(|(value, _)| **value);
        for (_, tape) in tapes {
            match tape.bytes {
                Some(bytes) => {
                    let released = tail.subi(tail.index(0), bytes);
                    tail.call("zad_tape_account", &[released], &[]);
                    tail.dealloc(tape.value);
                }
                None => {
                    tail.op("zad.tape_free", &[tape.value], &[], &[]);
                }
            }
        }
        let mut returned: Vec<Val> = ret.operands.iter().map(|&v| self.forward_value(v)).collect();
        returned.extend(gradients);
        tail.at(ret.location).ret(&returned);

        // The run time's functions the adjoint calls.
        let index = Type::index(self.context);
        mlir::declare_function(self.context, self.module, "zad_tape_account", &[index], &[], location);
        for anchor in self.anchors.drain(..) {
            handle::erase(anchor);
        }
        Ok(())
    }

    /// The function body's forward scope: records of the arguments go first.
    fn open_top_forward_scope(&mut self, builder: &Builder) {
        let header = self.anchor(builder);
        self.forward_scopes.insert(TOP, super::ForwardScope { header, iteration: None, index: None });
    }

    /// The reverse sweep of `ops`, last first.
    pub(crate) fn reverse_ops(&mut self, ops: &'f [crate::ad::ir::Op]) -> Result<()> {
        for op in ops.iter().rev() {
            self.reverse_op(op)?;
        }
        Ok(())
    }

    fn reverse_op(&mut self, op: &'f crate::ad::ir::Op) -> Result<()> {
        if matches!(op.name.as_str(), "scf.for" | "scf.while") && super::checkpointed::scheme(op).is_some() {
            return self.reverse_checkpointed(op);
        }
        if matches!(op.name.as_str(), "scf.yield" | "scf.condition" | "scf.reduce" | "func.return") {
            return Ok(());
        }
        match crate::ad::rules::lookup(&op.name) {
            Some(rule) => rule.reverse(op, self),
            None => {
                let active = op.results.iter().any(|&r| self.active(r));
                if active {
                    return Err(self.unsupported(op, "no derivative rule for this op (see src/ad/rules for the ops that have one)"));
                }
                if op.operands.iter().any(|&v| self.has_shadow(v)) {
                    return Err(self.unsupported(op, "it reads or writes memory that carries derivatives, and zad has no rule for it"));
                }
                Ok(())
            }
        }
    }
}

/// A function `@name(inputs) -> results` with an empty entry block,
/// appended to `module`; the entry block.
pub(crate) fn create_function(
    context: &'static melior::Context,
    module: &Module<'static>,
    name: &str,
    inputs: &[Type],
    results: &[Type],
    location: mlir::Location,
) -> mlir::BlockRef {
    let ty = FunctionType::new(context, inputs, results);
    let region = Region::new();
    let arguments: Vec<(Type, mlir::Location)> = inputs.iter().map(|&ty| (ty, location)).collect();
    region.append_block(Block::new(&arguments));
    let function = OperationBuilder::new("func.func", location)
        .add_attributes(&[
            (Identifier::new(context, "sym_name"), StringAttribute::new(context, name).into()),
            (Identifier::new(context, "function_type"), TypeAttribute::new(ty.into()).into()),
        ])
        .add_regions([region])
        .build()
        .expect("a valid function");
    let function = module.body().append_operation(function);
    let region = function.region(0).expect("a body");
    handle::block(&region.first_block().expect("an entry block"))
}

/// A one of float or complex type `ty` (the default seed).
fn one_of(ty: Type, builder: &Builder) -> Val {
    match Element::of(ty) {
        Some(element) if element.is_complex() => {
            let component = element.real().mlir_name();
            let value = builder.parse_attribute(&format!("[1.0 : {component}, 0.0 : {component}]"));
            builder.value("complex.constant", &[], ty, &[("value", value)])
        }
        _ => builder.float(ty, 1.0),
    }
}
