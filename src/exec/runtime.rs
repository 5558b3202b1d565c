//! Run-time functions that MLIR's lowerings call and that zad provides
//! itself, so that kernels need no MLIR runtime library at run time.

use super::{
    checkpoint,
    trap::{self, Resource},
};
use std::ffi::c_void;

/// MLIR's `UnrankedMemRefType`: a rank and a pointer to a ranked descriptor
/// `{allocated, aligned, offset, sizes[rank], strides[rank]}`.
#[repr(C)]
struct UnrankedMemRef {
    rank: i64,
    descriptor: *const i64,
}

/// `memrefCopy(element_size, source, target)`, which finalize-memref-to-llvm
/// calls for `memref.copy` between non-contiguous memrefs.
///
/// # Safety
/// Called by JIT code with two valid descriptors of equal rank and shape.
unsafe extern "C" fn memref_copy(element_size: i64, source: *const UnrankedMemRef, target: *const UnrankedMemRef) {
    // SAFETY: MLIR passes valid descriptors of equal rank and shape whose
    // elements are readable (source) and writable (target).
    unsafe {
        let (source, target) = (&*source, &*target);
        let rank = source.rank as usize;
        let read = |descriptor: *const i64, i: usize| descriptor.add(i).read();
        let shape: Vec<i64> = (0..rank).map(|d| read(source.descriptor, 3 + d)).collect();
        if shape.contains(&0) {
            return;
        }
        let base = |descriptor: *const i64| {
            (read(descriptor, 1) as *mut u8).offset((read(descriptor, 2) * element_size) as isize)
        };
        let strides = |descriptor: *const i64| -> Vec<i64> { (0..rank).map(|d| read(descriptor, 3 + rank + d)).collect() };
        let (source_base, target_base) = (base(source.descriptor), base(target.descriptor));
        let (source_strides, target_strides) = (strides(source.descriptor), strides(target.descriptor));
        let mut index = vec![0i64; rank];
        loop {
            let offset = |strides: &[i64]| -> isize {
                (index.iter().zip(strides).map(|(i, s)| i * s).sum::<i64>() * element_size) as isize
            };
            std::ptr::copy(
                source_base.offset(offset(&source_strides)),
                target_base.offset(offset(&target_strides)),
                element_size as usize,
            );
            let mut dim = rank;
            loop {
                if dim == 0 {
                    return;
                }
                dim -= 1;
                index[dim] += 1;
                if index[dim] < shape[dim] {
                    break;
                }
                index[dim] = 0;
            }
        }
    }
}

thread_local! {
    /// Bytes of tape held now and at most, on this thread (kernels run on the
    /// calling thread), since the last `take_tape_peak`.
    static TAPE_BYTES: std::cell::Cell<(i64, i64)> = const { std::cell::Cell::new((0, 0)) };
}

fn account(delta: i64) {
    TAPE_BYTES.with(|bytes| {
        let (current, peak) = bytes.get();
        let current = current + delta;
        bytes.set((current, peak.max(current)));
    });
}

/// `zad_tape_account(bytes)`: called by adjoints when they allocate
/// (positive) or free (negative) a preallocated tape.
extern "C" fn tape_account(delta: i64) {
    account(delta);
}

/// The peak number of tape bytes held on this thread since the last call,
/// which starts a new measurement.
pub fn take_tape_peak() -> u64 {
    TAPE_BYTES.with(|bytes| {
        let (current, peak) = bytes.get();
        bytes.set((current, current));
        peak.max(0) as u64
    })
}

/// A growing stack of 64-bit slots: the run-time side of `!zad.tape<T>`
/// when the number of pushes is not known before a loop runs (see
/// `ad/tape.rs`). Handles cross into JIT code as `index` values.
struct Stack(Vec<u64>);

extern "C" fn tape_new() -> usize {
    let tape = Box::into_raw(Box::new(Stack(Vec::new()))) as usize;
    trap::track(Resource::Tape(tape));
    tape
}

/// # Safety
/// `tape` comes from `tape_new` and is freed once, by the code that made it
/// (or by the trap path, when that code stopped early).
pub(super) unsafe extern "C" fn tape_free(tape: usize) {
    trap::untrack(Resource::Tape(tape));
    // SAFETY: see above.
    let stack = unsafe { Box::from_raw(tape as *mut Stack) };
    account(-8 * stack.0.capacity() as i64);
}

