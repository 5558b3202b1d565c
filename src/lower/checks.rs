//! Run-time checks inserted before lowering, so that what would crash the
//! host process or corrupt its memory stops the call instead, with an error
//! naming the op and its `file:line:col` (through `zad_trap`, see
//! `exec::trap`).
//!
//! Always inserted (they are cheap, and without them the process dies):
//! - integer division and remainder by zero, and the signed overflow
//!   `MIN / -1`, both of which raise SIGFPE;
//! - `scf.for` over a non-empty range with a step that is not positive
//!   (MLIR's loops then never end, or run past their bounds);
//! - `memref.alloc`/`memref.alloca` sizes that are negative or whose byte
//!   count overflows, and stack allocations too large for a thread's stack.
//!   (An allocation the system refuses is caught by zad's allocator.)
//! - recursion deeper than the calling thread's stack holds: a function
//!   that may call itself checks on entry that some stack is left.
//!
//! With bounds checks on (`Context::set_check_bounds`, the CLI's default):
//! - every index of `memref.load`, `memref.store`, `memref.atomic_rmw` and
//!   `memref.generic_atomic_rmw` is within its dimension;
//! - a `memref.subview` lies inside its source;
//! - `memref.dim` names an existing dimension;
//! - `memref.cast` to a static size, `memref.copy` and `memref.expand_shape`
//!   agree with the sizes they are given.
//!
//! Not checked: `memref.reinterpret_cast`, `memref.view` and
//! `memref.reshape` (they reinterpret memory whose extent the IR does not
//! carry), vector and affine memory ops.
//!
//! MLIR has a pass for such checks (`generate-runtime-verification`), but in
//! MLIR 22 it crashes on every `memref.subview`; these are zad's own.

use crate::{
    context::describe_location,
    error::{Error, Result},
};
use melior::{
    Context,
    dialect::{arith, arith::CmpiPredicate, func, memref, scf},
    ir::{
        Attribute, AttributeLike, Block, BlockLike, Identifier, Location, Module, Operation, Region, RegionLike, Type, Value,
        ValueLike,
        attribute::{FlatSymbolRefAttribute, IntegerAttribute},
        operation::{OperationBuilder, OperationLike, OperationRef, WalkOrder, WalkResult},
        r#type::{DimSize, MemRefType, ShapedTypeLike},
    },
};
use mlir_sys::{MlirBlock, MlirOperation};
use std::collections::HashMap;

/// The run-time function a failed check calls: `zad_trap(message, a, b)`.
const TRAP: &str = "zad_trap";

/// The largest stack allocation (`memref.alloca`) a kernel may make: the
/// threads that call kernels have stacks of a few MiB.
pub(crate) const ALLOCA_LIMIT: i64 = 4 << 20;

/// The integer divisions that raise SIGFPE on a zero divisor, and whether
/// they are signed (and so also overflow for `MIN / -1`).
const DIVISIONS: [(&str, bool); 7] = [
    ("arith.divsi", true),
    ("arith.divui", false),
    ("arith.remsi", true),
    ("arith.remui", false),
    ("arith.ceildivsi", true),
    ("arith.ceildivui", false),
    ("arith.floordivsi", true),
];

/// Inserts the checks into every function of `module`.
///
/// With `on_gpu`, the bodies of parallel loops run on a GPU, where a check
/// cannot call back into the host to stop the call: they are left without.
/// Returns whether a check sits in a parallel loop (on the CPU).
pub(crate) fn insert(context: &'static Context, module: &mut Module<'static>, bounds: bool, on_gpu: bool) -> Result<bool> {
    let mut targets: Vec<MlirOperation> = Vec::new();
    module.as_operation().walk(WalkOrder::PreOrder, |operation| {
        let name = operation.name().as_string_ref().as_str().unwrap_or_default().to_string();
        if on_gpu && name == "scf.parallel" {
            return WalkResult::Skip;
        }
        if is_checked(&name, bounds) {
            targets.push(operation.to_raw());
        }
        WalkResult::Advance
    });
    let recursive = recursive_functions(module);
    if targets.is_empty() && recursive.is_empty() {
        return Ok(false);
    }
    let in_parallel_loop = targets.iter().any(|&raw| {
        // SAFETY: a live op of `module`, collected above.
        let mut parent = unsafe { OperationRef::from_raw(raw) }.parent_operation();
        while let Some(operation) = parent {
            if operation.name().as_string_ref().as_str() == Ok("scf.parallel") {
                return true;
            }
            parent = operation.parent_operation();
        }
        false
    });
    // The checks use ops of dialects the module may not have used yet.
    for dialect in ["arith", "scf", "func", "memref", "llvm"] {
        context.get_or_load_dialect(dialect);
    }
    let mut checker = Checker { context, module_body: module.body().to_raw(), messages: HashMap::new() };
    for raw in targets {
        // SAFETY: `raw` is a live op of `module`: the checks only insert ops
        // next to the ones collected, never erase any.
        let operation = unsafe { OperationRef::from_raw(raw) };
        checker.check(&operation)?;
    }
    for raw in &recursive {
        // SAFETY: as above: a `func.func` of the module.
        checker.stack_check(&unsafe { OperationRef::from_raw(*raw) })?;
    }
    if !recursive.is_empty() {
        checker.append_parsed(&format!("func.func private @{STACK_LOW}() -> i64"))?;
    }
    checker.declare_trap()?;
    Ok(in_parallel_loop)
}

