//! Raising addresses to memref indices.
//!
//! An address is a memref (a pointer parameter or a local array) plus a
//! byte offset, kept as a sum of integer values times constant byte
//! coefficients plus a constant: each `getelementptr` adds its indices
//! scaled by the sizes of what they step over. A load or store through it
//! becomes `memref.load`/`memref.store` at the element index that offset
//! names, which must be a whole number of elements of the memref's type
//! (anything else reinterprets memory, and is refused).

/// A term of an offset: an integer SSA value (by its name in the output
/// and its type) times a byte coefficient.
#[derive(Clone, Debug)]
pub struct Term {
    pub value: String,
    pub ty: String,
    pub bytes: i64,
}

/// An offset in elements: `terms` (their `bytes` field counting elements
/// here) plus `constant`.
pub struct ElementOffset {
    pub terms: Vec<Term>,
    pub constant: i64,
}

/// A memref and a byte offset into it.
#[derive(Clone, Debug)]
pub struct Address {
    /// The memref's SSA name in the output.
    pub memref: String,
    /// Its type (`memref<?xf64>`, `memref<8xf64>`).
    pub memref_type: String,
    /// Its element type and size in bytes.
    pub element: String,
    pub element_size: i64,
    pub terms: Vec<Term>,
    pub constant: i64,
    /// The C name of what it points into, for messages.
    pub what: String,
}

impl Address {
    pub fn base(memref: String, memref_type: String, element: String, element_size: i64, what: String) -> Address {
        Address { memref, memref_type, element, element_size, terms: Vec::new(), constant: 0, what }
    }

    /// Whether this is the start of the memref itself.
    pub fn is_base(&self) -> bool {
        self.terms.is_empty() && self.constant == 0
    }

    /// The offset as a whole number of elements: terms whose coefficients
    /// count elements, and a constant; `None` where it is not one.
    pub fn element_offset(&self) -> Option<ElementOffset> {
        let size = self.element_size;
        if self.constant % size != 0 || self.terms.iter().any(|term| term.bytes % size != 0) {
            return None;
        }
        let terms = self.terms.iter().map(|t| Term { value: t.value.clone(), ty: t.ty.clone(), bytes: t.bytes / size }).collect();
        Some(ElementOffset { terms, constant: self.constant / size })
    }
}
