//! FIR's types, read from their printed form.
//!
//! The FIR that flang emits is parsed in a context that does not know the
//! FIR dialect (see `fortran::convert`), so its types are opaque there and
//! come to us as text such as `!fir.ref<!fir.array<?x3xf64>>`. This parser
//! reads the part of FIR's type syntax that numeric Fortran uses and keeps
//! everything else as `Other`, which the converter reports by name.

use std::fmt;

/// A scalar type the converter handles: what a Fortran `real`, `integer`
/// or `logical` becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scalar {
    F32,
    F64,
    /// An integer of this many bits (i1 is a boolean).
    Int(u32),
    Index,
    /// A Fortran `logical` of this kind (bytes), stored as an integer of
    /// that size.
    Logical(u32),
}

impl Scalar {
    pub fn is_float(self) -> bool {
        matches!(self, Scalar::F32 | Scalar::F64)
    }

    /// The MLIR spelling of the type values of this scalar have in the
    /// generated code (logicals are stored as integers).
    pub fn mlir(self) -> String {
        match self {
            Scalar::F32 => "f32".into(),
            Scalar::F64 => "f64".into(),
            Scalar::Int(bits) => format!("i{bits}"),
            Scalar::Index => "index".into(),
            Scalar::Logical(kind) => format!("i{}", kind * 8),
        }
    }

    /// The Fortran spelling, for messages.
    pub fn fortran(self) -> String {
        match self {
            Scalar::F32 => "real(4)".into(),
            Scalar::F64 => "real(8)".into(),
            Scalar::Int(1) => "logical (i1)".into(),
            Scalar::Int(bits) => format!("integer({})", bits / 8),
            Scalar::Index => "integer (index)".into(),
            Scalar::Logical(kind) => format!("logical({kind})"),
        }
    }
}

/// A FIR (or builtin) type.
#[derive(Clone, Debug, PartialEq)]
pub enum FirType {
    Scalar(Scalar),
    /// `!fir.array<d1 x d2 x ... x T>`: extents in Fortran order, `None`
    /// where dynamic.
    Array(Vec<Option<i64>>, Box<FirType>),
    /// `!fir.ref<T>`: the address of a T.
    Ref(Box<FirType>),
    /// `!fir.heap<T>`: the address of an allocated T.
    Heap(Box<FirType>),
    /// `!fir.ptr<T>`: a Fortran POINTER target.
    Ptr(Box<FirType>),
    /// `!fir.llvm_ptr<T>`: an address stored in memory (host association).
    LlvmPtr(Box<FirType>),
    /// `!fir.box<T>`: a descriptor.
    Box(Box<FirType>),
    /// `!fir.shape<n>`, `!fir.shapeshift<n>`, `!fir.shift<n>`, `!fir.slice<n>`.
    Shape(usize),
    ShapeShift(usize),
    Shift(usize),
    Slice(usize),
    /// `tuple<...>`: host-association tuples.
    Tuple(Vec<FirType>),
    /// Anything else (characters, derived types, complex, ...), as printed.
    Other(String),
}

impl FirType {
    pub fn parse(text: &str) -> FirType {
        let mut parser = Parser { text, at: 0 };
        match parser.ty() {
            Some(ty) if parser.at == text.len() => ty,
            _ => FirType::Other(text.to_string()),
        }
    }

    /// The type behind a reference-like wrapper (ref, heap, ptr, box,
    /// llvm_ptr), or the type itself.
    pub fn pointee(&self) -> &FirType {
        match self {
            FirType::Ref(inner)
            | FirType::Heap(inner)
            | FirType::Ptr(inner)
            | FirType::LlvmPtr(inner)
            | FirType::Box(inner) => inner,
            other => other,
        }
    }

    /// The element scalar and extents of an array type behind any number of
    /// wrappers.
    pub fn array(&self) -> Option<(Scalar, &[Option<i64>])> {
        match self {
            FirType::Array(extents, element) => match **element {
                FirType::Scalar(scalar) => Some((scalar, extents)),
                _ => None,
            },
            FirType::Ref(inner)
            | FirType::Heap(inner)
            | FirType::Ptr(inner)
            | FirType::LlvmPtr(inner)
            | FirType::Box(inner) => inner.array(),
            _ => None,
        }
    }

    pub fn scalar(&self) -> Option<Scalar> {
        match self {
            FirType::Scalar(scalar) => Some(*scalar),
            _ => None,
        }
    }
}

