//! BLAS and LAPACK routines a kernel declares and zad runs on OpenBLAS.
//!
//! A kernel calls a routine by declaring it without a body under its
//! reference name with the signature listed in [`ROUTINES`] (matrices are
//! rank-2 `f64` memrefs, element `(i, j)` being `A[i][j]` whatever the
//! layout, vectors rank-1 `f64` memrefs, flags `i1`, pivots a rank-1 `i32`
//! memref, LAPACK's `info` an `i32` result). Sizes come from the memrefs, so
//! there are no leading dimensions to pass and nothing to read out of
//! bounds: zad checks the shapes and the layouts (rows or columns must be
//! contiguous) before calling OpenBLAS.
//!
//! Such a declaration is resolved to zad's own shim (`exec::blas`), which
//! calls OpenBLAS (`libopenblas.so.0`, loaded on first use), unless the
//! host registered a function of that name on the context. Its derivatives
//! are built in: when a module is differentiated, the declaration gets
//! `zad.adjoint` / `zad.tangent` attributes naming zad's adjoint and
//! tangent of the routine (`__zad_blas_adjoint_<name>`,
//! `__zad_blas_tangent_<name>`), foreign functions whose bodies are
//! themselves BLAS and LAPACK calls (see `ad::custom` for the conventions).

use crate::{
    ad::custom,
    mlir::{self, Type},
};
use melior::ir::{
    Attribute, BlockLike, Module, RegionLike, TypeLike,
    attribute::FlatSymbolRefAttribute,
    operation::{OperationLike, OperationMutLike},
    r#type::MemRefType,
    r#type::ShapedTypeLike,
};

/// The attribute marking a `func.call` of one of zad's routines (its name),
/// so that the activity analysis knows which buffers the call writes.
pub const CALL_MARK: &str = "zad.blas";

/// Symbol prefixes of zad's derivatives of the routines.
pub const ADJOINT_PREFIX: &str = "__zad_blas_adjoint_";
pub const TANGENT_PREFIX: &str = "__zad_blas_tangent_";

/// One parameter of a routine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// `i1`: a transpose, triangle or unit-diagonal switch.
    Flag,
    /// `f64`.
    Scalar,
    /// A rank-1 `f64` memref.
    Vector,
    /// A rank-2 `f64` memref.
    Matrix,
    /// A rank-1 `i32` memref (LAPACK's 1-based row interchanges).
    Pivots,
}

/// What a routine returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    Nothing,
    /// `f64`.
    Real,
    /// LAPACK's `info` as `i32`.
    Info,
}

/// A routine zad provides.
#[derive(Clone, Copy, Debug)]
pub struct Routine {
    pub name: &'static str,
    pub params: &'static [Param],
    pub returns: Returns,
    /// The parameters it writes (the others are only read).
    pub writes: &'static [usize],
}

use Param::*;

/// The routines, with the signatures a declaration must have.
pub const ROUTINES: &[Routine] = &[
    Routine { name: "ddot", params: &[Vector, Vector], returns: Returns::Real, writes: &[] },
    Routine { name: "daxpy", params: &[Scalar, Vector, Vector], returns: Returns::Nothing, writes: &[2] },
    Routine { name: "dscal", params: &[Scalar, Vector], returns: Returns::Nothing, writes: &[1] },
    Routine { name: "dnrm2", params: &[Vector], returns: Returns::Real, writes: &[] },
    Routine { name: "dgemv", params: &[Flag, Scalar, Matrix, Vector, Scalar, Vector], returns: Returns::Nothing, writes: &[5] },
    Routine {
        name: "dgemm",
        params: &[Flag, Flag, Scalar, Matrix, Matrix, Scalar, Matrix],
        returns: Returns::Nothing, writes: &[6] },
    Routine { name: "dtrsv", params: &[Flag, Flag, Flag, Matrix, Vector], returns: Returns::Nothing, writes: &[4] },
    Routine { name: "dgetrf", params: &[Matrix, Pivots], returns: Returns::Info, writes: &[0, 1] },
    Routine { name: "dgetrs", params: &[Flag, Matrix, Pivots, Matrix], returns: Returns::Nothing, writes: &[3] },
    Routine { name: "dgesv", params: &[Matrix, Pivots, Matrix], returns: Returns::Info, writes: &[0, 1, 2] },
    Routine { name: "dpotrf", params: &[Flag, Matrix], returns: Returns::Info, writes: &[1] },
    Routine { name: "dpotrs", params: &[Flag, Matrix, Matrix], returns: Returns::Nothing, writes: &[2] },
];

/// The routine whose derivatives `adjoint` (a `zad.adjoint` symbol) is, if
/// it is one of zad's.
pub fn of_adjoint(adjoint: &str) -> Option<&'static Routine> {
    adjoint.strip_prefix(ADJOINT_PREFIX).and_then(routine)
}

/// The routine named `name`, if zad provides one.
pub fn routine(name: &str) -> Option<&'static Routine> {
    ROUTINES.iter().find(|routine| routine.name == name)
}

impl Routine {
    /// The signature as MLIR writes it (with identity layouts; any strided
    /// layout is accepted too).
    pub fn signature(&self) -> String {
        let params: Vec<&str> = self
            .params
            .iter()
            .map(|param| match param {
                Flag => "i1",
                Scalar => "f64",
                Vector => "memref<?xf64>",
                Matrix => "memref<?x?xf64>",
                Pivots => "memref<?xi32>",
            })
            .collect();
        let returns = match self.returns {
            Returns::Nothing => "()",
            Returns::Real => "f64",
            Returns::Info => "i32",
        };
        format!("({}) -> {returns}", params.join(", "))
    }

