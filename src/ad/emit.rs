//! Writing MLIR text: fresh SSA names, typed constants, and ops in generic
//! form carrying the location of the op they derive from.

/// A sequence of ops being written, with the location they are attributed to.
#[derive(Default)]
pub struct Body {
    pub text: String,
    pub indent: usize,
}

/// Hands out fresh SSA names for a whole generated function.
#[derive(Default)]
pub struct Names {
    next: usize,
}

impl Names {
    pub fn fresh(&mut self) -> String {
        self.next += 1;
        format!("%t{}", self.next)
    }
}

impl Body {
    pub fn line(&mut self, line: &str) {
        for _ in 0..self.indent {
            self.text.push_str("  ");
        }
        self.text.push_str(line);
        self.text.push('\n');
    }

    pub fn append(&mut self, other: Body) {
        self.text.push_str(&other.text);
    }

    /// `%r = <op> ... : ty loc` with a fresh name; returns the name.
    pub fn op1(&mut self, names: &mut Names, rhs: &str, loc: &str) -> String {
        let name = names.fresh();
        self.line(&format!("{name} = {rhs} {loc}"));
        name
    }

    pub fn constant_float(&mut self, names: &mut Names, value: f64, ty: &str, loc: &str) -> String {
        self.op1(names, &format!("arith.constant {} : {ty}", float_literal(value)), loc)
    }

    pub fn constant_index(&mut self, names: &mut Names, value: i64, loc: &str) -> String {
        self.op1(names, &format!("arith.constant {value} : index"), loc)
    }

    /// A zero of a float or integer type.
    pub fn zero(&mut self, names: &mut Names, ty: &str, loc: &str) -> String {
        if is_float(ty) { self.constant_float(names, 0.0, ty, loc) } else { self.op1(names, &format!("arith.constant 0 : {ty}"), loc) }
    }

    pub fn binary(&mut self, names: &mut Names, op: &str, a: &str, b: &str, ty: &str, loc: &str) -> String {
        self.op1(names, &format!("{op} {a}, {b} : {ty}"), loc)
    }
}

/// A float literal MLIR parses exactly: MLIR wants a decimal point in the
/// mantissa (`5.0e-1`, not `5e-1`).
pub fn float_literal(value: f64) -> String {
    if value == value.trunc() && value.abs() < 1e15 {
        return format!("{value:.1}");
    }
    let text = format!("{value:e}");
    match text.split_once('e') {
        Some((mantissa, exponent)) if !mantissa.contains('.') => format!("{mantissa}.0e{exponent}"),
        _ => text,
    }
}

pub fn is_float(ty: &str) -> bool {
    matches!(ty, "f16" | "bf16" | "f32" | "f64")
}

pub fn is_memref(ty: &str) -> bool {
    ty.starts_with("memref<")
}

/// The dimensions and element type of a memref type `memref<4x?xf64, ...>`.
pub fn memref_shape(ty: &str) -> Option<(Vec<Option<i64>>, String)> {
    let inner = ty.strip_prefix("memref<")?.strip_suffix('>')?;
    let mut rest = split_top_level(inner).into_iter().next()?;
    let mut dims = Vec::new();
    loop {
        let length = rest.find(|c: char| !(c.is_ascii_digit() || c == '?')).unwrap_or(rest.len());
        if length == 0 || !rest[length..].starts_with('x') {
            break;
        }
        dims.push(rest[..length].parse::<i64>().ok());
        rest = rest[length + 1..].to_string();
    }
    Some((dims, rest))
}

/// Splits a comma-separated list at nesting depth 0.
pub fn split_top_level(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '<' | '[' | '{' => depth += 1,
            ')' | '>' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !text[start..].trim().is_empty() {
        parts.push(text[start..].trim().to_string());
    }
    parts
}
