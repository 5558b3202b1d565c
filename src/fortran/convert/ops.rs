//! The conversion of each FIR (and arith/math) operation.

use super::{
    Result, Translator, VarKind, fir_type, op_name, segments, string_attribute,
    values::{Abstract, Allocation, ArrayView, Order, Place, Shape, SliceDim, Storage, VarState},
};
use crate::fortran::{
    fir_type::{FirType, Scalar},
    mlir, names,
};
use melior::ir::{
    Attribute, BlockLike, Identifier, RegionLike, Location, OperationRef, Type, Value, ValueLike,
    attribute::{DenseElementsAttribute, IntegerAttribute, StringAttribute, TypeAttribute},
    operation::{OperationBuilder, OperationLike, OperationMutLike},
};

/// What flang's ops for constructs zad does not handle stand for.
const UNSUPPORTED_OPS: &[(&str, &str)] = &[
    ("fir.char_convert", "character data"),
    ("fir.emboxchar", "character data"),
    ("fir.unboxchar", "character data"),
    ("fir.string_lit", "character data"),
    ("fir.field_index", "derived types"),
    ("fir.insert_value", "derived types or complex numbers"),
    ("fir.extract_value", "derived types or complex numbers"),
    ("fir.emboxproc", "procedure pointers or dummy procedures"),
    ("fir.box_addr_proc", "procedure pointers"),
    ("fir.dispatch", "type-bound procedures"),
    ("fir.is_present", "OPTIONAL arguments"),
    ("fir.absent", "OPTIONAL arguments"),
    ("fir.iterate_while", "this kind of loop"),
    ("omp.", "OpenMP"),
    ("acc.", "OpenACC"),
    ("complex.", "complex numbers"),
];

impl<'c, 'm, 'f> Translator<'c, 'm, 'f> {
    /// Converts one op (not a terminator).
    pub(super) fn operation(&mut self, op: OperationRef<'c, 'f>) -> Result<()> {
        let name = op_name(&op);
        let location = op.location();
        match name.as_str() {
            "fir.do_loop" => return self.do_loop(op),
            // DO CONCURRENT: its locals, then the loop nest.
            "fir.do_concurrent" => {
                let block = op.region(0).expect("body").first_block().expect("block");
                let enclosing = std::mem::replace(&mut self.concurrent_locals, self.env.len());
                let mut next = block.first_operation();
                let mut converted = Ok(());
                while let Some(inner) = next {
                    next = inner.next_in_block();
                    if op_name(&inner) != "fir.result" {
                        converted = self.operation(inner);
                        if converted.is_err() {
                            break;
                        }
                    }
                }
                self.concurrent_locals = enclosing;
                return converted;
            }
            "fir.do_concurrent.loop" => return self.concurrent_loop(op),
            "fir.if" | "scf.if" => return self.if_op(op),
            "scf.while" => return self.while_op(op),
            "scf.index_switch" => return self.index_switch(op),
            "fir.call" => return self.call(op),
            _ => {}
        }
        let result = op.result(0).ok().map(Value::from);
        let value = match name.as_str() {
            "math.ipowi" => self.integer_power(op)?,
            _ if name.starts_with("arith.") || name.starts_with("math.") => self.arithmetic(op)?,
            "fir.no_reassoc" => self.lookup(op.operand(0).expect("operand"), location)?,
            "fir.convert" => self.convert_op(op)?,
            // The `*` extent of an assumed-size array: unknown, and only
            // used in the shape of the array's declaration.
            "fir.undefined" | "fir.dummy_scope" | "fir.assumed_size_extent" => Abstract::Nothing,
            "ub.poison" => match fir_type(result.expect("result")) {
                FirType::Scalar(scalar) => Abstract::Scalar(self.zero(scalar, location)),
                _ => Abstract::Nothing,
            },
            "fir.zero_bits" => match fir_type(result.expect("result")) {
                FirType::Scalar(scalar) => Abstract::Scalar(self.zero(scalar, location)),
                _ => Abstract::Unallocated,
            },
            "fir.alloca" | "fir.allocmem" => self.allocate(op)?,
            "fir.freemem" => {
                match self.lookup(op.operand(0).expect("operand"), location)? {
                    Abstract::View(view) => self.op0("memref.dealloc", &[view.storage.memref], location),
                    Abstract::Storage(storage) => self.op0("memref.dealloc", &[storage.memref], location),
                    Abstract::Unallocated => {}
                    _ => return Err(self.fail(location, "internal error: freeing something that is not an array")),
                }
                return Ok(());
            }
            "fir.declare" => self.declare(op)?,
            "fir.load" => self.load_op(op)?,
            "fir.store" => return self.store_op(op),
            "fir.save_result" => return self.save_result(op),
            "fir.array_coor" => self.array_coor(op)?,
            "fir.coordinate_of" => self.coordinate_of(op)?,
            "fir.embox" | "fir.rebox" => self.embox(op)?,
            "fir.box_addr" => self.lookup(op.operand(0).expect("operand"), location)?,
            "fir.box_dims" => return self.box_dims(op),
            "fir.shape" | "fir.shape_shift" | "fir.shift" => self.shape(op)?,
            "fir.slice" => self.slice(op)?,
            "fir.address_of" => self.address_of(op)?,
            "fir.box_elesize" => {
                let element = fir_type(op.operand(0).expect("operand")).array().map(|(e, _)| e);
                let bytes = match element {
                    Some(Scalar::F32 | Scalar::Int(32) | Scalar::Logical(4)) => 4,
                    Some(Scalar::F64 | Scalar::Int(64) | Scalar::Index) => 8,
                    _ => return Err(self.fail(location, "the element size of this array is not supported")),
                };
                let result_type = fir_type(result.expect("result")).scalar().unwrap_or(Scalar::Index);
                Abstract::Scalar(self.int_const(result_type, bytes, location))
            }
            _ => {
                let what = UNSUPPORTED_OPS
                    .iter()
                    .find(|(prefix, _)| name.starts_with(prefix))
                    .map(|(_, what)| format!("{what} ({name})"))
                    .unwrap_or_else(|| format!("the operation {name} flang generated"));
                return Err(self.fail(location, format!("{what} is not supported")));
            }
        };
        if let Some(result) = result {
            self.set(result, value);
        }
        Ok(())
    }

