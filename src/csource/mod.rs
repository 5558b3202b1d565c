//! The C front end: C source in, zad kernels out.
//!
//! clang, opt and mlir-translate (run as subprocesses, from the LLVM zad is
//! built with) compile the source to MLIR's LLVM dialect (`tools`); zad
//! reads each function's interface (`signature`, `names`), converts its
//! body to func/cf/arith/math/memref, raising pointer parameters indexed by
//! `getelementptr` to memrefs (`convert`, `address`), and structures the
//! branches into `scf` (`lift`, `rotate`). A function zad cannot convert does not
//! stop the others: asking for it gives the reason, with `file:line:col`.

mod address;
mod convert;
mod lift;
mod llvm;
mod names;
mod rotate;
mod signature;
mod tools;

pub use tools::{C_EXTENSIONS, COptions, is_c_source};

use crate::error::{Error, Result};
use melior::ir::{BlockLike, Module, RegionLike, operation::OperationLike};
use std::{collections::HashMap, path::Path};

/// A pointer parameter of a converted function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointerParameter {
    /// Its position among the parameters (from 0).
    pub position: usize,
    pub name: String,
    /// `restrict`-qualified: the caller promised it overlaps nothing.
    pub restrict: bool,
    /// The function (or one it calls) writes through it.
    pub written: bool,
}

/// A C function of the file, converted or not.
#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    /// Why it could not be converted (`file:line:col: error: ...`).
    pub failure: Option<String>,
    /// Its parameters' names in the source.
    pub parameters: Vec<String>,
    pub pointers: Vec<PointerParameter>,
}

impl Function {
    /// Pairs of pointer parameters (positions) that must not overlap when
    /// called: neither is `restrict`, and one of them is written. (Two
    /// arrays that are only read may overlap: each gets its own
    /// derivative.)
    pub fn disjoint_pairs(&self) -> Vec<(usize, usize)> {
        let checked: Vec<&PointerParameter> = self.pointers.iter().filter(|p| !p.restrict).collect();
        let mut pairs = Vec::new();
        for (i, first) in checked.iter().enumerate() {
            for second in &checked[i + 1..] {
                if first.written || second.written {
                    pairs.push((first.position, second.position));
                }
            }
        }
        pairs
    }
}

/// C source converted to MLIR: the module text and what became of each
/// function.
pub struct Translation {
    pub text: String,
    pub functions: Vec<Function>,
}

/// Marks every function that calls (directly or not) one in `messages` as
/// unconvertible too.
fn refuse_callers(calls: &HashMap<String, Vec<String>>, messages: &mut HashMap<String, String>) {
    loop {
        let mut changed = false;
        for (caller, callees) in calls {
            if messages.contains_key(caller) {
                continue;
            }
            if let Some(callee) = callees.iter().find(|callee| messages.contains_key(*callee)) {
                let message = format!("it calls {callee}, which cannot be converted: {}", messages[callee]);
                messages.insert(caller.clone(), message);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Converts the C file at `path`.
pub fn translate(path: &Path, options: &COptions) -> Result<Translation> {
    let file = path.display().to_string();
    let llvm_text = tools::emit_llvm_dialect(path, options)?;

    let reader = crate::frontend::Reader::new();
    let context = &reader.context;
    let take = || reader.take_diagnostics();
    let module = Module::parse(context, &llvm_text)
        .ok_or_else(|| Error::Internal(format!("cannot read the LLVM dialect mlir-translate generated for {file}: {}", take())))?;

    let mut definitions = Vec::new();
    let mut next = module.body().first_operation();
    while let Some(operation) = next {
        if llvm::op_name(&operation) == "llvm.func" && operation.region(0).is_ok_and(|r| r.first_block().is_some()) {
            let interface = signature::interface(&operation);
            definitions.push((operation, interface));
        }
        next = operation.next_in_block();
    }
    if definitions.is_empty() {
        return Err(Error::NotFound(format!("{file}: no function definitions to convert")));
    }
    // The call graph, for refusing the callers of what cannot be converted
    // (a function whose interface is refused calls nothing that matters).
    let (interfaces, mut failures, calls) = signature::infer_pointers(&definitions);
    for (operation, interface) in &definitions {
        if let Err(failure) = interface {
            failures.insert(llvm::symbol(operation), failure.clone());
        }
    }
    let mut bodies: HashMap<String, String> = HashMap::new();
    for (operation, interface) in &definitions {
        let Ok(interface) = interface else { continue };
        if failures.contains_key(&interface.name) {
            continue;
        }
        let complete = &interfaces[&interface.name];
        match convert::function(operation, complete, &interfaces) {
            Ok(text) => {
                bodies.insert(interface.name.clone(), text);
            }
            Err(failure) => {
                failures.insert(interface.name.clone(), failure);
            }
        }
    }
    let mut messages: HashMap<String, String> = failures.iter().map(|(name, failure)| (name.clone(), failure.to_string())).collect();
    let names: Vec<String> = definitions.iter().map(|(operation, _)| llvm::symbol(operation)).collect();
    // Lift what converted; a function that cannot be structured is set
    // aside (with the functions calling it) and the rest lifted again.
    let lifted = loop {
        refuse_callers(&calls, &mut messages);
        bodies.retain(|name, _| !messages.contains_key(name));
        if names.iter().all(|name| messages.contains_key(name)) {
            let reasons: Vec<String> = names.iter().filter_map(|name| messages.get(name).cloned()).collect();
            return Err(Error::Unsupported(reasons.join("\n")));
        }
        let mut text = String::from("module {\n");
        for name in &names {
            if let Some(body) = bodies.get(name) {
                text.push_str(body);
            }
        }
        text.push_str("}\n");
        if std::env::var_os("ZAD_DUMP_C").is_some() {
            eprintln!("{text}");
        }
        match lift::lift(context, &text, &file, take).map_err(Error::Unsupported)? {
            Ok(lifted) => break lifted,
            Err(refused) => messages.extend(refused),
        }
    };

    let functions = names
        .iter()
        .map(|name| {
            let interface = interfaces.get(name);
            let pointers = interface
                .map(|interface| {
                    interface
                        .parameters
                        .iter()
                        .enumerate()
                        .filter_map(|(position, parameter)| match &parameter.kind {
                            signature::ParameterKind::Pointer { restrict, written, .. } => Some(PointerParameter {
                                position,
                                name: parameter.name.clone(),
                                restrict: *restrict,
                                written: *written,
                            }),
                            signature::ParameterKind::Scalar(_) => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            let parameters = interface
                .map(|interface| interface.parameters.iter().map(|p| format!("%{}", p.name)).collect())
                .unwrap_or_default();
            Function { name: name.clone(), failure: messages.get(name).cloned(), parameters, pointers }
        })
        .collect();
    Ok(Translation { text: lifted, functions })
}
