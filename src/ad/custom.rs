//! Custom derivatives: a function may name the functions zad calls instead
//! of differentiating it, as attributes of its `func.func` (with a body or
//! a bodiless declaration of a foreign routine):
//!
//! - `zad.adjoint = @f_adjoint`: reverse mode. Its signature is the one of
//!   the gradient zad would generate for `@f` with every float scalar
//!   `active` and every float memref `dup`: f's arguments, a shadow after
//!   each float memref, one seed per float result (then the residuals of
//!   `zad.forward`, if any) -> f's results, then one gradient per float
//!   scalar argument. It accumulates into the shadows.
//! - `zad.tangent = @f_tangent`: forward mode, the convention of
//!   `tangent`: each float argument (scalar or memref) followed by its
//!   tangent -> f's results, then one tangent per float result.
//! - `zad.forward = @f_fwd`: f's arguments -> f's results, then residuals
//!   (scalars) that the reverse sweep keeps on its tape and passes to the
//!   adjoint after the seeds. The forward sweep calls it in place of `@f`.
//!
//! Derivatives registered on the context for a foreign function
//! (`zad_context_register_derivative`) become such attributes on its
//! declaration, naming declarations of the registered functions
//! ([`attach_registered`]). Signatures are checked up front ([`check_all`]).

use crate::{
    error::{Error, Result},
    mlir::{self, Element, Type},
};
use melior::ir::{
    Attribute, Module, RegionLike, TypeLike,
    attribute::FlatSymbolRefAttribute,
    operation::{OperationLike, OperationMutLike},
    r#type::FunctionType,
};

/// The attributes naming custom derivatives.
pub const ADJOINT: &str = "zad.adjoint";
pub const TANGENT: &str = "zad.tangent";
pub const FORWARD: &str = "zad.forward";

/// Symbol prefixes of the declarations standing for registered derivatives.
pub const REGISTERED_ADJOINT: &str = "__zad_registered_adjoint_";
pub const REGISTERED_TANGENT: &str = "__zad_registered_tangent_";

/// What the module says about a callee.
#[derive(Clone, Debug, Default)]
pub struct Callee {
    pub adjoint: Option<String>,
    pub tangent: Option<String>,
    pub forward: Option<String>,
    /// A declaration without a body (a foreign function).
    pub foreign: bool,
    /// The types of the residuals `forward` returns after f's results.
    pub residuals: Vec<Type>,
}

/// Whether `function` (a `func.func`) names a custom derivative: such
/// functions are never inlined.
pub fn has_custom_derivative<'c: 'a, 'a>(function: &impl OperationLike<'c, 'a>) -> bool {
    [ADJOINT, TANGENT, FORWARD].iter().any(|key| function.has_attribute(key))
}

fn symbol_attribute<'c: 'a, 'a>(function: &impl OperationLike<'c, 'a>, key: &str) -> Option<String> {
    let attribute = function.attribute(key).ok()?;
    Some(attribute.to_string().trim_start_matches('@').trim_matches('"').to_string())
}