    /// Whether a declaration of type `(inputs) -> (results)` has this
    /// routine's signature.
    pub fn matches(&self, inputs: &[Type], results: &[Type]) -> bool {
        let memref = |ty: Type, element: &str, rank: usize| {
            ty.is_mem_ref()
                && mlir::element_of(ty).to_string() == element
                && MemRefType::try_from(ty).is_ok_and(|memref| memref.rank() == rank)
        };
        let param_matches = |param: &Param, ty: Type| match param {
            Flag => ty.to_string() == "i1",
            Scalar => ty.to_string() == "f64",
            Vector => memref(ty, "f64", 1),
            Matrix => memref(ty, "f64", 2),
            Pivots => memref(ty, "i32", 1),
        };
        let results_match = match self.returns {
            Returns::Nothing => results.is_empty(),
            Returns::Real => results.len() == 1 && results[0].to_string() == "f64",
            Returns::Info => results.len() == 1 && results[0].to_string() == "i32",
        };
        inputs.len() == self.params.len()
            && results_match
            && self.params.iter().zip(inputs).all(|(param, &ty)| param_matches(param, ty))
    }
}

/// The routine a bodiless declaration `name` of `(inputs) -> (results)`
/// stands for, if its name and signature are one of [`ROUTINES`].
pub fn declared(name: &str, inputs: &[Type], results: &[Type]) -> Option<&'static Routine> {
    routine(name).filter(|routine| routine.matches(inputs, results))
}

fn types_of(ty: melior::ir::r#type::FunctionType<'static>) -> (Vec<Type>, Vec<Type>) {
    (custom::inputs_of(ty), custom::results_of(ty))
}

/// The routine the bodiless `func.func` `op` stands for, if any.
pub fn of_declaration<'a>(op: &impl OperationLike<'static, 'a>) -> Option<&'static Routine> {
    if op.name().as_string_ref().as_str() != Ok("func.func") || op.region(0).is_ok_and(|r| r.first_block().is_some()) {
        return None;
    }
    let name = mlir::symbol_name(op)?;
    let (inputs, results) = types_of(mlir::function_type(op)?);
    declared(&name, &inputs, &results)
}

/// Marks every `func.call` of the routines `names` with [`CALL_MARK`].
fn mark_calls(context: &'static melior::Context, module: &Module<'static>, names: &[&str]) {
    if names.is_empty() {
        return;
    }
    let mut calls = Vec::new();
    module.as_operation().walk(melior::ir::operation::WalkOrder::PreOrder, |op| {
        if op.name().as_string_ref().as_str() == Ok("func.call")
            && let Ok(callee) = op.attribute("callee")
        {
            let callee = callee.to_string();
            if let Some(name) = names.iter().find(|name| callee.trim_start_matches('@') == **name) {
                calls.push((mlir::handle::op(&op), *name));
            }
        }
        melior::ir::operation::WalkResult::Advance
    });
    for (op, name) in calls {
        let mut op = mlir::handle::op_mut(op);
        op.set_discardable_attribute(CALL_MARK, melior::ir::attribute::StringAttribute::new(context, name).into());
    }
}

/// The parameters the call `op` writes, when it calls one of zad's
/// routines (marked by [`attach_derivatives`]).
pub fn call_writes(op: &crate::ad::ir::Op) -> Option<&'static [usize]> {
    let name = op.attribute(CALL_MARK)?;
    let name = melior::ir::attribute::StringAttribute::try_from(name).ok()?;
    routine(name.value()).map(|routine| routine.writes)
}

/// Gives each declaration of a routine (that the host did not register a
/// function for) the attributes naming zad's adjoint and tangent of it,
/// declaring them; attributes written in the text are kept.
pub fn attach_derivatives(context: &'static melior::Context, module: &Module<'static>, registered: &dyn Fn(&str) -> bool) {
    let mut declarations = Vec::new();
    let mut next = module.body().first_operation();
    while let Some(op) = next {
        next = op.next_in_block();
        if let Some(routine) = of_declaration(&op).filter(|routine| !registered(routine.name)) {
            declarations.push((mlir::handle::op(&op), routine));
        }
    }
    let names: Vec<&str> = declarations.iter().map(|(_, routine)| routine.name).collect();
    mark_calls(context, module, &names);
    for (op, routine) in declarations {
        let mut op = mlir::handle::op_mut(op);
        let Some(ty) = mlir::function_type(&op) else { continue };
        let (inputs, results) = types_of(ty);
        let location = op.location();
        if !op.has_attribute(custom::ADJOINT) {
            let symbol = format!("{ADJOINT_PREFIX}{}", routine.name);
            let (arguments, returned) = custom::adjoint_signature(&inputs, &results, &[]);
            mlir::declare_function(context, module, &symbol, &arguments, &returned, location);
            op.set_discardable_attribute(custom::ADJOINT, Attribute::from(FlatSymbolRefAttribute::new(context, &symbol)));
        }
        if !op.has_attribute(custom::TANGENT) {
            let symbol = format!("{TANGENT_PREFIX}{}", routine.name);
            let (arguments, returned) = custom::tangent_signature(&inputs, &results);
            mlir::declare_function(context, module, &symbol, &arguments, &returned, location);
            op.set_discardable_attribute(custom::TANGENT, Attribute::from(FlatSymbolRefAttribute::new(context, &symbol)));
        }
    }
}