    /// arith and math ops: the same op on the converted operands.
    fn arithmetic(&mut self, op: OperationRef<'c, 'f>) -> Result<Abstract<'c, 'm>> {
        let location = op.location();
        let operands = self.operands(&op)?;
        // `allocated(a)` and the automatic deallocation of allocatables
        // test the address against zero: known statically here.
        if op_name(&op) == "arith.cmpi"
            && let Some(allocated) = operands.iter().find_map(|o| if let Abstract::Address(a) = o { Some(*a) } else { None })
        {
            let predicate = op.attribute("predicate").ok().and_then(|a| IntegerAttribute::try_from(a).ok()).map(|a| a.value());
            let answer = match predicate {
                Some(0) => !allocated, // eq 0: not allocated
                Some(1) => allocated,  // ne 0
                _ => return Err(self.fail(location, "internal error: an unexpected test of an array address")),
            };
            return Ok(Abstract::Scalar(self.int_const(Scalar::Int(1), i64::from(answer), location)));
        }
        let values: Vec<Value> = operands.iter().map(|o| self.scalar(o, location)).collect::<Result<_>>()?;
        let mut clone = mlir::clone_operation(&op);
        for (index, value) in values.iter().enumerate() {
            clone.set_operand(index, *value);
        }
        let inserted = self.append(clone);
        if inserted.result_count() > 1 {
            return Err(self.fail(location, format!("{} with several results is not supported", op_name(&op))));
        }
        Ok(match inserted.result(0) {
            Ok(result) => Abstract::Scalar(result.into()),
            Err(_) => Abstract::Nothing,
        })
    }