/// The run-time function that gives the lowest address of the calling
/// thread's stack (see `exec::trap::stack_low`).
const STACK_LOW: &str = "zad_stack_low";

/// The stack a recursive call must leave unused: what stopping the call
/// and the frames of a foreign function or two need.
const STACK_MARGIN: i64 = 64 << 10;

/// The functions (with a body) that may call themselves, directly or
/// through others: each gets a stack check on entry, so that a recursion
/// too deep (or endless) stops the call instead of overflowing the
/// caller's stack.
fn recursive_functions(module: &Module<'static>) -> Vec<MlirOperation> {
    let mut callees: HashMap<String, (MlirOperation, Vec<String>)> = HashMap::new();
    let mut next = module.body().first_operation();
    while let Some(operation) = next {
        next = operation.next_in_block();
        let has_body = operation.region(0).is_ok_and(|region| region.first_block().is_some());
        let Some(name) = crate::module::symbol_name(&operation).filter(|_| has_body) else { continue };
        if operation.name().as_string_ref().as_str() != Ok("func.func") {
            continue;
        }
        let mut called = Vec::new();
        operation.walk(WalkOrder::PreOrder, |inner| {
            if let Some(callee) = inner
                .attribute("callee")
                .ok()
                .and_then(|attribute| FlatSymbolRefAttribute::try_from(attribute).ok())
            {
                called.push(callee.value().to_string());
            }
            WalkResult::Advance
        });
        callees.insert(name, (operation.to_raw(), called));
    }
    let reaches_itself = |start: &str| {
        let mut stack: Vec<&str> = callees.get(start).map(|(_, called)| called.iter().map(String::as_str).collect()).unwrap_or_default();
        let mut seen = std::collections::HashSet::new();
        while let Some(name) = stack.pop() {
            if name == start {
                return true;
            }
            if seen.insert(name)
                && let Some((_, called)) = callees.get(name)
            {
                stack.extend(called.iter().map(String::as_str));
            }
        }
        false
    };
    let mut recursive: Vec<(String, MlirOperation)> =
        callees.iter().filter(|(name, _)| reaches_itself(name)).map(|(name, (raw, _))| (name.clone(), *raw)).collect();
    recursive.sort_by(|a, b| a.0.cmp(&b.0));
    recursive.into_iter().map(|(_, raw)| raw).collect()
}

fn is_checked(name: &str, bounds: bool) -> bool {
    match name {
        "scf.for" | "memref.alloc" | "memref.alloca" => true,
        _ if DIVISIONS.iter().any(|(division, _)| *division == name) => true,
        "memref.load" | "memref.store" | "memref.atomic_rmw" | "memref.generic_atomic_rmw" | "memref.subview"
        | "memref.dim" | "memref.cast" | "memref.copy" | "memref.expand_shape" => bounds,
        _ => false,
    }
}

struct Checker {
    context: &'static Context,
    module_body: MlirBlock,
    /// Message text -> the name of the global that holds it.
    messages: HashMap<String, String>,
}

/// Builds ops right before (or after) one op.
struct At<'a> {
    checker: &'a mut Checker,
    block: MlirBlock,
    /// The op the new ones go before.
    before: MlirOperation,
    location: Location<'static>,
    /// `file:line:col: op-name`, the start of every message.
    prefix: String,
}

