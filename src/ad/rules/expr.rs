//! The expression language of the rule tables: parsing and emission.

use crate::ad::emit::{Body, Names};

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Var(String),
    Number(f64),
    Neg(Box<Expr>),
    Binary(char, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

/// The SSA names and types an expression's variables are bound to, and the
/// float type its arithmetic is done in.
pub struct Env<'a> {
    pub vars: &'a [(&'a str, String, String)],
    pub float: &'a str,
    pub loc: &'a str,
}

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

/// Writes the ops computing `expr` into `body`; returns the SSA name of the
/// value, of type `env.float` (or `i1` for comparisons).
pub fn emit(expr: &Expr, env: &Env, body: &mut Body, names: &mut Names) -> String {
    let float = env.float;
    let loc = env.loc;
    match expr {
        Expr::Var(name) => {
            let (_, ssa, _) = env.vars.iter().find(|(var, _, _)| var == name).unwrap_or_else(|| panic!("rule variable {name} unbound"));
            ssa.clone()
        }
        Expr::Number(value) => body.constant_float(names, *value, float, loc),
        Expr::Neg(inner) => {
            let value = emit(inner, env, body, names);
            body.op1(names, &format!("arith.negf {value} : {float}"), loc)
        }
        Expr::Binary(op, a, b) => {
            let (a, b) = (emit(a, env, body, names), emit(b, env, body, names));
            let name = match op {
                '+' => "arith.addf",
                '-' => "arith.subf",
                '*' => "arith.mulf",
                _ => "arith.divf",
            };
            body.binary(names, name, &a, &b, float, loc)
        }
        Expr::Call(function, args) => {
            let values: Vec<String> = args.iter().map(|arg| emit(arg, env, body, names)).collect();
            match function.as_str() {
                "select" => body.op1(names, &format!("arith.select {}, {}, {} : {float}", values[0], values[1], values[2]), loc),
                "oge" | "ole" | "olt" | "ogt" => {
                    body.op1(names, &format!("arith.cmpf {function}, {}, {} : {float}", values[0], values[1]), loc)
                }
                "sitofp" => {
                    let ty = var_type(&args[0], env);
                    body.op1(names, &format!("arith.sitofp {} : {ty} to {float}", values[0]), loc)
                }
                "cast" => {
                    let from = var_type(&args[0], env);
                    if from == float {
                        values[0].clone()
                    } else if float_width(&from) > float_width(float) {
                        body.op1(names, &format!("arith.truncf {} : {from} to {float}", values[0]), loc)
                    } else {
                        body.op1(names, &format!("arith.extf {} : {from} to {float}", values[0]), loc)
                    }
                }
                "powf" | "copysign" => {
                    body.op1(names, &format!("math.{function} {}, {} : {float}", values[0], values[1]), loc)
                }
                unary => body.op1(names, &format!("math.{unary} {} : {float}", values[0]), loc),
            }
        }
    }
}

fn var_type(expr: &Expr, env: &Env) -> String {
    match expr {
        Expr::Var(name) => env.vars.iter().find(|(var, _, _)| var == name).map(|(_, _, ty)| ty.clone()).unwrap_or_default(),
        _ => env.float.to_string(),
    }
}

fn float_width(ty: &str) -> u32 {
    ty.trim_start_matches(|c: char| !c.is_ascii_digit()).parse().unwrap_or(0)
}