    /// `math.ipowi` (integer ** integer): repeated multiplication, with
    /// Fortran's rule for negative exponents (1/x**n in integers).
    fn integer_power(&mut self, op: OperationRef<'c, 'f>) -> Result<Abstract<'c, 'm>> {
        let location = op.location();
        let operands = self.operands(&op)?;
        let base = self.scalar(&operands[0], location)?;
        let exponent = self.scalar(&operands[1], location)?;
        let ty = base.r#type();
        let scalar = fir_type(op.operand(0).expect("operand")).scalar().expect("an integer");
        let one = self.int_const(scalar, 1, location);
        let zero = self.int_const(scalar, 0, location);
        let count = self.cast(exponent, fir_type(op.operand(1).expect("operand")).scalar().expect("integer"), Scalar::Index, location);
        let start = self.index_const(0, location);
        let step = self.index_const(1, location);
        let region = melior::ir::Region::new();
        let body = melior::ir::Block::new(&[(self.index_type(), location), (ty, location)]);
        region.append_block(body);
        let for_op = OperationBuilder::new("scf.for", location)
            .add_operands(&[start, count, step, one])
            .add_results(&[ty])
            .add_regions([region])
            .build()
            .expect("scf.for");
        let for_op = self.append(for_op);
        let body = for_op.region(0).expect("body").first_block().expect("block");
        let accumulated: Value = body.argument(1).expect("argument").into();
        let saved = (self.block, self.position);
        self.block = body;
        self.position = super::arrays::Position::End;
        let product = self.op1("arith.muli", &[accumulated, base], ty, &[], location);
        self.op0("scf.yield", &[product], location);
        (self.block, self.position) = saved;
        let power: Value = for_op.result(0).expect("result").into();
        // Negative exponents: 1 for x = 1, +-1 for x = -1, else 0.
        let minus_one = self.int_const(scalar, -1, location);
        let negative = self.cmpi("slt", exponent, zero, location);
        let is_one = self.cmpi("eq", base, one, location);
        let is_minus_one = self.cmpi("eq", base, minus_one, location);
        let two = self.int_const(scalar, 2, location);
        let parity = self.op1("arith.remsi", &[exponent, two], ty, &[], location);
        let even = self.cmpi("eq", parity, zero, location);
        let sign = self.select(even, one, minus_one, location);
        let inverse = self.select(is_minus_one, sign, zero, location);
        let inverse = self.select(is_one, one, inverse, location);
        Ok(Abstract::Scalar(self.select(negative, inverse, power, location)))
    }

    fn convert_op(&mut self, op: OperationRef<'c, 'f>) -> Result<Abstract<'c, 'm>> {
        let location = op.location();
        let operand = op.operand(0).expect("operand");
        let value = self.lookup(operand, location)?;
        let from = fir_type(operand);
        let to = fir_type(op.result(0).expect("result").into());
        let is_address = |ty: &FirType| {
            matches!(ty, FirType::Ref(_) | FirType::Heap(_) | FirType::Ptr(_) | FirType::Box(_) | FirType::LlvmPtr(_))
        };
        Ok(match (&from, &to) {
            (FirType::Scalar(a), FirType::Scalar(b)) => {
                let scalar = self.scalar(&value, location)?;
                Abstract::Scalar(self.cast(scalar, *a, *b, location))
            }
            (a, b) if is_address(a) && is_address(b) => value,
            (a, FirType::Scalar(Scalar::Int(_) | Scalar::Index)) if is_address(a) => match value {
                Abstract::Unallocated => Abstract::Address(false),
                Abstract::View(_) | Abstract::Storage(_) => Abstract::Address(true),
                _ => Abstract::Unsupported("using the address of a variable as an integer is not supported".into()),
            },
            _ => Abstract::Unsupported(format!("converting a {from} to a {to} is not supported")),
        })
    }

