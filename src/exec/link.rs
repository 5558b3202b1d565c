//! Linking a module before the JIT runs it: every symbol the module needs
//! from outside is resolved here (zad's run-time functions, foreign
//! functions and external globals, what MLIR's lowering calls), so that
//! the JIT never meets an unknown symbol (LLVM would print "Symbols not
//! found" on stderr and fail the whole module).
//!
//! A foreign function or global that cannot be found is bound to a stub,
//! and only the functions that reach it (directly or through calls) are
//! refused, with an error naming the symbol and the location that uses it;
//! the other functions of the module work.

use super::{runtime, trap};
use crate::{
    context::{Shared, describe_location},
    foreign::{Library, Origin, process_symbol},
    module::symbol_name,
};
use melior::ir::{
    BlockLike, Module, OperationRef, RegionLike,
    attribute::FlatSymbolRefAttribute,
    operation::{OperationLike, WalkOrder, WalkResult},
};
use std::{
    collections::{HashMap, HashSet, VecDeque},
    ffi::{CString, c_void},
    sync::Arc,
};

/// What the JIT gets besides the module: symbol addresses, the libraries
/// they come from (kept loaded while the code lives), and the functions
/// that cannot run, each with its error.
#[derive(Default)]
pub(super) struct Linked {
    pub symbols: Vec<(String, *mut c_void)>,
    pub libraries: Vec<Arc<Library>>,
    pub refused: HashMap<String, String>,
}

/// Stands for an external global that was not found; no function that
/// reaches one is handed out, so it is never read.
static MISSING_GLOBAL: [u64; 8] = [0; 8];

/// Whether `name` is one of zad's run-time functions (called with the plain
/// C convention; never a foreign function).
pub(crate) fn is_runtime_symbol(name: &str) -> bool {
    runtime::symbols().iter().any(|(symbol, _)| *symbol == name)
}

/// An external symbol the module declares: a bodiless `func.func` or a
/// `memref.global` without an initial value.
struct External {
    name: String,
    /// The name the JIT asks for: `_mlir_ciface_<name>` for functions,
    /// which are called through MLIR's C interface (see `foreign`).
    jit_name: String,
    what: &'static str,
    /// zad's own function for it: a BLAS or LAPACK routine (declared with
    /// zad's signature) or a derivative of one.
    builtin: Option<*mut c_void>,
}

/// Resolves the external symbols of `ir` (the module as it is before
/// lowering, after differentiation) from the context's registry.
pub(super) fn resolve(shared: &Shared, ir: &Module<'static>) -> Linked {
    let externals = externals(ir);
    let registry = shared.foreign();
    let mut linked = Linked::default();
    let mut missing = HashMap::new();
    for external in &externals {
        // A host's registration of the name wins over zad's routine.
        if let Some(address) = external.builtin.filter(|_| registry.registered(&external.name).is_none()) {
            linked.symbols.push((external.jit_name.clone(), address));
            continue;
        }
        match registry.resolve(&external.name) {
            Some(resolved) => {
                linked.symbols.push((external.jit_name.clone(), resolved.address));
                if let Origin::Library(library) = resolved.origin
                    && !linked.libraries.iter().any(|held| Arc::ptr_eq(held, &library))
                {
                    linked.libraries.push(library);
                }
            }
            None if external.name.starts_with("omp_")
                && let Some(address) =
                    CString::new(external.name.as_str()).ok().and_then(|name| super::parallel::openmp_symbol(&name)) =>
            {
                linked.symbols.push((external.jit_name.clone(), address));
            }
            None => {
                let stub = if external.what == "function" {
                    trap::unresolved_symbol as *mut c_void
                } else {
                    MISSING_GLOBAL.as_ptr() as *mut c_void
                };
                linked.symbols.push((external.jit_name.clone(), stub));
                missing.insert(external.name.clone(), external.what);
            }
        }
    }
    drop(registry);
    if !missing.is_empty() {
        linked.refused = refuse(ir, &missing);
    }
    linked
}

/// Binds what the lowered module still declares and nobody provided (a
/// function user-written LLVM dialect declares, a libm function the
/// lowering calls): from the context's registry and the process, or a stub
/// that stops the call if it is ever reached.
pub(super) fn resolve_lowered(shared: &Shared, lowered: &Module<'static>, linked: &mut Linked) {
    let registry = shared.foreign();
    let mut next = lowered.body().first_operation();
    while let Some(operation) = next {
        next = operation.next_in_block();
        let is_declaration = operation.name().as_string_ref().as_str() == Ok("llvm.func")
            && operation.region(0).is_ok_and(|region| region.first_block().is_none());
        let Some(name) = symbol_name(&operation).filter(|_| is_declaration) else { continue };
        if is_runtime_symbol(&name) || linked.symbols.iter().any(|(symbol, _)| *symbol == name) {
            continue;
        }
        let address = match registry.resolve(&name) {
            Some(resolved) => {
                if let Origin::Library(library) = resolved.origin
                    && !linked.libraries.iter().any(|held| Arc::ptr_eq(held, &library))
                {
                    linked.libraries.push(library);
                }
                resolved.address
            }
            None => CString::new(name.as_str())
                .ok()
                .and_then(|c_name| process_symbol(&c_name))
                .unwrap_or(trap::unresolved_symbol as *mut c_void),
        };
        linked.symbols.push((name, address));
    }
}

