//! Arrays: element addresses, shapes applied to buffers, sections, and the
//! one-dimensional views sequence association needs.

use super::{
    Failure, Result, Translator,
    values::{Abstract, ArrayView, Order, Place, Shape, SliceDim, Storage, StorageIndex},
};
use crate::fortran::mlir;
use melior::ir::{
    Attribute, Identifier, Location, OperationRef, Type, Value, ValueLike,
    operation::{OperationBuilder, OperationLike},
    r#type::MemRefType,
};

/// Whether two index values are computed the same way from the same
/// values (a procedure inlined at a call recomputes its dummies' extents
/// from the same arguments), looking `depth` ops deep.
fn equivalent(a: Value, b: Value, depth: usize) -> bool {
    if a == b {
        return true;
    }
    let (Some(x), Some(y)) = (mlir::defining_op(a), mlir::defining_op(b)) else { return false };
    let name = x.name().as_string_ref().as_str().unwrap_or_default().to_string();
    depth > 0
        && name.starts_with("arith.")
        && y.name().as_string_ref().as_str() == Ok(name.as_str())
        && x.operand_count() == y.operand_count()
        && x.attributes().map(|(n, v)| (n.as_string_ref().as_str().map(str::to_string), v.to_string())).collect::<Vec<_>>()
            == y.attributes().map(|(n, v)| (n.as_string_ref().as_str().map(str::to_string), v.to_string())).collect::<Vec<_>>()
        && x.operands().zip(y.operands()).all(|(p, q)| equivalent(p, q, depth - 1))
}

/// Where ops go: the end of the current block, its start, or after an op.
#[derive(Clone, Copy)]
pub enum Position<'c, 'm> {
    End,
    Start,
    After(OperationRef<'c, 'm>),
}

impl<'c, 'm, 'f> Translator<'c, 'm, 'f> {
    /// The element of `view` at Fortran indices `indices`, where dimension
    /// d counts from `lower[d]` (None: 1).
    pub(super) fn element(
        &mut self,
        view: &ArrayView<'c, 'm>,
        lower: &[Option<Value<'c, 'm>>],
        indices: &[Value<'c, 'm>],
        location: Location<'c>,
    ) -> Result<Place<'c, 'm>> {
        if indices.len() != view.rank() {
            return Err(Failure::new(
                location,
                format!("internal error: {} subscripts for an array of rank {}", indices.len(), view.rank()),
            ));
        }
        let offsets: Vec<Value> = indices
            .iter()
            .enumerate()
            .map(|(d, &index)| {
                let lb = match lower.get(d).copied().flatten() {
                    Some(lb) => lb,
                    None => self.index_const(1, location),
                };
                self.sub(index, lb, location)
            })
            .collect();
        let indices = view.map.iter().map(|index| self.storage_index(index, &offsets, location)).collect();
        Ok(Place { storage: view.storage.clone(), indices })
    }

    fn storage_index(&mut self, index: &StorageIndex<'c, 'm>, offsets: &[Value<'c, 'm>], location: Location<'c>) -> Value<'c, 'm> {
        let mut total = match index.base {
            Some(base) => base,
            None => self.index_const(0, location),
        };
        for &(d, coefficient) in &index.terms {
            let term = match coefficient {
                Some(coefficient) => self.mul(offsets[d], coefficient, location),
                None => offsets[d],
            };
            total = self.add(total, term, location);
        }
        total
    }

