//! Tapes that are not preallocated buffers are growing stacks kept by zad's
//! run time (`exec/runtime.rs`). The transform writes them as `zad.tape_new`,
//! `zad.push`, `zad.pop` and `zad.tape_free`, one op per line in the form
//! below; this lowers each to a call of the run-time function for its
//! element type. Preallocated tapes are reported to the run time's memory
//! statistics by calls of `zad_tape_account`, declared here too.

/// Element types the run time has push and pop functions for.
const NATIVE: [&str; 6] = ["f64", "f32", "i64", "i32", "i1", "index"];

/// The integer type of the bits of `element`, a type narrower than 64 bits
/// (itself for an integer type).
fn bits_of(element: &str) -> Option<String> {
    match element {
        "f16" | "bf16" => Some("i16".into()),
        _ => element.strip_prefix('i')?.parse::<u32>().ok().filter(|&w| w < 64).map(|_| element.to_string()),
    }
}

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
        "zad.push" if NATIVE.contains(&element) => {
            declare(format!("func.func private @zad_tape_push_{element}(index, {element})"));
            format!("func.call @zad_tape_push_{element}({operands}) : (index, {element}) -> (){loc}")
        }
        "zad.pop" if NATIVE.contains(&element) => {
            declare(format!("func.func private @zad_tape_pop_{element}(index) -> {element}"));
            format!("{} = func.call @zad_tape_pop_{element}({operands}) : (index) -> {element}{loc}", lhs?)
        }
        // Other types travel as their bits in a 64-bit slot.
        "zad.push" => {
            let (tape, value) = operands.split_once(',')?;
            let bits = bits_of(element)?;
            declare("func.func private @zad_tape_push_i64(index, i64)".into());
            let name = value.trim().trim_start_matches('%');
            let mut lines = Vec::new();
            let as_bits = if bits == element {
                value.trim().to_string()
            } else {
                lines.push(format!("%{name}_bits = arith.bitcast {} : {element} to {bits}{loc}", value.trim()));
                format!("%{name}_bits")
            };
            lines.push(format!("%{name}_slot = arith.extui {as_bits} : {bits} to i64{loc}"));
            lines.push(format!("func.call @zad_tape_push_i64({tape}, %{name}_slot) : (index, i64) -> (){loc}"));
            return Some(lines.iter().map(|line| format!("{indent}{line}")).collect::<Vec<_>>().join("\n"));
        }
        "zad.pop" => {
            let lhs = lhs?;
            let bits = bits_of(element)?;
            declare("func.func private @zad_tape_pop_i64(index) -> i64".into());
            let name = lhs.trim_start_matches('%');
            let mut lines = vec![
                format!("%{name}_slot = func.call @zad_tape_pop_i64({operands}) : (index) -> i64{loc}"),
            ];
            if bits == element {
                lines.push(format!("{lhs} = arith.trunci %{name}_slot : i64 to {bits}{loc}"));
            } else {
                lines.push(format!("%{name}_bits = arith.trunci %{name}_slot : i64 to {bits}{loc}"));
                lines.push(format!("{lhs} = arith.bitcast %{name}_bits : {bits} to {element}{loc}"));
            }
            return Some(lines.iter().map(|line| format!("{indent}{line}")).collect::<Vec<_>>().join("\n"));
        }
        "zad.tape_free" => {
            declare("func.func private @zad_tape_free(index)".into());
            format!("func.call @zad_tape_free({operands}) : (index) -> (){loc}")
        }
        _ => return None,
    };
    Some(format!("{indent}{call}"))
}