/// Pushes onto a stack, accounting for the memory it grows by.
fn push_bits(stack: &mut Stack, bits: u64) {
    let before = stack.0.capacity();
    stack.0.push(bits);
    if stack.0.capacity() != before {
        account(8 * (stack.0.capacity() - before) as i64);
    }
}

macro_rules! stack_ops {
    ($push:ident, $pop:ident, $ty:ty, $to:expr, $from:expr) => {
        /// # Safety
        /// `tape` is a live stack from `tape_new`.
        unsafe extern "C" fn $push(tape: usize, value: $ty) {
            // SAFETY: a live stack, used by one thread (the kernel's).
            push_bits(unsafe { &mut *(tape as *mut Stack) }, $to(value))
        }
        /// A pop from an empty stack (the transform pops exactly what it
        /// pushed, so this is a bug in zad) stops the call.
        ///
        /// # Safety
        /// `tape` is a live stack from `tape_new`.
        unsafe extern "C" fn $pop(tape: usize) -> $ty {
            // SAFETY: as above.
            match unsafe { (*(tape as *mut Stack)).0.pop() } {
                Some(bits) => $from(bits),
                None => trap::raise(
                    "internal error (please report): a gradient popped more values than it pushed \
                     (tape underflow)"
                        .into(),
                ),
            }
        }
    };
}

stack_ops!(push_f64, pop_f64, f64, f64::to_bits, f64::from_bits);
stack_ops!(push_f32, pop_f32, f32, |v: f32| v.to_bits() as u64, |b: u64| f32::from_bits(b as u32));
stack_ops!(push_i64, pop_i64, i64, |v: i64| v as u64, |b: u64| b as i64);
stack_ops!(push_i32, pop_i32, i32, |v: i32| v as u32 as u64, |b: u64| b as u32 as i32);
stack_ops!(push_i1, pop_i1, bool, |v: bool| v as u64, |b: u64| b != 0);

/// The symbols to register with every JIT engine (with the allocator's).
pub(super) fn symbols() -> Vec<(&'static str, *mut c_void)> {
    let mut symbols = vec![
        ("memrefCopy", memref_copy as *mut c_void),
        ("zad_tape_new", tape_new as *mut c_void),
        ("zad_tape_account", tape_account as *mut c_void),
        ("zad_tape_free", tape_free as *mut c_void),
        ("zad_tape_push_f64", push_f64 as *mut c_void),
        ("zad_tape_pop_f64", pop_f64 as *mut c_void),
        ("zad_tape_push_f32", push_f32 as *mut c_void),
        ("zad_tape_pop_f32", pop_f32 as *mut c_void),
        ("zad_tape_push_i64", push_i64 as *mut c_void),
        ("zad_tape_pop_i64", pop_i64 as *mut c_void),
        ("zad_tape_push_index", push_i64 as *mut c_void),
        ("zad_tape_pop_index", pop_i64 as *mut c_void),
        ("zad_tape_push_i32", push_i32 as *mut c_void),
        ("zad_tape_pop_i32", pop_i32 as *mut c_void),
        ("zad_tape_push_i1", push_i1 as *mut c_void),
        ("zad_tape_pop_i1", pop_i1 as *mut c_void),
        ("zad_ckpt_new", checkpoint::ckpt_new as *mut c_void),
        ("zad_ckpt_add", checkpoint::ckpt_add as *mut c_void),
        ("zad_ckpt_set_steps", checkpoint::ckpt_set_steps as *mut c_void),
        ("zad_ckpt_online_step", checkpoint::ckpt_online_step as *mut c_void),
        ("zad_ckpt_online_finish", checkpoint::ckpt_online_finish as *mut c_void),
        ("zad_ckpt_forward", checkpoint::ckpt_forward as *mut c_void),
        ("zad_ckpt_position", checkpoint::ckpt_position as *mut c_void),
        ("zad_ckpt_next", checkpoint::ckpt_next as *mut c_void),
        ("zad_ckpt_from", checkpoint::ckpt_from as *mut c_void),
        ("zad_ckpt_to", checkpoint::ckpt_to as *mut c_void),
        ("zad_ckpt_free", checkpoint::ckpt_free as *mut c_void),
        ("zad_trap", trap::trap as *mut c_void),
        ("zad_stack_low", trap::stack_low as *mut c_void),
    ];
    symbols.extend(super::memory::symbols());
    symbols
}
