//! Fortran names behind flang's symbols, and the names zad gives the
//! converted procedures.
//!
//! flang mangles a procedure as `_Q` followed by scopes, each an upper-case
//! letter and a lower-case name: `_QPstep` (external procedure `step`),
//! `_QMsolverPenergy` (procedure `energy` of module `solver`),
//! `_QMsolverFenergyPinner` (internal procedure `inner` of `energy`).
//! Procedures with BIND(C) keep their binding name.

/// Where a procedure is defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcedureName {
    /// The module, for module procedures.
    pub module: Option<String>,
    /// The procedure's name, lower case.
    pub name: String,
    /// Whether it is an internal procedure (contained in another procedure).
    pub internal: bool,
}

impl ProcedureName {
    /// `module::name` or `name`, for messages.
    pub fn qualified(&self) -> String {
        match &self.module {
            Some(module) => format!("{module}::{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// The Fortran procedure behind symbol `symbol`, or None for symbols that
/// are not procedures (the main program, module variables, ...).
pub fn procedure(symbol: &str) -> Option<ProcedureName> {
    let Some(rest) = symbol.strip_prefix("_Q") else {
        // A BIND(C) name, or a function flang generated.
        return Some(ProcedureName { module: None, name: symbol.to_ascii_lowercase(), internal: false });
    };
    let scopes = scopes(rest)?;
    let (&(last_kind, last_name), hosts) = scopes.split_last()?;
    if last_kind != 'P' {
        return None;
    }
    let module = hosts.iter().find(|(kind, _)| *kind == 'M').map(|(_, name)| name.to_string());
    let internal = hosts.iter().any(|(kind, _)| *kind == 'F');
    Some(ProcedureName { module, name: last_name.to_string(), internal })
}

/// `(kind letter, name)` pairs of a mangled name after `_Q`.
fn scopes(text: &str) -> Option<Vec<(char, &str)>> {
    let mut scopes = Vec::new();
    let mut rest = text;
    while let Some(kind) = rest.chars().next() {
        if !kind.is_ascii_uppercase() {
            return None;
        }
        let body = &rest[1..];
        let end = body.find(|c: char| c.is_ascii_uppercase()).unwrap_or(body.len());
        scopes.push((kind, &body[..end]));
        rest = &body[end..];
    }
    Some(scopes)
}

/// The name of a module variable or constant behind a global's symbol
/// (`_QMsolverEweight` is `solver::weight`, the constant `_QMsolverECpi`
/// is `solver::pi`), for messages.
pub fn variable(symbol: &str) -> String {
    symbol
        .strip_prefix("_Q")
        .and_then(scopes)
        .and_then(|scopes| {
            let module = scopes.iter().find(|(kind, _)| *kind == 'M').map(|(_, name)| *name);
            let name = match scopes.as_slice() {
                [.., ('E', ""), ('C', name)] | [.., ('E', name)] => *name,
                _ => return None,
            };
            Some(match module {
                Some(module) => format!("{module}::{name}"),
                None => name.to_string(),
            })
        })
        .unwrap_or_else(|| symbol.to_string())
}
