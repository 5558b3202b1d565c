//! The names of a C function's parameters, from the debug information
//! clang records (`llvm.intr.dbg.value` of the entry block's arguments):
//! messages and argument lists use them.

use super::llvm::{self, op_name};
use melior::ir::{OperationRef, block::BlockArgument, operation::OperationLike};
use std::collections::HashMap;

/// Parameter names by position, with the debug type of each (the
/// printed `#llvm.di_...` attribute).
pub fn parameters(function: &OperationRef) -> HashMap<usize, (String, String)> {
    let mut names = HashMap::new();
    llvm::for_each_op(function, &mut |op| {
        if op_name(op) != "llvm.intr.dbg.value" {
            return;
        }
        let Ok(variable) = op.attribute("varInfo").map(|a| a.to_string()) else { return };
        let (Some(name), Some(position)) = (field(&variable, "name = \""), field(&variable, "arg = ")) else { return };
        let Ok(position) = position.parse::<usize>() else { return };
        let is_argument = op.operand(0).ok().is_some_and(|value| BlockArgument::try_from(value).is_ok());
        if is_argument && position >= 1 && is_identifier(&name) {
            let ty = nested_field(&variable, "type = ").unwrap_or_default();
            names.entry(position - 1).or_insert((name, ty));
        }
    });
    names
}

/// The text of field `key` of the outermost attribute up to its end (a
/// quote, comma or `>`): `name = "u"` is `u`, `arg = 2` is `2`.
fn field(text: &str, key: &str) -> Option<String> {
    let rest = &text[field_start(text, key)?..];
    let end = rest.find(['"', ',', '>']).unwrap_or(rest.len());
    Some(rest[..end].trim().to_string())
}

/// The whole value of field `key` of the outermost attribute, nested
/// brackets included.
fn nested_field(text: &str, key: &str) -> Option<String> {
    let start = field_start(text, key)?;
    let mut depth = 0usize;
    let mut in_string = false;
    for (at, character) in text[start..].char_indices() {
        match character {
            '"' => in_string = !in_string,
            '<' | '[' | '(' | '{' if !in_string => depth += 1,
            '>' | ']' | ')' | '}' if !in_string => {
                if depth == 0 {
                    return Some(text[start..start + at].trim().to_string());
                }
                depth -= 1;
            }
            ',' if !in_string && depth == 0 => return Some(text[start..start + at].trim().to_string()),
            _ => {}
        }
    }
    Some(text[start..].trim().to_string())
}

/// Where the value of field `key` of the outermost attribute starts.
fn field_start(text: &str, key: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    for (at, character) in text.char_indices() {
        match character {
            '"' => in_string = !in_string,
            '<' | '[' | '(' | '{' if !in_string => depth += 1,
            '>' | ']' | ')' | '}' if !in_string => depth = depth.saturating_sub(1),
            _ => {}
        }
        let at_field_start = at == 0 || matches!(text.as_bytes()[at - 1], b' ' | b'<' | b',');
        if depth == 1 && !in_string && at_field_start && text[at..].starts_with(key) {
            return Some(at + key.len());
        }
    }
    None
}

fn is_identifier(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