    /// `fir.alloca` (locals) and `fir.allocmem` (heap arrays).
    fn allocate(&mut self, op: OperationRef<'c, 'f>) -> Result<Abstract<'c, 'm>> {
        let location = op.location();
        let heap = op_name(&op) == "fir.allocmem";
        let in_type = op
            .attribute("in_type")
            .ok()
            .and_then(|a| TypeAttribute::try_from(a).ok())
            .map(|a| FirType::parse(&a.value().to_string()))
            .expect("in_type");
        let name = string_attribute(&op, "bindc_name")
            .or_else(|| string_attribute(&op, "uniq_name").map(|u| u.rsplit('E').next().unwrap_or_default().to_string()))
            .unwrap_or_else(|| "a temporary".into());
        let sizes = segments(&op).pop().unwrap_or_default();
        match &in_type {
            FirType::Scalar(scalar) if !heap => {
                let zero = self.zero(*scalar, location);
                Ok(Abstract::Var(self.new_var(name, VarKind::Scalar(*scalar), VarState::Scalar(zero))))
            }
            FirType::Array(extents, element) => {
                let Some(element) = element.scalar() else {
                    return Err(self.fail(location, format!("local arrays of {element} are not supported")));
                };
                let mut dynamic = sizes.iter();
                let mut values: Vec<Option<Value>> = Vec::new();
                for extent in extents {
                    values.push(match extent {
                        Some(_) => None,
                        None => {
                            let size = dynamic.next().ok_or_else(|| self.fail(location, "internal error: a missing array size"))?;
                            let size = self.lookup(*size, location)?;
                            let size = self.scalar(&size, location)?;
                            Some(size)
                        }
                    });
                }
                let ty = self.memref_type(element, extents, Order::Reversed);
                // Memref dimensions are the Fortran ones reversed.
                let operands: Vec<Value> = values.iter().rev().flatten().copied().collect();
                let memref = if !heap && operands.is_empty() {
                    // Fixed size: on the stack, once, at the function's entry.
                    self.hoist(|this| this.op1("memref.alloca", &[], ty, &[("operandSegmentSizes", segment_attribute(this, &[0, 0]))], location))
                } else {
                    let segment = segment_attribute(self, &[operands.len() as i32, 0]);
                    let memref = self.op1("memref.alloc", &operands, ty, &[("operandSegmentSizes", segment)], location);
                    if !heap {
                        self.scopes.last_mut().expect("a scope").push(memref);
                    }
                    memref
                };
                Ok(Abstract::Storage(Storage { memref, order: Order::Reversed, element, rank: extents.len() }))
            }
            FirType::Box(inner) if !heap => match inner.as_ref() {
                FirType::Heap(array) => match array.array() {
                    Some((element, extents)) => {
                        let kind = VarKind::Allocatable { element, rank: extents.len() };
                        Ok(Abstract::Allocatable(self.new_var(name, kind, VarState::Unallocated)))
                    }
                    None => Err(self.fail(location, format!("allocatable {array} variables are not supported"))),
                },
                FirType::Ptr(_) => Err(self.fail(location, format!("POINTER variables ('{name}') are not supported"))),
                other => Err(self.fail(location, format!("'{name}', a {other} descriptor, is not supported"))),
            },
            FirType::Tuple(slots) if !heap => {
                self.tuples.push(vec![None; slots.len()]);
                Ok(Abstract::Tuple(self.tuples.len() - 1))
            }
            other => Err(self.fail(location, format!("'{name}', a {other} variable, is not supported"))),
        }
    }

    fn declare(&mut self, op: OperationRef<'c, 'f>) -> Result<Abstract<'c, 'm>> {
        let location = op.location();
        let attributes = op.attribute("fortran_attrs").map(|a| a.to_string()).unwrap_or_default();
        if attributes.contains("pointer") {
            let name = string_attribute(&op, "uniq_name").unwrap_or_default();
            let name = name.rsplit('E').next().unwrap_or_default();
            return Err(self.fail(location, format!("POINTER variables ('{name}') are not supported")));
        }
        let parts = segments(&op);
        let target = self.lookup(parts[0][0], location)?;
        match parts.get(1).and_then(|shape| shape.first()) {
            Some(&shape) => {
                let Abstract::Shape(shape) = self.lookup(shape, location)? else {
                    return Err(self.fail(location, "internal error: a declaration without a shape"));
                };
                self.apply_shape(target, &shape, location)
            }
            None => Ok(target),
        }
    }

    fn load_op(&mut self, op: OperationRef<'c, 'f>) -> Result<Abstract<'c, 'm>> {
        let location = op.location();
        Ok(match self.lookup(op.operand(0).expect("operand"), location)? {
            Abstract::Var(var) => match self.env[var].clone() {
                Some(VarState::Scalar(value)) => Abstract::Scalar(value),
                _ => return Err(self.fail(location, format!("internal error: '{}' has no value here", self.vars[var].name))),
            },
            Abstract::Place(place) => Abstract::Scalar(self.load(&place, location)),
            Abstract::Allocatable(var) => match self.env[var].clone() {
                Some(VarState::Allocated(allocation)) => Abstract::View(allocation.view()),
                Some(VarState::Unallocated) => Abstract::Unallocated,
                _ => return Err(self.fail(location, format!("internal error: '{}' has no value here", self.vars[var].name))),
            },
            Abstract::TupleSlot(tuple, slot) => self.tuples[tuple][slot]
                .clone()
                .ok_or_else(|| self.fail(location, "internal error: an empty host-association slot"))?,
            // An array's value (an array-valued function's result): its memory,
            // which `fir.save_result` copies out.
            array @ (Abstract::View(_) | Abstract::Storage(_)) => array,
            Abstract::Unsupported(why) => return Err(self.fail(location, why)),
            other => return Err(self.fail(location, format!("internal error: loading from {}", super::describe(&other)))),
        })
    }