/// The callee `name` of `module`, if the module has a `func.func` of that
/// name.
pub fn callee(module: &Module<'static>, name: &str) -> Option<Callee> {
    let function = mlir::function(module, name)?;
    let foreign = function.region(0).map_or(true, |region| region.first_block().is_none());
    let forward = symbol_attribute(&function, FORWARD);
    let residuals = match (&forward, mlir::function_type(&function)) {
        (Some(forward), Some(ty)) => mlir::function(module, forward)
            .and_then(|f| mlir::function_type(&f))
            .map(|f| (ty.result_count()..f.result_count()).filter_map(|i| f.result(i).ok()).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    Some(Callee {
        adjoint: symbol_attribute(&function, ADJOINT),
        tangent: symbol_attribute(&function, TANGENT),
        forward,
        foreign,
        residuals,
    })
}

fn is_float(ty: Type) -> bool {
    Element::of(ty).is_some()
}

/// A memref of float or complex elements.
pub fn is_float_memref(ty: Type) -> bool {
    ty.is_mem_ref() && Element::of(mlir::element_of(ty)).is_some()
}

pub(crate) fn inputs_of(ty: FunctionType<'static>) -> Vec<Type> {
    (0..ty.input_count()).filter_map(|i| ty.input(i).ok()).collect()
}

pub(crate) fn results_of(ty: FunctionType<'static>) -> Vec<Type> {
    (0..ty.result_count()).filter_map(|i| ty.result(i).ok()).collect()
}

/// The signature an adjoint of a function of type `(inputs) -> (results)`
/// must have, with `residuals` from its `zad.forward`.
pub fn adjoint_signature(inputs: &[Type], results: &[Type], residuals: &[Type]) -> (Vec<Type>, Vec<Type>) {
    let mut arguments = Vec::new();
    for &input in inputs {
        arguments.push(input);
        if is_float_memref(input) {
            arguments.push(input);
        }
    }
    arguments.extend(results.iter().copied().filter(|&r| is_float(r)));
    arguments.extend_from_slice(residuals);
    let mut returned = results.to_vec();
    returned.extend(inputs.iter().copied().filter(|&i| is_float(i)));
    (arguments, returned)
}

/// The signature a tangent of a function of type `(inputs) -> (results)`
/// must have.
pub fn tangent_signature(inputs: &[Type], results: &[Type]) -> (Vec<Type>, Vec<Type>) {
    let mut arguments = Vec::new();
    for &input in inputs {
        arguments.push(input);
        if is_float(input) || is_float_memref(input) {
            arguments.push(input);
        }
    }
    let mut returned = results.to_vec();
    returned.extend(results.iter().copied().filter(|&r| is_float(r)));
    (arguments, returned)
}

fn show(inputs: &[Type], results: &[Type]) -> String {
    let list = |types: &[Type]| types.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ");
    match results.len() {
        1 => format!("({}) -> {}", list(inputs), list(results)),
        _ => format!("({}) -> ({})", list(inputs), list(results)),
    }
}

/// Checks every custom derivative the module names: the function exists
/// and has the signature its role asks for.
pub fn check_all(module: &Module<'static>) -> Result<()> {
    for (name, function) in mlir::functions(module) {
        if !has_custom_derivative(&function) {
            continue;
        }
        let place = mlir::describe_location(function.location(), "");
        let Some(ty) = mlir::function_type(&function) else { continue };
        let (inputs, results) = (inputs_of(ty), results_of(ty));
        let lookup = |key: &str| -> Result<Option<(String, FunctionType<'static>)>> {
            let Some(target) = symbol_attribute(&function, key) else { return Ok(None) };
            let found = mlir::function(module, &target).and_then(|f| mlir::function_type(&f)).ok_or_else(|| {
                Error::NotFound(format!(
                    "{place}: @{name} names @{target} as its {key}, but the module has no function @{target} \
                     (define it, or declare it without a body to call a foreign routine)"
                ))
            })?;
            Ok(Some((target, found)))
        };
        let mismatch = |key: &str, target: &str, found: FunctionType<'static>, expected: (Vec<Type>, Vec<Type>), what: &str| {
            let actual = (inputs_of(found), results_of(found));
            if actual == expected {
                return Ok(());
            }
            Err(Error::Signature(format!(
                "{place}: @{target}, the {key} of @{name}, has the signature {}; it must be {} ({what})",
                show(&actual.0, &actual.1),
                show(&expected.0, &expected.1),
            )))
        };
        let mut residuals = Vec::new();
        if let Some((target, found)) = lookup(FORWARD)? {
            let actual_results = results_of(found);
            let prefix_ok = inputs_of(found) == inputs
                && actual_results.len() >= results.len()
                && actual_results[..results.len()] == results[..];
            if !prefix_ok {
                let expected_results: Vec<String> =
                    results.iter().map(|t| t.to_string()).chain(std::iter::once("residuals...".to_string())).collect();
                return Err(Error::Signature(format!(
                    "{place}: @{target}, the {FORWARD} of @{name}, has the signature {}; it must be ({}) -> ({}) \
                     (the arguments of @{name}, then its results followed by the residuals its adjoint receives)",
                    show(&inputs_of(found), &actual_results),
                    inputs.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", "),
                    expected_results.join(", "),
                )));
            }
            residuals = actual_results[results.len()..].to_vec();
            if let Some(buffer) = residuals.iter().find(|t| t.is_mem_ref() || !(t.is_index() || t.is_integer() || is_float(**t))) {
                return Err(Error::Signature(format!(
                    "{place}: @{target}, the {FORWARD} of @{name}, returns a residual of type {buffer}; residuals \
                     are scalars (floats, integers, index): return the values the adjoint needs, not a buffer"
                )));
            }
            if function.attribute(ADJOINT).is_err() {
                return Err(Error::InvalidArgument(format!(
                    "{place}: @{name} has a {FORWARD} but no {ADJOINT} to receive its residuals"
                )));
            }
        }
        if let Some((target, found)) = lookup(ADJOINT)? {
            let expected = adjoint_signature(&inputs, &results, &residuals);
            let what = if residuals.is_empty() {
                format!(
                    "the arguments of @{name} with a shadow after each float memref, then one seed per float result \
                     -> the results of @{name}, then one gradient per float scalar argument"
                )
            } else {
                format!(
                    "the arguments of @{name} with a shadow after each float memref, one seed per float result, then \
                     the residuals of its {FORWARD} -> the results of @{name}, then one gradient per float scalar \
                     argument"
                )
            };
            mismatch(ADJOINT, &target, found, expected, &what)?;
        }
        if let Some((target, found)) = lookup(TANGENT)? {
            let expected = tangent_signature(&inputs, &results);
            let what = format!(
                "the arguments of @{name}, each float scalar and float memref followed by its tangent -> the \
                 results of @{name}, then one tangent per float result"
            );
            mismatch(TANGENT, &target, found, expected, &what)?;
        }
    }
    Ok(())
}