/// The external symbols `ir` declares.
fn externals(ir: &Module<'static>) -> Vec<External> {
    let mut externals = Vec::new();
    let mut next = ir.body().first_operation();
    while let Some(operation) = next {
        next = operation.next_in_block();
        let Some(name) = symbol_name(&operation) else { continue };
        match operation.name().as_string_ref().as_str() {
            Ok("func.func")
                if operation.region(0).is_ok_and(|region| region.first_block().is_none())
                    && !is_runtime_symbol(&name) =>
            {
                let builtin = if crate::blas::of_declaration(&operation).is_some() || name.starts_with("__zad_blas_") {
                    super::blas::builtin(&name)
                } else {
                    None
                };
                externals.push(External { jit_name: format!("_mlir_ciface_{name}"), name, what: "function", builtin });
            }
            Ok("memref.global") if operation.attribute("initial_value").is_err() => {
                externals.push(External { jit_name: name.clone(), name, what: "global", builtin: None });
            }
            _ => {}
        }
    }
    externals
}

/// A use of a symbol inside a function: the symbol and the location of the
/// op that uses it.
struct Use {
    symbol: String,
    location: String,
}

/// The symbols each defined function uses (calls and globals).
fn uses(ir: &Module<'static>) -> HashMap<String, Vec<Use>> {
    let mut uses = HashMap::new();
    let mut next = ir.body().first_operation();
    while let Some(operation) = next {
        next = operation.next_in_block();
        if operation.name().as_string_ref().as_str() != Ok("func.func") {
            continue;
        }
        let Some(name) = symbol_name(&operation) else { continue };
        let mut found = Vec::new();
        operation.walk(WalkOrder::PreOrder, |inner| {
            for attribute in ["callee", "name"] {
                if let Some(symbol) = symbol_reference(&inner, attribute) {
                    found.push(Use { symbol, location: describe_location(inner.location(), "") });
                }
            }
            WalkResult::Advance
        });
        uses.insert(name, found);
    }
    uses
}

fn symbol_reference(operation: &OperationRef, attribute: &str) -> Option<String> {
    let attribute = operation.attribute(attribute).ok()?;
    Some(FlatSymbolRefAttribute::try_from(attribute).ok()?.value().to_string())
}

/// For every function that reaches a missing symbol, the error that
/// refuses it: the symbol, the location that uses it, and the way there.
fn refuse(ir: &Module<'static>, missing: &HashMap<String, &'static str>) -> HashMap<String, String> {
    let uses = uses(ir);
    let mut refused = HashMap::new();
    for function in uses.keys() {
        // Breadth first, so the message shows a shortest way.
        let mut queue = VecDeque::from([(function.clone(), Vec::<String>::new())]);
        let mut seen = HashSet::from([function.clone()]);
        while let Some((current, path)) = queue.pop_front() {
            let Some(current_uses) = uses.get(&current) else { continue };
            if let Some(found) = current_uses.iter().find(|used| missing.contains_key(&used.symbol)) {
                refused.insert(function.clone(), missing_message(function, &path, &current, found, missing[&found.symbol]));
                break;
            }
            for used in current_uses {
                if seen.insert(used.symbol.clone()) {
                    let mut path = path.clone();
                    path.push(used.symbol.clone());
                    queue.push_back((used.symbol.clone(), path));
                }
            }
        }
    }
    refused
}

fn missing_message(function: &str, path: &[String], user: &str, found: &Use, what: &str) -> String {
    let through = if path.is_empty() {
        String::new()
    } else {
        format!(" (@{function} calls it through {})", path.iter().map(|f| format!("@{f}")).collect::<Vec<_>>().join(", "))
    };
    let (verb, fix) = if what == "function" {
        (
            "calls",
            "register it with zad_context_register_function, load a library that defines it with \
             zad_context_load_library (zad --load), or link it into the program",
        )
    } else {
        ("uses", "load a library that defines it with zad_context_load_library (zad --load), or link it into the program")
    };
    format!(
        "{}: @{user} {verb} the external {what} @{}, which was not found{through}: {fix}",
        found.location, found.symbol
    )
}