    fn store_op(&mut self, op: OperationRef<'c, 'f>) -> Result<()> {
        let location = op.location();
        let value = self.lookup(op.operand(0).expect("operand"), location)?;
        match self.lookup(op.operand(1).expect("operand"), location)? {
            Abstract::Var(var) => {
                let value = self.scalar(&value, location)?;
                self.env[var] = Some(VarState::Scalar(value));
            }
            Abstract::Place(place) => {
                let value = self.scalar(&value, location)?;
                self.store(value, &place, location);
            }
            Abstract::Allocatable(var) => {
                let state = match value {
                    Abstract::Unallocated => VarState::Unallocated,
                    Abstract::View(view) if view.is_whole() && view.storage.order == Order::Reversed => {
                        let lower = view
                            .lower
                            .iter()
                            .map(|lb| lb.unwrap_or_else(|| self.index_const(1, location)))
                            .collect();
                        VarState::Allocated(Allocation {
                            memref: view.storage.memref,
                            element: view.storage.element,
                            lower,
                            extents: view.extents.clone(),
                        })
                    }
                    _ => {
                        return Err(self.fail(location, format!("this assignment to allocatable '{}' is not supported", self.vars[var].name)));
                    }
                };
                self.env[var] = Some(state);
            }
            Abstract::TupleSlot(tuple, slot) => self.tuples[tuple][slot] = Some(value),
            Abstract::Unsupported(why) => return Err(self.fail(location, why)),
            other => return Err(self.fail(location, format!("internal error: storing to {}", super::describe(&other)))),
        }
        Ok(())
    }

    /// `fir.save_result %value to %dest(%shape)`: an array-valued function's
    /// result copied where the caller keeps it.
    fn save_result(&mut self, op: OperationRef<'c, 'f>) -> Result<()> {
        let location = op.location();
        let parts = segments(&op);
        let shape = match parts.get(2).and_then(|s| s.first()) {
            Some(&shape) => match self.lookup(shape, location)? {
                Abstract::Shape(shape) => Some(shape),
                _ => None,
            },
            None => None,
        };
        let as_view = |this: &mut Self, value: Abstract<'c, 'm>| -> Result<ArrayView<'c, 'm>> {
            match (value, &shape) {
                (Abstract::View(view), _) => Ok(view),
                (storage @ Abstract::Storage(_), Some(shape)) => match this.apply_shape(storage, shape, location)? {
                    Abstract::View(view) => Ok(view),
                    _ => Err(this.fail(location, "internal error: an array result without shape")),
                },
                _ => Err(this.fail(location, "this function result is not supported")),
            }
        };
        let value = self.lookup(parts[0][0], location)?;
        let source = as_view(self, value)?;
        let destination = self.lookup(parts[1][0], location)?;
        let target = as_view(self, destination)?;
        self.copy(&source, &target, location);
        Ok(())
    }

    /// The index value of FIR value `value` (an integer of any width).
    pub(super) fn index_of(&mut self, value: Value<'c, 'f>, location: Location<'c>) -> Result<Value<'c, 'm>> {
        let converted = self.lookup(value, location)?;
        let scalar = self.scalar(&converted, location)?;
        let from = fir_type(value).scalar().unwrap_or(Scalar::Index);
        Ok(self.cast(scalar, from, Scalar::Index, location))
    }

    fn array_coor(&mut self, op: OperationRef<'c, 'f>) -> Result<Abstract<'c, 'm>> {
        let location = op.location();
        let parts = segments(&op);
        let target = self.lookup(parts[0][0], location)?;
        let shape = match parts.get(1).and_then(|s| s.first()) {
            Some(&shape) => match self.lookup(shape, location)? {
                Abstract::Shape(shape) => Some(shape),
                _ => return Err(self.fail(location, "internal error: a subscript without a shape")),
            },
            None => None,
        };
        let slice = match parts.get(2).and_then(|s| s.first()) {
            Some(&slice) => match self.lookup(slice, location)? {
                Abstract::Slice(slice) => Some(slice),
                _ => return Err(self.fail(location, "internal error: a subscript with a bad slice")),
            },
            None => None,
        };
        let indices: Vec<Value> = parts.get(3).cloned().unwrap_or_default().into_iter().map(|i| self.index_of(i, location)).collect::<Result<_>>()?;
        // A descriptor carries its own shape; a shape operand with it only
        // gives lower bounds.
        let descriptor = matches!(fir_type(parts[0][0]), FirType::Box(_));
        let mut view = match (target, &shape) {
            (Abstract::View(view), None) => view,
            (Abstract::View(view), Some(_)) if descriptor => view,
            (target, Some(shape)) => match self.apply_shape(target, shape, location)? {
                Abstract::View(view) => view,
                _ => return Err(self.fail(location, "subscripting an unallocated array")),
            },
            (Abstract::Unallocated, None) => return Err(self.fail(location, "subscripting an unallocated array")),
            (Abstract::Unsupported(why), None) => return Err(self.fail(location, why)),
            (other, None) => return Err(self.fail(location, format!("internal error: subscripting {}", super::describe(&other)))),
        };
        let lower = shape.map(|s| s.lower).unwrap_or_default();
        if let Some(slice) = slice {
            view = self.section(&view, &lower, &slice, location)?;
        }
        Ok(Abstract::Place(self.element(&view, &lower, &indices, location)?))
    }

