//! What a FIR value stands for in the generated code.
//!
//! FIR works with addresses: of scalars, of array elements, of arrays and
//! their descriptors. The converter does not materialise addresses;
//! instead each FIR value maps to an `Abstract` that says what it denotes,
//! and loads and stores through it become SSA values (promoted variables)
//! or `memref.load` / `memref.store` on the right buffer and indices.

use super::super::fir_type::Scalar;
use melior::ir::Value;

/// The index of a promoted variable in the translator's environment.
pub type VarId = usize;

/// The memory of an array: a memref and how its dimensions are ordered.
#[derive(Clone, Debug)]
pub struct Storage<'c, 'm> {
    pub memref: Value<'c, 'm>,
    pub order: Order,
    pub element: Scalar,
    /// The number of Fortran dimensions (0 for a scalar in memory).
    pub rank: usize,
}

/// How a memref's dimensions relate to the Fortran dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// The memref is indexed in Fortran order with a column-major layout
    /// (`memref<?x?xf64, strided<[1, ?]>>`): arguments.
    Fortran,
    /// The memref has the Fortran dimensions reversed and the identity
    /// layout (`memref<?x?xf64>` with the last Fortran dimension first),
    /// which is column-major too: buffers zad allocates, and globals.
    Reversed,
}

/// A scalar in memory: a buffer and 0-based indices in Fortran order.
#[derive(Clone, Debug)]
pub struct Place<'c, 'm> {
    pub storage: Storage<'c, 'm>,
    pub indices: Vec<Value<'c, 'm>>,
}

/// How one index of the storage follows from the indices of a view:
/// `base + sum_d (i_d - lb_d) * coefficient_d`, where `lb_d` is the lower
/// bound an access uses for view dimension d (1 unless its shape says
/// otherwise). `None` stands for 0 (base) and 1 (coefficient).
#[derive(Clone, Debug)]
pub struct StorageIndex<'c, 'm> {
    pub base: Option<Value<'c, 'm>>,
    pub terms: Vec<(usize, Option<Value<'c, 'm>>)>,
}

/// An array: a (possibly strided, possibly rank-reducing) view of storage.
#[derive(Clone, Debug)]
pub struct ArrayView<'c, 'm> {
    pub storage: Storage<'c, 'm>,
    /// One per storage dimension.
    pub map: Vec<StorageIndex<'c, 'm>>,
    /// One per view dimension.
    pub extents: Vec<Value<'c, 'm>>,
    /// The lower bounds LBOUND reports, one per view dimension (None: 1).
    pub lower: Vec<Option<Value<'c, 'm>>>,
}

impl<'c, 'm> ArrayView<'c, 'm> {
    /// The whole of `storage`, with these extents and lower bounds.
    pub fn whole(storage: Storage<'c, 'm>, extents: Vec<Value<'c, 'm>>, lower: Vec<Option<Value<'c, 'm>>>) -> Self {
        let map = (0..storage.rank).map(|k| StorageIndex { base: None, terms: vec![(k, None)] }).collect();
        ArrayView { storage, map, extents, lower }
    }

    pub fn rank(&self) -> usize {
        self.extents.len()
    }

    /// Whether the view is all of its storage, dimension for dimension.
    pub fn is_whole(&self) -> bool {
        self.map.len() == self.extents.len()
            && self.map.iter().enumerate().all(|(k, index)| {
                index.base.is_none() && matches!(index.terms.as_slice(), [(d, None)] if *d == k)
            })
    }
}

/// An allocatable local's descriptor while allocated: a buffer of its own
/// (reversed order) with bounds.
#[derive(Clone, Debug)]
pub struct Allocation<'c, 'm> {
    pub memref: Value<'c, 'm>,
    pub element: Scalar,
    pub lower: Vec<Value<'c, 'm>>,
    pub extents: Vec<Value<'c, 'm>>,
}

impl<'c, 'm> Allocation<'c, 'm> {
    pub fn view(&self) -> ArrayView<'c, 'm> {
        let storage = Storage { memref: self.memref, order: Order::Reversed, element: self.element, rank: self.extents.len() };
        ArrayView::whole(storage, self.extents.clone(), self.lower.iter().copied().map(Some).collect())
    }
}

/// Lower bounds and extents from `fir.shape`, `fir.shift` and
/// `fir.shape_shift` (None where the op does not say).
#[derive(Clone, Debug)]
pub struct Shape<'c, 'm> {
    pub lower: Vec<Option<Value<'c, 'm>>>,
    pub extents: Vec<Option<Value<'c, 'm>>>,
}

impl Shape<'_, '_> {
    pub fn rank(&self) -> usize {
        self.lower.len().max(self.extents.len())
    }
}

/// One dimension of `fir.slice`.
#[derive(Clone, Debug)]
pub enum SliceDim<'c, 'm> {
    /// `lo:hi:step`.
    Range(Value<'c, 'm>, Value<'c, 'm>, Value<'c, 'm>),
    /// A scalar subscript: the dimension disappears.
    Fixed(Value<'c, 'm>),
}

/// The value of a promoted variable.
#[derive(Clone, Debug)]
pub enum VarState<'c, 'm> {
    Scalar(Value<'c, 'm>),
    Allocated(Allocation<'c, 'm>),
    Unallocated,
}

/// What a FIR SSA value denotes.
#[derive(Clone, Debug)]
pub enum Abstract<'c, 'm> {
    /// A scalar value (integer, real, i1, index).
    Scalar(Value<'c, 'm>),
    /// The address of a promoted scalar variable.
    Var(VarId),
    /// The address of a scalar in memory.
    Place(Place<'c, 'm>),
    /// The address of the first element of a buffer whose shape a
    /// `fir.declare` gives (dummy arrays, local arrays).
    Storage(Storage<'c, 'm>),
    /// An array with known shape (an array reference, a descriptor).
    View(ArrayView<'c, 'm>),
    /// The address of an allocatable local's descriptor.
    Allocatable(VarId),
    /// The array an unallocated allocatable describes.
    Unallocated,
    /// An array's address as an integer: whether it is allocated.
    Address(bool),
    Shape(Shape<'c, 'm>),
    Slice(Vec<SliceDim<'c, 'm>>),
    /// A host-association tuple and one of its slots.
    Tuple(usize),
    TupleSlot(usize, usize),
    /// Something the generated code never needs (a dummy scope, a file
    /// name for the runtime, an undefined index in a slice).
    Nothing,
    /// A value zad cannot represent; using it is an error with this text.
    Unsupported(String),
}