    /// `target` seen with `shape` (a `fir.declare` or `fir.embox` of an
    /// array address): the array itself when the shape fits its buffer,
    /// otherwise a one-dimensional view from its first element (Fortran's
    /// sequence association).
    pub(super) fn apply_shape(
        &mut self,
        target: Abstract<'c, 'm>,
        shape: &Shape<'c, 'm>,
        location: Location<'c>,
    ) -> Result<Abstract<'c, 'm>> {
        let rank = shape.rank();
        let unsupported = |what: &str| Failure::new(location, format!("internal error: a shape applied to {what}"));
        Ok(match target {
            Abstract::Unallocated => Abstract::Unallocated,
            Abstract::Storage(storage) => {
                let extents = self.extents_of(shape, &storage, location);
                if storage.rank == rank {
                    Abstract::View(ArrayView::whole(storage, extents, shape.lower.clone()))
                } else {
                    let first = self.first_element(&storage, location);
                    Abstract::View(self.linear_view(&first, extents, shape.lower.clone(), location)?)
                }
            }
            Abstract::View(view) if shape.extents.iter().all(Option::is_none) => {
                // A shift: new lower bounds for the same array.
                Abstract::View(ArrayView { lower: shape.lower.clone(), ..view })
            }
            Abstract::View(view) => {
                let extents: Vec<Value> = (0..rank)
                    .map(|d| shape.extents[d].or_else(|| view.extents.get(d).copied()).ok_or(()))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|()| unsupported("an array of unknown extent"))?;
                let same_layout = view.rank() == rank
                    && view.is_whole()
                    && (0..rank.saturating_sub(1)).all(|d| equivalent(extents[d], view.extents[d], 8));
                // A contiguous section of rank 1 (flang addresses one that way
                // only when it knows it is contiguous) indexes the same.
                let contiguous_line = rank == 1
                    && view.rank() == 1
                    && view.map.first().is_some_and(|index| matches!(index.terms.as_slice(), [(0, None)]))
                    && view.map.iter().skip(1).all(|index| index.terms.is_empty());
                if same_layout {
                    Abstract::View(ArrayView::whole(view.storage, extents, shape.lower.clone()))
                } else if contiguous_line {
                    Abstract::View(ArrayView { extents, lower: shape.lower.clone(), ..view })
                } else {
                    let ones = vec![None; view.rank()];
                    let one = self.index_const(1, location);
                    let first = self.element(&view, &ones, &vec![one; view.rank()], location)?;
                    Abstract::View(self.linear_view(&first, extents, shape.lower.clone(), location)?)
                }
            }
            Abstract::Place(place) => {
                let storage = place.storage.clone();
                let extents = self.extents_of(shape, &storage, location);
                Abstract::View(self.linear_view(&place, extents, shape.lower.clone(), location)?)
            }
            Abstract::Unsupported(why) => return Err(Failure::new(location, why)),
            _ => return Err(unsupported("something that is not an array")),
        })
    }

    /// The extents a shape gives, or the buffer's where it gives none.
    fn extents_of(&mut self, shape: &Shape<'c, 'm>, storage: &Storage<'c, 'm>, location: Location<'c>) -> Vec<Value<'c, 'm>> {
        (0..shape.rank())
            .map(|d| match shape.extents.get(d).copied().flatten() {
                Some(extent) => extent,
                None if d < storage.rank => self.storage_extent(storage, d, location),
                None => self.index_const(1, location),
            })
            .collect()
    }

    fn first_element(&mut self, storage: &Storage<'c, 'm>, location: Location<'c>) -> Place<'c, 'm> {
        let zero = self.index_const(0, location);
        Place { storage: storage.clone(), indices: vec![zero; storage.rank] }
    }

    /// An array of `extents` whose elements follow `first` in memory
    /// (column-major), as a view of the buffer seen as one dimension.
    fn linear_view(
        &mut self,
        first: &Place<'c, 'm>,
        extents: Vec<Value<'c, 'm>>,
        lower: Vec<Option<Value<'c, 'm>>>,
        location: Location<'c>,
    ) -> Result<ArrayView<'c, 'm>> {
        if first.storage.rank == 0 {
            return Err(Failure::new(location, "passing a scalar where an array is expected is not supported"));
        }
        let memref = self.linear_memref(&first.storage, location);
        // The element's offset from the start of the buffer.
        let mut offset = self.index_const(0, location);
        let mut stride = self.index_const(1, location);
        for (k, &index) in first.indices.iter().enumerate() {
            let term = self.mul(index, stride, location);
            offset = self.add(offset, term, location);
            if k + 1 < first.indices.len() {
                let extent = self.storage_extent(&first.storage, k, location);
                stride = self.mul(stride, extent, location);
            }
        }
        let mut terms = Vec::new();
        let mut coefficient: Option<Value> = None;
        for (d, &extent) in extents.iter().enumerate() {
            terms.push((d, coefficient));
            coefficient = Some(match coefficient {
                None => extent,
                Some(c) => self.mul(c, extent, location),
            });
        }
        let storage = Storage { memref, order: Order::Fortran, element: first.storage.element, rank: 1 };
        Ok(ArrayView { storage, map: vec![StorageIndex { base: Some(offset), terms }], extents, lower })
    }

    /// The buffer of `storage` as a one-dimensional memref (made once, next
    /// to the buffer's definition so that it dominates every use).
    fn linear_memref(&mut self, storage: &Storage<'c, 'm>, location: Location<'c>) -> Value<'c, 'm> {
        if storage.rank == 1 {
            return storage.memref;
        }
        if let Some(memref) = self.linear.get(&mlir::key(storage.memref)) {
            return *memref;
        }
        let position = match mlir::defining_op(storage.memref) {
            Some(definition) => (definition.block().expect("in a block"), Position::After(definition)),
            None => {
                // An argument: callers must pass it contiguous.
                if let Ok(argument) = melior::ir::block::BlockArgument::try_from(storage.memref) {
                    self.contiguous_arguments.insert(argument.argument_number());
                }
                (self.entry, self.hoisted.map_or(Position::Start, Position::After))
            }
        };
        let element = storage.element;
        let storage = storage.clone();
        let memref = self.at(position.0, position.1, |this| {
            let source_type = storage.memref.r#type();
            match storage.order {
                Order::Reversed => {
                    let shape = MemRefType::try_from(source_type).expect("a memref");
                    let total = (0..storage.rank)
                        .map(|d| match melior::ir::r#type::ShapedTypeLike::dim_size(&shape, d) {
                            Ok(melior::ir::r#type::DimSize::Static(size)) => Some(size as i64),
                            _ => None,
                        })
                        .try_fold(1i64, |acc, size| size.map(|s| acc * s));
                    let result = this.memref_type(element, &[total], Order::Fortran);
                    let reassociation = format!("[[{}]]", (0..storage.rank).map(|d| d.to_string()).collect::<Vec<_>>().join(", "));
                    let attribute = Attribute::parse(this.context, &reassociation).expect("reassociation");
                    this.op1("memref.collapse_shape", &[storage.memref], result, &[("reassociation", attribute)], location)
                }
                Order::Fortran => {
                    let mut total = this.index_const(1, location);
                    for d in 0..storage.rank {
                        let extent = this.storage_extent(&storage, d, location);
                        total = this.mul(total, extent, location);
                    }
                    let result: Type = this.memref_type(element, &[None], Order::Fortran);
                    let attributes = [
                        ("static_offsets", Attribute::parse(this.context, "array<i64: 0>").expect("offsets")),
                        ("static_sizes", Attribute::parse(this.context, "array<i64: -9223372036854775808>").expect("sizes")),
                        ("static_strides", Attribute::parse(this.context, "array<i64: 1>").expect("strides")),
                        ("operandSegmentSizes", Attribute::parse(this.context, "array<i32: 1, 0, 1, 0>").expect("segments")),
                    ];
                    let attributes: Vec<_> =
                        attributes.iter().map(|(name, value)| (Identifier::new(this.context, name), *value)).collect();
                    let operation = OperationBuilder::new("memref.reinterpret_cast", location)
                        .add_operands(&[storage.memref, total])
                        .add_results(&[result])
                        .add_attributes(&attributes)
                        .build()
                        .expect("memref.reinterpret_cast");
                    this.append(operation).result(0).expect("result").into()
                }
            }
        });
        self.linear.insert(mlir::key(storage.memref), memref);
        memref
    }

    /// `view` sectioned by `slice`, whose subscripts count from `lower`.
    pub(super) fn section(
        &mut self,
        view: &ArrayView<'c, 'm>,
        lower: &[Option<Value<'c, 'm>>],
        slice: &[SliceDim<'c, 'm>],
        location: Location<'c>,
    ) -> Result<ArrayView<'c, 'm>> {
        if slice.len() != view.rank() {
            return Err(Failure::new(location, "internal error: a section of another rank than its array"));
        }
        // Offsets (0-based) of the section's first element, and the view
        // dimensions that remain.
        let mut starts = Vec::new();
        let mut kept = Vec::new();
        let mut extents = Vec::new();
        for (d, dimension) in slice.iter().enumerate() {
            let lb = match lower.get(d).copied().flatten() {
                Some(lb) => lb,
                None => self.index_const(1, location),
            };
            match dimension {
                SliceDim::Fixed(index) => starts.push(self.sub(*index, lb, location)),
                SliceDim::Range(low, high, step) => {
                    starts.push(self.sub(*low, lb, location));
                    kept.push((d, *step));
                    // max((high - low + step) / step, 0)
                    let span = self.sub(*high, *low, location);
                    let span = self.add(span, *step, location);
                    let count = self.div(span, *step, location);
                    let zero = self.index_const(0, location);
                    extents.push(self.max(count, zero, location));
                }
            }
        }
        let map = view
            .map
            .iter()
            .map(|index| {
                let start = self.storage_index(index, &starts, location);
                let terms = kept
                    .iter()
                    .enumerate()
                    .filter_map(|(j, &(d, step))| {
                        let (_, coefficient) = index.terms.iter().find(|(term, _)| *term == d)?;
                        let coefficient = match coefficient {
                            Some(c) => self.mul(*c, step, location),
                            None => step,
                        };
                        Some((j, if Self::constant_of(coefficient) == Some(1) { None } else { Some(coefficient) }))
                    })
                    .collect();
                StorageIndex { base: Some(start), terms }
            })
            .collect();
        let rank = extents.len();
        Ok(ArrayView { storage: view.storage.clone(), map, extents, lower: vec![None; rank] })
    }

    /// Runs `build` with ops going to `position` in `block`, then restores
    /// the insertion point. Ops hoisted to the entry block's start are kept
    /// in order.
    pub(super) fn at<T>(
        &mut self,
        block: melior::ir::BlockRef<'c, 'm>,
        position: Position<'c, 'm>,
        build: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let saved = (self.block, self.position);
        self.block = block;
        self.position = position;
        let result = build(self);
        if block == self.entry
            && let Position::After(last) = self.position
            && matches!(position, Position::Start)
                | matches!(position, Position::After(anchor) if Some(anchor) == self.hoisted)
        {
            self.hoisted = Some(last);
        }
        (self.block, self.position) = saved;
        result
    }

    /// Runs `build` with ops going to the entry block, after what was
    /// hoisted there before (loop-invariant definitions: globals, fixed-size
    /// local arrays).
    pub(super) fn hoist<T>(&mut self, build: impl FnOnce(&mut Self) -> T) -> T {
        let position = self.hoisted.map_or(Position::Start, Position::After);
        self.at(self.entry, position, build)
    }
}