    fn coordinate_of(&mut self, op: OperationRef<'c, 'f>) -> Result<Abstract<'c, 'm>> {
        let location = op.location();
        let target = self.lookup(op.operand(0).expect("operand"), location)?;
        match target {
            Abstract::Tuple(tuple) => {
                let field = self.lookup(op.operand(1).map_err(|_| self.fail(location, "internal error: no field"))?, location)?;
                let field = self.scalar(&field, location)?;
                let slot = Self::constant_of(field).ok_or_else(|| self.fail(location, "internal error: a variable tuple field"))?;
                Ok(Abstract::TupleSlot(tuple, slot as usize))
            }
            _ if matches!(fir_type(op.operand(0).expect("operand")).array(), Some((Scalar::Int(8), _))) => Err(self.fail(
                location,
                "COMMON blocks and EQUIVALENCE are not supported (zad's kernels have their own storage, which could not \
                 share the program's COMMON blocks): pass the values as arguments",
            )),
            _ => Err(self.fail(location, "derived types and complex numbers (component access) are not supported")),
        }
    }

    /// `fir.embox` / `fir.rebox`: a descriptor for an array, possibly with
    /// new bounds or sectioned.
    fn embox(&mut self, op: OperationRef<'c, 'f>) -> Result<Abstract<'c, 'm>> {
        let location = op.location();
        let parts = segments(&op);
        let target = self.lookup(parts[0][0], location)?;
        if matches!(target, Abstract::Unallocated) {
            return Ok(Abstract::Unallocated);
        }
        let shape = match parts.get(1).and_then(|s| s.first()) {
            Some(&shape) => match self.lookup(shape, location)? {
                Abstract::Shape(shape) => Some(shape),
                _ => return Err(self.fail(location, "internal error: a descriptor with a bad shape")),
            },
            None => None,
        };
        let slice = match parts.get(2).and_then(|s| s.first()) {
            Some(&slice) => match self.lookup(slice, location)? {
                Abstract::Slice(slice) => Some(slice),
                _ => return Err(self.fail(location, "internal error: a descriptor with a bad slice")),
            },
            None => None,
        };
        let is_rebox = op_name(&op) == "fir.rebox";
        let view = match (&target, &shape) {
            (Abstract::Place(_), None) | (Abstract::Var(_), _) => {
                return Ok(Abstract::Unsupported("descriptors of scalars (for the Fortran runtime) are not supported".into()));
            }
            (Abstract::View(view), _) if is_rebox => view.clone(),
            (_, Some(shape)) => match self.apply_shape(target.clone(), shape, location)? {
                Abstract::View(view) => view,
                other => return Ok(other),
            },
            (Abstract::View(view), None) => view.clone(),
            (Abstract::Unsupported(why), _) => return Ok(Abstract::Unsupported(why.clone())),
            (other, None) => return Err(self.fail(location, format!("internal error: a descriptor of {}", super::describe(other)))),
        };
        let lower = shape.as_ref().map(|s| s.lower.clone()).unwrap_or_default();
        Ok(Abstract::View(match slice {
            Some(slice) => self.section(&view, if is_rebox { &[] } else { &lower }, &slice, location)?,
            None if is_rebox => match &shape {
                Some(shape) => ArrayView { lower: shape.lower.clone(), ..view },
                None => ArrayView { lower: vec![None; view.rank()], ..view },
            },
            None => view,
        }))
    }

