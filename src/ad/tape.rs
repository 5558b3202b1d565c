//! Tapes that are not preallocated buffers are growing stacks kept by zad's
//! run time (`exec/runtime.rs`). The transform writes them as `zad.tape_new`,
//! `zad.push`, `zad.pop` and `zad.tape_free`, one op per line in the form
//! below; this lowers each to a call of the run-time function for its
//! element type. Preallocated tapes are reported to the run time's memory
//! statistics by calls of `zad_tape_account`, declared here too.

/// Rewrites the tape ops in generated text into run-time calls, and declares
/// the run-time functions used.
pub fn lower(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut used: Vec<String> = Vec::new();
    for line in text.lines() {
        out.push_str(&lower_line(line, &mut used).unwrap_or_else(|| line.to_string()));
        out.push('\n');
    }
    for declaration in used {
        out.push_str(&declaration);
        out.push('\n');
    }
    out
}

/// `func.func private @zad_f(index, f64) -> index` from a line
/// `... func.call @zad_f(%a, %b) : (index, f64) -> index loc(...)`.
fn runtime_declaration(line: &str) -> Option<String> {
    let call = &line[line.find("func.call @zad_")? + "func.call ".len()..];
    let name = &call[..call.find('(')?];
    let signature = &call[call.find(") : (")? + 4..];
    let signature = signature.split(" loc(").next()?.trim();
    let (inputs, output) = signature.split_once(" -> ")?;
    let output = if output.trim() == "()" { String::new() } else { format!(" -> {}", output.trim()) };
    Some(format!("func.func private {name}{inputs}{output}"))
}

fn lower_line(line: &str, used: &mut Vec<String>) -> Option<String> {
    let indent = &line[..line.len() - line.trim_start().len()];
    let trimmed = line.trim_start();
    if trimmed.contains("func.call @zad_") {
        // Other run-time calls: declare them from the call's own type.
        if let Some(declaration) = runtime_declaration(trimmed)
            && !used.contains(&declaration)
        {
            used.push(declaration);
        }
        return None;
    }
    let (lhs, rhs) = match trimmed.split_once(" = ") {
        Some((lhs, rhs)) if rhs.starts_with("zad.") => (Some(lhs), rhs),
        _ if trimmed.starts_with("zad.") => (None, trimmed),
        _ => return None,
    };
    let (op, rest) = rhs.split_once(' ')?;
    let rest = format!(" {rest}");
    let (operands, rest) = rest.split_once(" : !zad.tape<")?;
    let operands = operands.trim();
    let (element, loc) = rest.split_once('>')?;
    let mut declare = |text: String| {
        if !used.contains(&text) {
            used.push(text);
        }
    };
    let call = match op {
        "zad.tape_new" => {
            declare("func.func private @zad_tape_new() -> index".into());
            format!("{} = func.call @zad_tape_new() : () -> index{loc}", lhs?)
        }
        "zad.push" => {
            declare(format!("func.func private @zad_tape_push_{element}(index, {element})"));
            format!("func.call @zad_tape_push_{element}({operands}) : (index, {element}) -> (){loc}")
        }
        "zad.pop" => {
            declare(format!("func.func private @zad_tape_pop_{element}(index) -> {element}"));
            format!("{} = func.call @zad_tape_pop_{element}({operands}) : (index) -> {element}{loc}", lhs?)
        }
        "zad.tape_free" => {
            declare("func.func private @zad_tape_free(index)".into());
            format!("func.call @zad_tape_free({operands}) : (index) -> (){loc}")
        }
        _ => return None,
    };
    Some(format!("{indent}{call}"))
}