fn internal(what: impl std::fmt::Display) -> Error {
    Error::Internal(format!("inserting run-time checks: {what}"))
}

impl Checker {
    fn check(&mut self, operation: &OperationRef<'static, '_>) -> Result<()> {
        let name = operation.name().as_string_ref().as_str().unwrap_or_default().to_string();
        let Some(block) = operation.block() else { return Ok(()) };
        let prefix = format!("{}: {name}", describe_location(operation.location(), ""));
        let mut at = At {
            checker: self,
            block: block.to_raw(),
            before: operation.to_raw(),
            location: operation.location(),
            prefix,
        };
        if let Some(&(_, signed)) = DIVISIONS.iter().find(|(division, _)| *division == name) {
            return at.division(operation, signed);
        }
        match name.as_str() {
            "scf.for" => at.loop_step(operation),
            "memref.alloc" | "memref.alloca" => at.allocation(operation, name == "memref.alloca"),
            "memref.load" | "memref.generic_atomic_rmw" => at.indices(operation, 0),
            "memref.store" | "memref.atomic_rmw" => at.indices(operation, 1),
            "memref.subview" => at.subview(operation),
            "memref.dim" => at.dim_index(operation),
            "memref.cast" => at.cast(operation),
            "memref.copy" => at.copy(operation),
            "memref.expand_shape" => at.expand_shape(operation),
            _ => Ok(()),
        }
    }

    /// The global holding `message` (NUL-terminated), made on first use.
    fn message_global(&mut self, message: &str) -> Result<String> {
        if let Some(name) = self.messages.get(message) {
            return Ok(name.clone());
        }
        let name = format!("__zad_check_message_{}", self.messages.len());
        let bytes: Vec<u8> = message.bytes().chain([0]).collect();
        let escaped: String = bytes.iter().map(|byte| format!("\\{byte:02X}")).collect();
        let text = format!(
            "llvm.mlir.global private constant @{name}(\"{escaped}\") {{addr_space = 0 : i32}} : !llvm.array<{} x i8>",
            bytes.len()
        );
        self.append_parsed(&text)?;
        self.messages.insert(message.to_string(), name.clone());
        Ok(name)
    }

    /// Appends the op written in `text` to the module.
    fn append_parsed(&self, text: &str) -> Result<()> {
        let parsed = Module::parse(self.context, text).ok_or_else(|| internal(format!("cannot parse {text}")))?;
        let operation = parsed.body().first_operation().ok_or_else(|| internal("empty module"))?;
        // SAFETY: a clone of a valid op, handed to the module's body, which
        // owns it from then on.
        unsafe {
            let copy = mlir_sys::mlirOperationClone(operation.to_raw());
            mlir_sys::mlirBlockAppendOwnedOperation(self.module_body, copy);
        }
        Ok(())
    }

    /// At the entry of `function`: unless `STACK_MARGIN` bytes of the
    /// thread's stack are left, stop the call.
    fn stack_check(&mut self, function: &OperationRef<'static, '_>) -> Result<()> {
        let name = crate::module::symbol_name(function).unwrap_or_default();
        let entry = function.region(0).map_err(internal)?.first_block().ok_or_else(|| internal("no entry block"))?;
        let first = entry.first_operation().ok_or_else(|| internal("an empty entry block"))?;
        let context = self.context;
        let mut at = At {
            checker: self,
            block: entry.to_raw(),
            before: first.to_raw(),
            location: function.location(),
            prefix: format!("{}: @{}", describe_location(function.location(), ""), crate::naming::in_user_terms(&name)),
        };
        let pointer = Type::parse(context, "!llvm.ptr").ok_or_else(|| internal("no !llvm.ptr type"))?;
        let i64_type = melior::ir::r#type::IntegerType::new(context, 64).into();
        let stack_pointer = at.value(
            OperationBuilder::new("llvm.intr.stacksave", at.location).add_results(&[pointer]).build().map_err(internal)?,
        );
        let address = at.value(
            OperationBuilder::new("llvm.ptrtoint", at.location)
                .add_operands(&[stack_pointer])
                .add_results(&[i64_type])
                .build()
                .map_err(internal)?,
        );
        let low = at.value(func::call(context, FlatSymbolRefAttribute::new(context, STACK_LOW), &[], &[i64_type], at.location));
        let left = at.value(arith::subi(address, low, at.location));
        let margin = at.constant(i64_type, STACK_MARGIN);
        let enough = at.compare(CmpiPredicate::Uge, left, margin);
        at.require(
            enough,
            "the recursion is too deep for the calling thread's stack ({0} bytes left, {1} needed): \
             it does not end, or needs a thread with a larger stack",
            left,
            margin,
        )
    }