    fn box_dims(&mut self, op: OperationRef<'c, 'f>) -> Result<()> {
        let location = op.location();
        let target = self.lookup(op.operand(0).expect("operand"), location)?;
        let dimension = self.lookup(op.operand(1).expect("operand"), location)?;
        let dimension = self.scalar(&dimension, location)?;
        let dimension = Self::constant_of(dimension).ok_or_else(|| self.fail(location, "a descriptor dimension that is not a constant"))? as usize;
        let view = match target {
            Abstract::View(view) => view,
            _ => return Err(self.fail(location, "internal error: the bounds of something that is not an array")),
        };
        if dimension >= view.rank() {
            return Err(self.fail(location, "internal error: a dimension beyond the array's rank"));
        }
        let lower = match view.lower.get(dimension).copied().flatten() {
            Some(lb) => lb,
            None => self.index_const(1, location),
        };
        let results: Vec<Value> = op.results().map(Value::from).collect();
        self.set(results[0], Abstract::Scalar(lower));
        self.set(results[1], Abstract::Scalar(view.extents[dimension]));
        self.set(results[2], Abstract::Unsupported("the memory stride of an array descriptor is not supported".into()));
        Ok(())
    }

    fn shape(&mut self, op: OperationRef<'c, 'f>) -> Result<Abstract<'c, 'm>> {
        let location = op.location();
        // An assumed-size extent (`*`) is unknown: None.
        let values: Vec<Option<Value>> = op
            .operands()
            .map(|v| match self.lookup(v, location)? {
                Abstract::Nothing => Ok(None),
                _ => self.index_of(v, location).map(Some),
            })
            .collect::<Result<_>>()?;
        Ok(Abstract::Shape(match op_name(&op).as_str() {
            "fir.shape" => Shape { lower: vec![None; values.len()], extents: values },
            "fir.shift" => Shape { lower: values, extents: Vec::new() },
            _ => Shape {
                lower: values.iter().step_by(2).copied().collect(),
                extents: values.iter().skip(1).step_by(2).copied().collect(),
            },
        }))
    }

    fn slice(&mut self, op: OperationRef<'c, 'f>) -> Result<Abstract<'c, 'm>> {
        let location = op.location();
        let parts = segments(&op);
        if parts.iter().skip(1).any(|p| !p.is_empty()) {
            return Err(self.fail(location, "sections of derived-type components or substrings are not supported"));
        }
        let mut dims = Vec::new();
        for triple in parts[0].chunks(3) {
            let low = self.index_of(triple[0], location)?;
            let rest = [self.lookup(triple[1], location)?, self.lookup(triple[2], location)?];
            dims.push(match rest {
                [Abstract::Nothing, Abstract::Nothing] => SliceDim::Fixed(low),
                _ => SliceDim::Range(low, self.index_of(triple[1], location)?, self.index_of(triple[2], location)?),
            });
        }
        Ok(Abstract::Slice(dims))
    }

    /// `fir.address_of(@global)`: the global as a memref (defined in the
    /// module once, fetched once per function at its entry).
    fn address_of(&mut self, op: OperationRef<'c, 'f>) -> Result<Abstract<'c, 'm>> {
        let location = op.location();
        let symbol = op.attribute("symbol").map(|a| a.to_string()).unwrap_or_default();
        let symbol = symbol.trim_start_matches('@').trim_matches('"').to_string();
        let ty = fir_type(op.result(0).expect("result").into());
        let (element, extents) = match ty.pointee() {
            FirType::Scalar(scalar) => (*scalar, Vec::new()),
            FirType::Array(extents, element) => match element.scalar() {
                Some(scalar) => (scalar, extents.clone()),
                None => return Ok(Abstract::Unsupported(format!("module variable {} ({ty}) is not supported", names::variable(&symbol)))),
            },
            // Character constants: file names for the Fortran runtime.
            _ => return Ok(Abstract::Nothing),
        };
        if extents.iter().any(Option::is_none) {
            return Ok(Abstract::Unsupported(format!("module variable {} has a run-time size", names::variable(&symbol))));
        }
        let storage = match self.global_storage.get(&symbol) {
            Some(storage) => storage.clone(),
            None => {
                self.define_global(&symbol, element, &extents, location)?;
                let ty = self.memref_type(element, &extents, Order::Reversed);
                let attribute = Attribute::parse(self.context, &format!("@{symbol}")).expect("symbol");
                let memref = self.hoist(|this| this.op1("memref.get_global", &[], ty, &[("name", attribute)], location));
                let storage = Storage { memref, order: Order::Reversed, element, rank: extents.len() };
                self.global_storage.insert(symbol.clone(), storage.clone());
                storage
            }
        };
        Ok(if extents.is_empty() { Abstract::Place(Place { storage, indices: Vec::new() }) } else { Abstract::Storage(storage) })
    }

