//! The expression language of the rule tables: parsing, and building the
//! IR an expression stands for.
//!
//! Variables are bound to values; the arithmetic follows their types: real
//! floats use `arith`/`math`, complex numbers `complex` (a real operand of a
//! complex operation is promoted), vectors (batched tangents) broadcast a
//! scalar operand. Numbers are constants of the real type of the target.

use crate::mlir::{Builder, Element, Type, Val, element_of};
use melior::ir::{TypeLike, ValueLike};

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Var(String),
    Number(f64),
    Neg(Box<Expr>),
    Binary(char, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

/// The functions an expression may call, with their arity.
pub const FUNCTIONS: &[(&str, usize)] = &[
    ("sin", 1), ("cos", 1), ("tan", 1), ("exp", 1), ("log", 1), ("sqrt", 1), ("rsqrt", 1), ("sinh", 1), ("cosh", 1),
    ("tanh", 1), ("trunc", 1), ("abs", 1), ("powf", 2), ("copysign", 2), ("select", 3), ("oge", 2), ("ole", 2),
    ("olt", 2), ("ogt", 2), ("sitofp", 1), ("cast", 1), ("conj", 1), ("re", 1), ("im", 1), ("complex", 2),
];

impl Expr {
    pub fn parse(text: &str) -> Result<Expr, String> {
        let tokens = tokenize(text)?;
        let mut parser = Parser { tokens, position: 0 };
        let expr = parser.sum()?;
        if parser.position != parser.tokens.len() {
            return Err(format!("unexpected '{}'", parser.tokens[parser.position]));
        }
        Ok(expr)
    }

    /// The variables the expression uses.
    pub fn variables(&self, out: &mut Vec<String>) {
        match self {
            Expr::Var(name) => out.push(name.clone()),
            Expr::Number(_) => {}
            Expr::Neg(inner) => inner.variables(out),
            Expr::Binary(_, a, b) => {
                a.variables(out);
                b.variables(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|arg| arg.variables(out)),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == 'e' || (chars[i] == '-' && chars[i - 1] == 'e'))
            {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if "+-*/(),".contains(c) {
            tokens.push(c.to_string());
            i += 1;
        } else {
            return Err(format!("unexpected character '{c}'"));
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<String>,
    position: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.position).map(String::as_str)
    }

    fn next(&mut self) -> Result<String, String> {
        let token = self.tokens.get(self.position).cloned().ok_or("unexpected end")?;
        self.position += 1;
        Ok(token)
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut left = self.product()?;
        while let Some(op @ ("+" | "-")) = self.peek() {
            let op = op.chars().next().expect("one char");
            self.position += 1;
            left = Expr::Binary(op, Box::new(left), Box::new(self.product()?));
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while let Some(op @ ("*" | "/")) = self.peek() {
            let op = op.chars().next().expect("one char");
            self.position += 1;
            left = Expr::Binary(op, Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some("-") {
            self.position += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let token = self.next()?;
        if token == "(" {
            let inner = self.sum()?;
            self.expect(")")?;
            return Ok(inner);
        }
        if let Ok(number) = token.parse::<f64>() {
            return Ok(Expr::Number(number));
        }
        if !token.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
            return Err(format!("unexpected '{token}'"));
        }
        if self.peek() == Some("(") {
            self.position += 1;
            let mut args = vec![self.sum()?];
            while self.peek() == Some(",") {
                self.position += 1;
                args.push(self.sum()?);
            }
            self.expect(")")?;
            return Ok(Expr::Call(token, args));
        }
        Ok(Expr::Var(token))
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        match self.next()? {
            found if found == token => Ok(()),
            found => Err(format!("expected '{token}', found '{found}'")),
        }
    }
}


/// What an expression's variables are bound to, and the type its value
/// must have (constants take its real element type).
pub struct Env<'a> {
    pub vars: &'a [(&'a str, Val)],
    pub target: Type,
}

/// Builds the ops computing `expr` at `builder`; the value has `env.target`
/// (a comparison gives an `i1`).
pub fn emit(expr: &Expr, env: &Env, builder: &Builder) -> Val {
    let value = emit_raw(expr, env, builder);
    conform(value, env.target, builder)
}

fn emit_raw(expr: &Expr, env: &Env, builder: &Builder) -> Val {
    match expr {
        Expr::Var(name) => env
            .vars
            .iter()
            .find(|(var, _)| var == name)
            .map(|(_, value)| *value)
            .unwrap_or_else(|| panic!("rule variable {name} unbound")),
        Expr::Number(value) => builder.float(real_type(env.target, builder), *value),
        Expr::Neg(inner) => {
            let value = emit_raw(inner, env, builder);
            builder.unary(if is_complex(value.r#type()) { "complex.neg" } else { "arith.negf" }, value)
        }
        Expr::Binary(op, a, b) => {
            let (a, b) = coerce(emit_raw(a, env, builder), emit_raw(b, env, builder), builder);
            let complex = is_complex(a.r#type());
            let name = match (op, complex) {
                ('+', false) => "arith.addf",
                ('-', false) => "arith.subf",
                ('*', false) => "arith.mulf",
                ('/', false) => "arith.divf",
                ('+', true) => "complex.add",
                ('-', true) => "complex.sub",
                ('*', true) => "complex.mul",
                (_, true) => "complex.div",
                _ => "arith.divf",
            };
            builder.binary(name, a, b)
        }
        Expr::Call(function, args) => {
            let values: Vec<Val> = args.iter().map(|arg| emit_raw(arg, env, builder)).collect();
            call(function, &values, env, builder)
        }
    }
}

fn call(function: &str, values: &[Val], env: &Env, builder: &Builder) -> Val {
    match function {
        "select" => {
            let (a, b) = coerce(values[1], values[2], builder);
            builder.select(values[0], a, b)
        }
        "oge" | "ole" | "olt" | "ogt" => builder.cmpf(function, values[0], values[1]),
        "sitofp" => {
            let target = real_type(env.target, builder);
            builder.convert("arith.sitofp", values[0], target)
        }
        "cast" => {
            let target = real_type(env.target, builder);
            let from = values[0];
            let element = element_type(from.r#type());
            let width = |ty: Type| Element::of(ty).map_or(0, |e| e.bytes());
            if element == target {
                from
            } else {
                let ty = with_element(from.r#type(), target, builder);
                let name = if width(element) > width(target) { "arith.truncf" } else { "arith.extf" };
                builder.convert(name, from, ty)
            }
        }
        "conj" => {
            if is_complex(values[0].r#type()) { builder.unary("complex.conj", values[0]) } else { values[0] }
        }
        "re" | "im" => {
            let ty = component_type(values[0].r#type(), builder);
            builder.value(&format!("complex.{function}"), &[values[0]], ty, &[])
        }
        "complex" => {
            let (re, im) = coerce(values[0], values[1], builder);
            let ty = builder.parse_type(&format!("complex<{}>", re.r#type())).expect("a complex type");
            builder.value("complex.create", &[re, im], ty, &[])
        }
        "abs" if is_complex(values[0].r#type()) => {
            let ty = component_type(values[0].r#type(), builder);
            builder.value("complex.abs", &[values[0]], ty, &[])
        }
        "abs" => builder.unary("math.absf", values[0]),
        "powf" | "copysign" => {
            let (a, b) = coerce(values[0], values[1], builder);
            let name = if is_complex(a.r#type()) { "complex.pow".to_string() } else { format!("math.{function}") };
            builder.binary(&name, a, b)
        }
        unary => {
            let dialect = if is_complex(values[0].r#type()) { "complex" } else { "math" };
            builder.unary(&format!("{dialect}.{unary}"), values[0])
        }
    }
}

/// Makes `a` and `b` one type: a real operand of a complex one is promoted,
/// a scalar operand of a vector one broadcast.
fn coerce(a: Val, b: Val, builder: &Builder) -> (Val, Val) {
    let (a, b) = match (is_complex(a.r#type()), is_complex(b.r#type())) {
        (true, false) => (a, promote(b, builder)),
        (false, true) => (promote(a, builder), b),
        _ => (a, b),
    };
    match (a.r#type().is_vector(), b.r#type().is_vector()) {
        (true, false) => (a, broadcast(b, a.r#type(), builder)),
        (false, true) => (broadcast(a, b.r#type(), builder), b),
        _ => (a, b),
    }
}

/// `value` made of type `target`: promoted to complex, broadcast to a vector.
fn conform(value: Val, target: Type, builder: &Builder) -> Val {
    let ty = value.r#type();
    if ty == target || ty == builder.integer_type(1) {
        return value;
    }
    let value = if is_complex(element_type(target)) && !is_complex(element_type(ty)) { promote(value, builder) } else { value };
    if target.is_vector() && !value.r#type().is_vector() { broadcast(value, target, builder) } else { value }
}

fn promote(real: Val, builder: &Builder) -> Val {
    let zero = builder.float(real.r#type(), 0.0);
    let ty = builder.parse_type(&format!("complex<{}>", real.r#type())).expect("a complex type");
    builder.value("complex.create", &[real, zero], ty, &[])
}

fn broadcast(scalar: Val, vector: Type, builder: &Builder) -> Val {
    builder.value("vector.broadcast", &[scalar], vector, &[])
}

fn is_complex(ty: Type) -> bool {
    Element::of(element_type(ty)).is_some_and(Element::is_complex)
}

fn element_type(ty: Type) -> Type {
    element_of(ty)
}

fn with_element(ty: Type, element: Type, _builder: &Builder) -> Type {
    crate::mlir::with_element(ty, element)
}

/// The real type of the elements of `ty` (the component of a complex).
fn real_type(ty: Type, builder: &Builder) -> Type {
    let element = element_type(ty);
    match Element::of(element) {
        Some(e) if e.is_complex() => e.real().mlir_type(builder),
        _ => element,
    }
}

/// The component type of a complex (or vector of complex) type, shape kept.
fn component_type(ty: Type, builder: &Builder) -> Type {
    with_element(ty, real_type(ty, builder), builder)
}