    fn declare_trap(&self) -> Result<()> {
        self.append_parsed(&format!("func.func private @{TRAP}(!llvm.ptr, index, index)"))
    }
}

impl At<'_> {
    fn context(&self) -> &'static Context {
        self.checker.context
    }

    /// Inserts `operation` before the anchor; returns its first result.
    fn value(&self, operation: Operation<'static>) -> Value<'static, 'static> {
        let raw = operation.into_raw();
        // SAFETY: `block` holds `before`; it takes ownership of `raw`, whose
        // first result lives as long as the module.
        unsafe {
            mlir_sys::mlirBlockInsertOwnedOperationBefore(self.block, self.before, raw);
            Value::from_raw(mlir_sys::mlirOperationGetResult(raw, 0))
        }
    }

    fn constant(&self, ty: Type<'static>, value: i64) -> Value<'static, 'static> {
        self.value(arith::constant(self.context(), IntegerAttribute::new(ty, value).into(), self.location))
    }

    fn index(&self, value: i64) -> Value<'static, 'static> {
        self.constant(Type::index(self.context()), value)
    }

    fn compare(
        &self,
        predicate: CmpiPredicate,
        lhs: Value<'static, 'static>,
        rhs: Value<'static, 'static>,
    ) -> Value<'static, 'static> {
        self.value(arith::cmpi(self.context(), predicate, lhs, rhs, self.location))
    }

    fn dim(&self, memref: Value<'static, 'static>, dimension: usize) -> Value<'static, 'static> {
        let index = self.index(dimension as i64);
        self.value(memref::dim(memref, index, self.location))
    }

    /// `value` as an `index` (for the trap's arguments).
    fn as_index(&self, value: Value<'static, 'static>) -> Value<'static, 'static> {
        let index = Type::index(self.context());
        if value.r#type() == index {
            return value;
        }
        self.value(arith::index_cast(value, index, self.location))
    }

    /// Unless `ok` holds, stops the call with `{prefix}: {message}`, where
    /// `{0}` and `{1}` stand for the values of `first` and `second`.
    fn require(
        &mut self,
        ok: Value<'static, 'static>,
        message: &str,
        first: Value<'static, 'static>,
        second: Value<'static, 'static>,
    ) -> Result<()> {
        let context = self.context();
        let (first, second) = (self.as_index(first), self.as_index(second));
        let global = self.checker.message_global(&format!("{}: {message}", self.prefix))?;
        let bool_type = ok.r#type();
        let true_value = self.constant(bool_type, 1);
        let failed = self.value(arith::xori(ok, true_value, self.location));
        let pointer = Type::parse(context, "!llvm.ptr").ok_or_else(|| internal("no !llvm.ptr type"))?;
        let then_block = Block::new(&[]);
        let address = then_block.append_operation(
            OperationBuilder::new("llvm.mlir.addressof", self.location)
                .add_attributes(&[(
                    Identifier::new(context, "global_name"),
                    FlatSymbolRefAttribute::new(context, &global).into(),
                )])
                .add_results(&[pointer])
                .build()
                .map_err(internal)?,
        );
        let address = address.result(0).map_err(internal)?.into();
        then_block.append_operation(func::call(
            context,
            FlatSymbolRefAttribute::new(context, TRAP),
            &[address, first, second],
            &[],
            self.location,
        ));
        then_block.append_operation(scf::r#yield(&[], self.location));
        let then_region = Region::new();
        then_region.append_block(then_block);
        let branch = scf::r#if(failed, &[], then_region, Region::new(), self.location).into_raw();
        // SAFETY: as in `value`.
        unsafe { mlir_sys::mlirBlockInsertOwnedOperationBefore(self.block, self.before, branch) };
        Ok(())
    }

    fn operand(operation: &OperationRef<'static, '_>, index: usize) -> Result<Value<'static, 'static>> {
        let value = operation.operand(index).map_err(internal)?;
        // SAFETY: the value belongs to the module, which outlives the checks.
        Ok(unsafe { Value::from_raw(value.to_raw()) })
    }

    fn result(operation: &OperationRef<'static, '_>) -> Result<Value<'static, 'static>> {
        let value = operation.result(0).map_err(internal)?;
        // SAFETY: as in `operand`.
        Ok(unsafe { Value::from_raw(value.to_raw()) })
    }

    fn division(&mut self, operation: &OperationRef<'static, '_>, signed: bool) -> Result<()> {
        let (lhs, rhs) = (Self::operand(operation, 0)?, Self::operand(operation, 1)?);
        let ty = rhs.r#type();
        let Some(bits) = integer_bits(ty) else { return Ok(()) };
        let zero = self.constant(ty, 0);
        let nonzero = self.compare(CmpiPredicate::Ne, rhs, zero);
        self.require(nonzero, "integer division by zero ({0} / {1})", lhs, rhs)?;
        if signed && bits > 1 {
            let minimum = self.constant(ty, if bits >= 64 { i64::MIN } else { -(1i64 << (bits - 1)) });
            let minus_one = self.constant(ty, -1);
            let is_minimum = self.compare(CmpiPredicate::Eq, lhs, minimum);
            let is_minus_one = self.compare(CmpiPredicate::Eq, rhs, minus_one);
            let overflows = self.value(arith::andi(is_minimum, is_minus_one, self.location));
            let true_value = self.constant(overflows.r#type(), 1);
            let fits = self.value(arith::xori(overflows, true_value, self.location));
            self.require(fits, "the quotient of {0} / {1} overflows", lhs, rhs)?;
        }
        Ok(())
    }

    /// A loop over a non-empty range steps forward (over an empty range it
    /// runs no iteration whatever its step).
    fn loop_step(&mut self, operation: &OperationRef<'static, '_>) -> Result<()> {
        let (lower, upper, step) = (Self::operand(operation, 0)?, Self::operand(operation, 1)?, Self::operand(operation, 2)?);
        let zero = self.constant(step.r#type(), 0);
        let positive = self.compare(CmpiPredicate::Sgt, step, zero);
        let empty = self.compare(CmpiPredicate::Sge, lower, upper);
        let ok = self.value(arith::ori(positive, empty, self.location));
        self.require(ok, "the step is {0}; over a non-empty range it must be positive", step, zero)
    }

    fn allocation(&mut self, operation: &OperationRef<'static, '_>, on_stack: bool) -> Result<()> {
        let ty = MemRefType::try_from(Self::result(operation)?.r#type()).map_err(internal)?;
        let element_bytes = element_bytes(&ty.element().to_string());
        let mut static_bytes = element_bytes;
        let mut dynamic = Vec::new();
        for (dimension, size) in sizes(&ty).into_iter().enumerate() {
            if let Some(size) = size {
                static_bytes = static_bytes.checked_mul(size).ok_or_else(|| {
                    Error::Unsupported(format!("{}: the type {ty} has more bytes than memory can hold", self.prefix))
                })?;
            } else {
                dynamic.push(dimension);
            }
        }
        if dynamic.is_empty() && !(on_stack && static_bytes > ALLOCA_LIMIT) {
            return Ok(());
        }
        let mut bytes = self.index(static_bytes);
        let maximum = self.index(i64::MAX);
        for (operand, dimension) in dynamic.into_iter().enumerate() {
            let size = Self::operand(operation, operand)?;
            let zero = self.index(0);
            let non_negative = self.compare(CmpiPredicate::Sge, size, zero);
            let message = format!("the size of dimension {dimension} is {{0}}; sizes cannot be negative");
            self.require(non_negative, &message, size, zero)?;
            // bytes * size <= i64::MAX, tested without overflowing.
            let one = self.index(1);
            let divisor = self.value(arith::maxui(size, one, self.location));
            let limit = self.value(arith::divui(maximum, divisor, self.location));
            let fits = self.compare(CmpiPredicate::Ule, bytes, limit);
            self.require(fits, "{0} bytes times a size of {1} is more than memory can hold", bytes, size)?;
            bytes = self.value(arith::muli(bytes, size, self.location));
        }
        if on_stack {
            let limit = self.index(ALLOCA_LIMIT);
            let fits = self.compare(CmpiPredicate::Ule, bytes, limit);
            self.require(
                fits,
                "{0} bytes is too much for the stack (at most {1}): allocate large buffers with memref.alloc",
                bytes,
                limit,
            )?;
        }
        Ok(())
    }

    /// Each index (the operands after the memref, which is operand
    /// `memref`) lies inside its dimension.
    fn indices(&mut self, operation: &OperationRef<'static, '_>, memref: usize) -> Result<()> {
        let buffer = Self::operand(operation, memref)?;
        let Ok(ty) = MemRefType::try_from(buffer.r#type()) else { return Ok(()) };
        for dimension in 0..ty.rank() {
            let index = Self::operand(operation, memref + 1 + dimension)?;
            let size = self.dim(buffer, dimension);
            let inside = self.compare(CmpiPredicate::Ult, index, size);
            let message = format!("index {{0}} is out of bounds for dimension {dimension} of size {{1}}");
            self.require(inside, &message, index, size)?;
        }
        Ok(())
    }

    fn subview(&mut self, operation: &OperationRef<'static, '_>) -> Result<()> {
        let source = Self::operand(operation, 0)?;
        let Ok(ty) = MemRefType::try_from(source.r#type()) else { return Ok(()) };
        let mut next_operand = 1;
        let mut mixed = |at: &mut Self, attribute: &str| -> Result<Vec<Value<'static, 'static>>> {
            let values = dense_i64_array(operation, attribute)?;
            values
                .into_iter()
                .map(|value| {
                    if value == i64::MIN {
                        next_operand += 1;
                        Self::operand(operation, next_operand - 1)
                    } else {
                        Ok(at.index(value))
                    }
                })
                .collect()
        };
        let offsets = mixed(self, "static_offsets")?;
        let sizes = mixed(self, "static_sizes")?;
        let strides = mixed(self, "static_strides")?;
        for dimension in 0..ty.rank().min(offsets.len()).min(sizes.len()).min(strides.len()) {
            let (offset, size, stride) = (offsets[dimension], sizes[dimension], strides[dimension]);
            let extent = self.dim(source, dimension);
            let (zero, one) = (self.index(0), self.index(1));
            // A view of size 0 is fine anywhere; otherwise its first element
            // is inside, and (size - 1) steps of `stride` stay inside:
            // size - 1 <= (extent - 1 - offset) / stride, without overflow.
            let empty = self.compare(CmpiPredicate::Eq, size, zero);
            let first_inside = self.compare(CmpiPredicate::Ult, offset, extent);
            let room = self.value(arith::subi(extent, one, self.location));
            let room = self.value(arith::subi(room, offset, self.location));
            let divisor = self.value(arith::maxsi(stride, one, self.location));
            let steps = self.value(arith::divui(room, divisor, self.location));
            let last = self.value(arith::subi(size, one, self.location));
            let last_inside = self.compare(CmpiPredicate::Ule, last, steps);
            let inside = self.value(arith::andi(first_inside, last_inside, self.location));
            let inside = self.value(arith::ori(empty, inside, self.location));
            let non_negative = self.compare(CmpiPredicate::Sge, size, zero);
            let stride_ok = self.compare(CmpiPredicate::Sge, stride, zero);
            let valid = self.value(arith::andi(non_negative, stride_ok, self.location));
            let ok = self.value(arith::andi(inside, valid, self.location));
            let message = format!(
                "dimension {dimension} of the view (offset {{0}}, size {{1}}) is not inside the source, whose size there \
                 is smaller (or the size or stride is negative)"
            );
            self.require(ok, &message, offset, size)?;
        }
        Ok(())
    }

    fn dim_index(&mut self, operation: &OperationRef<'static, '_>) -> Result<()> {
        let source = Self::operand(operation, 0)?;
        let Ok(ty) = MemRefType::try_from(source.r#type()) else { return Ok(()) };
        let index = Self::operand(operation, 1)?;
        let rank = self.index(ty.rank() as i64);
        let inside = self.compare(CmpiPredicate::Ult, index, rank);
        self.require(inside, "there is no dimension {0} in a memref of rank {1}", index, rank)
    }

    fn cast(&mut self, operation: &OperationRef<'static, '_>) -> Result<()> {
        let source = Self::operand(operation, 0)?;
        let (Ok(from), Ok(to)) = (MemRefType::try_from(source.r#type()), MemRefType::try_from(Self::result(operation)?.r#type()))
        else {
            return Ok(());
        };
        for (dimension, (from, to)) in sizes(&from).into_iter().zip(sizes(&to)).enumerate() {
            if let (None, Some(to)) = (from, to) {
                let size = self.dim(source, dimension);
                let wanted = self.index(to);
                let equal = self.compare(CmpiPredicate::Eq, size, wanted);
                let message = format!("dimension {dimension} is {{0}} but the type it is cast to says {{1}}");
                self.require(equal, &message, size, wanted)?;
            }
        }
        Ok(())
    }

    fn copy(&mut self, operation: &OperationRef<'static, '_>) -> Result<()> {
        let (source, target) = (Self::operand(operation, 0)?, Self::operand(operation, 1)?);
        let Ok(ty) = MemRefType::try_from(source.r#type()) else { return Ok(()) };
        if MemRefType::try_from(target.r#type()).is_err() {
            return Ok(());
        }
        for dimension in 0..ty.rank() {
            let (from, to) = (self.dim(source, dimension), self.dim(target, dimension));
            let equal = self.compare(CmpiPredicate::Eq, from, to);
            let message = format!("dimension {dimension} is {{0}} in the source but {{1}} in the target");
            self.require(equal, &message, from, to)?;
        }
        Ok(())
    }

    /// The output sizes given for each group of result dimensions multiply
    /// to the source's size there (the lowering takes the sizes from the
    /// source, so a wrong `output_shape` would otherwise go unnoticed).
    fn expand_shape(&mut self, operation: &OperationRef<'static, '_>) -> Result<()> {
        let source = Self::operand(operation, 0)?;
        let mut next_operand = 1;
        let mut output = Vec::new();
        for size in dense_i64_array(operation, "static_output_shape")? {
            output.push(if size == i64::MIN {
                next_operand += 1;
                Self::operand(operation, next_operand - 1)?
            } else {
                self.index(size)
            });
        }
        let reassociation = operation.attribute("reassociation").map_err(internal)?.to_string();
        for (dimension, group) in reassociation_groups(&reassociation).into_iter().enumerate() {
            let mut product = self.index(1);
            for &size in group.iter().filter_map(|&index| output.get(index)) {
                product = self.value(arith::muli(product, size, self.location));
            }
            let size = self.dim(source, dimension);
            let equal = self.compare(CmpiPredicate::Eq, product, size);
            let message =
                format!("the sizes given for dimension {dimension} multiply to {{0}}, but the source's size is {{1}}");
            self.require(equal, &message, product, size)?;
        }
        Ok(())
    }
}

/// The sizes of a memref type, `None` where dynamic.
fn sizes(ty: &MemRefType) -> Vec<Option<i64>> {
    (0..ty.rank())
        .map(|dimension| match ty.dim_size(dimension) {
            Ok(DimSize::Static(size)) => Some(size as i64),
            _ => None,
        })
        .collect()
}

/// The width of an integer or index type (64 for index); None otherwise.
fn integer_bits(ty: Type) -> Option<u32> {
    let text = ty.to_string();
    if text == "index" {
        return Some(64);
    }
    text.strip_prefix('i')?.parse().ok()
}

/// The bytes of one element (generous for types zad does not know).
fn element_bytes(element: &str) -> i64 {
    match element {
        "i1" | "i8" => 1,
        "i16" | "f16" | "bf16" => 2,
        "i32" | "f32" => 4,
        "i64" | "f64" | "index" => 8,
        "complex<f32>" => 8,
        _ => 16,
    }
}

/// The entries of a `DenseI64ArrayAttr` of `operation`.
fn dense_i64_array(operation: &OperationRef, name: &str) -> Result<Vec<i64>> {
    let attribute: Attribute = operation.attribute(name).map_err(internal)?;
    // SAFETY: reading an attribute the op verified as a DenseI64ArrayAttr.
    unsafe {
        let raw = attribute.to_raw();
        if !mlir_sys::mlirAttributeIsADenseI64Array(raw) {
            return Err(internal(format!("{name} is not a dense i64 array")));
        }
        let count = mlir_sys::mlirDenseArrayGetNumElements(raw);
        Ok((0..count).map(|index| mlir_sys::mlirDenseI64ArrayGetElement(raw, index)).collect())
    }
}

/// `[[0, 1], [2]]` as its groups of output dimensions.
pub(super) fn reassociation_groups(text: &str) -> Vec<Vec<usize>> {
    let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
    inner
        .split("], [")
        .map(|group| {
            group
                .split(',')
                .filter_map(|entry| entry.trim().trim_matches(|c| c == '[' || c == ']').parse().ok())
                .collect()
        })
        .collect()
}