    /// Defines `memref.global @symbol` from FIR's `fir.global`, once.
    fn define_global(&mut self, symbol: &str, element: Scalar, extents: &[Option<i64>], location: Location<'c>) -> Result<()> {
        if self.program.emitted.borrow().contains(symbol) {
            return Ok(());
        }
        let global = *self
            .program
            .globals
            .get(symbol)
            .ok_or_else(|| self.fail(location, format!("internal error: no global {symbol}")))?;
        let tensor_dims: String = extents.iter().rev().map(|e| format!("{}x", e.expect("static"))).collect();
        let tensor: Type = Type::parse(self.context, &format!("tensor<{tensor_dims}{}>", element.mlir())).expect("tensor type");
        let unreadable = || {
            self.fail(
                location,
                format!("module variable {} has an initial value zad cannot read", names::variable(symbol)),
            )
        };
        let initial = match global.attribute("initVal") {
            Ok(value) if DenseElementsAttribute::try_from(value).is_ok() => {
                let text = value.to_string();
                let body = text.rsplit_once(" : ").map_or(text.as_str(), |(body, _)| body);
                Attribute::parse(self.context, &format!("{body} : {}", tensor_type_text(extents, element))).ok_or_else(unreadable)?
            }
            Ok(_) => return Err(unreadable()),
            Err(_) => self.global_initial_value(global, tensor, element).ok_or_else(unreadable)?,
        };
        let memref = self.memref_type(element, extents, Order::Reversed);
        let mut attributes = vec![
            (Identifier::new(self.context, "sym_name"), StringAttribute::new(self.context, symbol).into()),
            (Identifier::new(self.context, "type"), TypeAttribute::new(memref).into()),
            (Identifier::new(self.context, "initial_value"), initial),
            (Identifier::new(self.context, "sym_visibility"), StringAttribute::new(self.context, "private").into()),
        ];
        if global.attribute("constant").is_ok() {
            attributes.push((Identifier::new(self.context, "constant"), Attribute::unit(self.context)));
        }
        let operation = OperationBuilder::new("memref.global", location).add_attributes(&attributes).build().expect("memref.global");
        self.module_body.insert_operation(0, operation);
        self.program.emitted.borrow_mut().insert(symbol.to_string());
        Ok(())
    }

    /// The initial value of a `fir.global` with an initialiser region: a
    /// constant, or `fir.zero_bits`.
    fn global_initial_value(&self, global: OperationRef<'c, 'f>, tensor: Type<'c>, element: Scalar) -> Option<Attribute<'c>> {
        let block = global.region(0).ok()?.first_block()?;
        let terminator = crate::fortran::prepare::last_op(&block)?;
        let value = terminator.operand(0).ok()?;
        let definition = mlir::defining_op(value)?;
        let splat = match op_name(&definition).as_str() {
            "fir.zero_bits" => "0".to_string(),
            "arith.constant" => {
                let text = definition.attribute("value").ok()?.to_string();
                let body = text.rsplit_once(" : ").map_or(text.clone(), |(body, _)| body.to_string());
                if text.starts_with("dense<") {
                    return Attribute::parse(self.context, &format!("{body} : {tensor}"));
                }
                match body.as_str() {
                    "true" => "1".into(),
                    "false" => "0".into(),
                    _ => body,
                }
            }
            _ => return None,
        };
        let splat = if element.is_float() && !splat.contains(['.', 'e', 'n', 'i']) { format!("{splat}.0") } else { splat };
        Attribute::parse(self.context, &format!("dense<{splat}> : {tensor}"))
    }
}

fn tensor_type_text(extents: &[Option<i64>], element: Scalar) -> String {
    let dims: String = extents.iter().rev().map(|e| format!("{}x", e.expect("static"))).collect();
    format!("tensor<{dims}{}>", element.mlir())
}

/// A `DenseI32ArrayAttr` for `operandSegmentSizes`.
fn segment_attribute<'c>(translator: &Translator<'c, '_, '_>, sizes: &[i32]) -> Attribute<'c> {
    let text = format!("array<i32: {}>", sizes.iter().map(i32::to_string).collect::<Vec<_>>().join(", "));
    Attribute::parse(translator.context, &text).expect("segment sizes")
}