/// Gives each declaration of `module` whose name has derivatives
/// registered on the context the attributes naming them, declaring the
/// registered functions (resolved, as foreign functions, from the
/// registry). Attributes written in the text are kept.
pub fn attach_registered(
    context: &'static melior::Context,
    module: &Module<'static>,
    registered: &dyn Fn(&str) -> (bool, bool),
) {
    let mut declarations = Vec::new();
    for (name, op) in mlir::functions(module) {
        let bodiless = op.region(0).map_or(true, |region| region.first_block().is_none());
        if bodiless && let Some(ty) = mlir::function_type(&op) {
            let (adjoint, tangent) = registered(&name);
            if adjoint || tangent {
                declarations.push((op, name, ty, adjoint, tangent));
            }
        }
    }
    for (op, name, ty, adjoint, tangent) in declarations {
        let (inputs, results) = (inputs_of(ty), results_of(ty));
        let mut op = mlir::handle::op_mut(op);
        let location = op.location();
        if adjoint && !op.has_attribute(ADJOINT) {
            let symbol = format!("{REGISTERED_ADJOINT}{name}");
            let (arguments, returned) = adjoint_signature(&inputs, &results, &[]);
            mlir::declare_function(context, module, &symbol, &arguments, &returned, location);
            op.set_discardable_attribute(ADJOINT, FlatSymbolRefAttribute::new(context, &symbol).into());
        }
        if tangent && !op.has_attribute(TANGENT) {
            let symbol = format!("{REGISTERED_TANGENT}{name}");
            let (arguments, returned) = tangent_signature(&inputs, &results);
            mlir::declare_function(context, module, &symbol, &arguments, &returned, location);
            op.set_discardable_attribute(TANGENT, Attribute::from(FlatSymbolRefAttribute::new(context, &symbol)));
        }
    }
}

/// The function to differentiate when a derivative of `name` itself is
/// asked for and `name` has a custom derivative for that mode (`adjoint`:
/// reverse, else forward): a function that only calls `@name`, so that the
/// call rules call the custom derivative (its name, defined once in
/// `module`, then imported). None when the usual differentiation applies.
pub fn through_call(
    context: &'static melior::Context,
    module: &Module<'static>,
    name: &str,
    adjoint: bool,
) -> Result<Option<crate::ad::ir::Func>> {
    let Some(callee) = callee(module, name) else { return Ok(None) };
    if (adjoint && callee.adjoint.is_none()) || (!adjoint && callee.tangent.is_none()) {
        return Ok(None);
    }
    let function = mlir::function(module, name).expect("the callee");
    let Some(ty) = mlir::function_type(&function) else { return Ok(None) };
    let (inputs, results) = (inputs_of(ty), results_of(ty));
    let wrapper = format!("__zad_through_{name}");
    let existing = mlir::function(module, &wrapper);
    let wrapper_op = match existing {
        Some(op) => op,
        None => {
            let location = function.location();
            let entry = crate::ad::reverse::create_function(context, module, &wrapper, &inputs, &results, location);
            let builder = mlir::Builder::at_end(context, entry, location);
            let arguments: Vec<mlir::Val> = (0..inputs.len()).map(|i| mlir::block_argument(entry, i)).collect();
            let outputs = builder.call(name, &arguments, &results);
            builder.ret(&outputs);
            mlir::function(module, &wrapper).expect("just defined")
        }
    };
    crate::ad::ir::Func::import(wrapper_op, &wrapper).map(Some)
}

/// The error for a foreign function on the active path that has no
/// derivative.
pub fn no_derivative(place: &str, callee: &str, reverse: bool) -> Error {
    let (attribute, role, article) = if reverse { (ADJOINT, "adjoint", "an") } else { (TANGENT, "tangent", "a") };
    Error::Unsupported(format!(
        "{place}: the foreign function @{callee} is called on the active path (its result or buffers carry \
         derivatives) and has no derivative: give its declaration {article} {role} with the attribute \
         `{attribute} = @{callee}_{role}` (an MLIR function or another foreign function), or register one with \
         zad_context_register_derivative(ctx, \"{callee}\", adjoint, tangent)"
    ))
}