impl fmt::Display for FirType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FirType::Scalar(scalar) => f.write_str(&scalar.fortran()),
            FirType::Array(extents, element) => {
                let extents: Vec<String> =
                    extents.iter().map(|e| e.map_or_else(|| ":".to_string(), |e| e.to_string())).collect();
                write!(f, "{element} array ({})", extents.join(", "))
            }
            FirType::Ref(inner) | FirType::Heap(inner) | FirType::LlvmPtr(inner) => write!(f, "{inner}"),
            FirType::Ptr(inner) => write!(f, "pointer to {inner}"),
            FirType::Box(inner) => write!(f, "{inner}"),
            FirType::Tuple(_) => f.write_str("host association tuple"),
            FirType::Shape(_) | FirType::ShapeShift(_) | FirType::Shift(_) | FirType::Slice(_) => f.write_str("shape"),
            FirType::Other(text) => f.write_str(&describe_other(text)),
        }
    }
}

/// Words for the FIR types numeric code should not contain.
fn describe_other(text: &str) -> String {
    if text.contains("boxproc") {
        "dummy procedure (EXTERNAL argument)".into()
    } else if text.contains("fir.char") || text.contains("boxchar") {
        "character".into()
    } else if text.contains("fir.type<") || text.contains("fir.class") || text.contains("fir.record") {
        "derived type".into()
    } else if text.contains("complex") {
        "complex".into()
    } else {
        text.to_string()
    }
}

struct Parser<'t> {
    text: &'t str,
    at: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    fn number(&mut self) -> Option<i64> {
        let digits = self.rest().bytes().take_while(u8::is_ascii_digit).count();
        let value = self.rest()[..digits].parse().ok()?;
        self.at += digits;
        Some(value)
    }

    fn ty(&mut self) -> Option<FirType> {
        for (prefix, wrap) in [
            ("!fir.ref<", FirType::Ref as fn(Box<FirType>) -> FirType),
            ("!fir.heap<", FirType::Heap),
            ("!fir.ptr<", FirType::Ptr),
            ("!fir.llvm_ptr<", FirType::LlvmPtr),
            ("!fir.box<", FirType::Box),
        ] {
            if self.eat(prefix) {
                let inner = self.ty()?;
                return self.eat(">").then(|| wrap(Box::new(inner)));
            }
        }
        for (prefix, make) in [
            ("!fir.shapeshift<", FirType::ShapeShift as fn(usize) -> FirType),
            ("!fir.shape<", FirType::Shape),
            ("!fir.shift<", FirType::Shift),
            ("!fir.slice<", FirType::Slice),
        ] {
            if self.eat(prefix) {
                let rank = self.number()?;
                return self.eat(">").then(|| make(rank as usize));
            }
        }
        if self.eat("!fir.array<") {
            let mut extents = Vec::new();
            loop {
                if self.eat("?x") {
                    extents.push(None);
                } else if self.rest().starts_with(|c: char| c.is_ascii_digit())
                    && self.rest().bytes().find(|b| !b.is_ascii_digit()) == Some(b'x')
                {
                    extents.push(Some(self.number()?));
                    self.eat("x");
                } else {
                    break;
                }
            }
            let element = self.ty()?;
            return self.eat(">").then(|| FirType::Array(extents, Box::new(element)));
        }
        if self.eat("!fir.logical<") {
            let kind = self.number()?;
            return self.eat(">").then_some(FirType::Scalar(Scalar::Logical(kind as u32)));
        }
        if self.eat("tuple<") {
            let mut elements = Vec::new();
            if !self.eat(">") {
                loop {
                    elements.push(self.ty()?);
                    if self.eat(">") {
                        break;
                    }
                    if !self.eat(", ") && !self.eat(",") {
                        return None;
                    }
                }
            }
            return Some(FirType::Tuple(elements));
        }
        for (name, scalar) in [("f32", Scalar::F32), ("f64", Scalar::F64), ("index", Scalar::Index)] {
            if self.rest().starts_with(name) && !self.continues_word(name.len()) {
                self.at += name.len();
                return Some(FirType::Scalar(scalar));
            }
        }
        if self.rest().starts_with('i') && self.rest()[1..].starts_with(|c: char| c.is_ascii_digit()) {
            self.at += 1;
            let bits = self.number()?;
            return Some(FirType::Scalar(Scalar::Int(bits as u32)));
        }
        // Anything else: skip one balanced type so that containers of it
        // still parse, and keep its text.
        let start = self.at;
        let mut depth = 0usize;
        for (offset, c) in self.rest().char_indices() {
            match c {
                '<' | '(' | '{' | '[' => depth += 1,
                '>' | ')' | '}' | ']' if depth == 0 => {
                    self.at += offset;
                    return (self.at > start).then(|| FirType::Other(self.text[start..self.at].to_string()));
                }
                '>' | ')' | '}' | ']' => depth -= 1,
                ',' if depth == 0 => {
                    self.at += offset;
                    return (self.at > start).then(|| FirType::Other(self.text[start..self.at].to_string()));
                }
                _ => {}
            }
        }
        self.at = self.text.len();
        (self.at > start).then(|| FirType::Other(self.text[start..].to_string()))
    }

    fn continues_word(&self, len: usize) -> bool {
        self.rest()[len..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    }
}
