//! The allocator behind `memref.alloc` and `memref.dealloc` in JIT code
//! (finalize-memref-to-llvm with `use-generic-functions` calls these
//! instead of malloc and free).
//!
//! Large blocks a kernel frees (tapes, work arrays) are kept by the thread
//! and handed to the next allocation on it that fits, so a gradient
//! evaluated in a loop reuses its tape. Without this, glibc maps such blocks
//! fresh and unmaps them on every call, and the page faults of touching
//! fresh pages cost more than the adjoint itself on tape-heavy kernels
//! (GradBench's ode: a 32 MB tape per call).
//!
//! Every block is a plain malloc block, so a memref result handed to C
//! stays freeable with free(), as zad.h promises.

use super::trap::{self, Resource};
use std::{cell::RefCell, ffi::c_void};

/// Blocks from this size up are kept when freed.
const LARGE: usize = 1 << 20;
/// What a thread keeps at most.
const MAX_KEPT_BLOCKS: usize = 16;
const MAX_KEPT_BYTES: usize = 1 << 30;

/// Freed large blocks of this thread, with their usable sizes.
struct Kept {
    blocks: Vec<(*mut c_void, usize)>,
    bytes: usize,
}

impl Drop for Kept {
    fn drop(&mut self) {
        for &(block, _) in &self.blocks {
            // SAFETY: kept blocks are live malloc blocks nobody else holds.
            unsafe { libc::free(block) };
        }
    }
}

thread_local! {
    static KEPT: RefCell<Kept> = const { RefCell::new(Kept { blocks: Vec::new(), bytes: 0 }) };
}

/// A kept block of at least `size` bytes (and at most twice that, so a huge
/// block is not spent on a small request) aligned to `alignment`.
fn reuse(size: usize, alignment: usize) -> Option<*mut c_void> {
    KEPT.with(|kept| {
        let mut kept = kept.borrow_mut();
        let (index, &(block, usable)) = kept
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, (block, usable))| {
                *usable >= size && *usable / 2 <= size && (*block as usize).is_multiple_of(alignment)
            })
            .min_by_key(|(_, (_, usable))| *usable)?;
        kept.blocks.swap_remove(index);
        kept.bytes -= usable;
        Some(block)
    })
}

/// `_mlir_memref_to_llvm_alloc(size)`.
extern "C" fn allocate(size: usize) -> *mut c_void {
    let block = match reuse_large(size, 1) {
        Some(block) => block,
        // SAFETY: malloc has no preconditions.
        None => unsafe { libc::malloc(size) },
    };
    checked(block, size)
}

/// `_mlir_memref_to_llvm_aligned_alloc(alignment, size)`.
extern "C" fn allocate_aligned(alignment: usize, size: usize) -> *mut c_void {
    if let Some(block) = reuse_large(size, alignment.max(1)) {
        return checked(block, size);
    }
    let mut block = std::ptr::null_mut();
    // SAFETY: posix_memalign writes a block (or nothing) through `block`;
    // MLIR asks for power-of-two alignments of at least a pointer.
    let failed = unsafe { libc::posix_memalign(&mut block, alignment.max(size_of::<usize>()), size) };
    checked(if failed != 0 { std::ptr::null_mut() } else { block }, size)
}

fn reuse_large(size: usize, alignment: usize) -> Option<*mut c_void> {
    if size >= LARGE { reuse(size, alignment) } else { None }
}

/// A new block, tracked for the trap path; a failed allocation stops the
/// call (JIT code would write through the NULL pointer).
fn checked(block: *mut c_void, size: usize) -> *mut c_void {
    if block.is_null() && size > 0 {
        trap::raise(if size > isize::MAX as usize {
            format!("a buffer of {} bytes (a negative or overflowing size) cannot be allocated", size as isize)
        } else {
            format!("out of memory: a buffer of {size} bytes cannot be allocated")
        });
    }
    if !block.is_null() {
        trap::track(Resource::Block(block));
    }
    block
}

/// `_mlir_memref_to_llvm_free(block)`; also frees the memref results that
/// calls copy out (CUDA managed blocks included, see `cuda`).
///
/// # Safety
/// `block` is null or a live block from `allocate`/`allocate_aligned`.
pub(super) unsafe extern "C" fn release(block: *mut c_void) {
    if block.is_null() || super::cuda::release_if_managed(block) {
        return;
    }
    trap::untrack(Resource::Block(block));
    // SAFETY: a live malloc block (see above).
    let usable = unsafe { libc::malloc_usable_size(block) };
    let kept = usable >= LARGE
        && KEPT.with(|kept| {
            let mut kept = kept.borrow_mut();
            let room = kept.blocks.len() < MAX_KEPT_BLOCKS && kept.bytes + usable <= MAX_KEPT_BYTES;
            if room {
                kept.blocks.push((block, usable));
                kept.bytes += usable;
            }
            room
        });
    if !kept {
        // SAFETY: a live malloc block, freed once.
        unsafe { libc::free(block) };
    }
}

/// The allocator's symbols, for the JIT.
pub(super) fn symbols() -> [(&'static str, *mut c_void); 3] {
    [
        ("_mlir_memref_to_llvm_alloc", allocate as *mut c_void),
        ("_mlir_memref_to_llvm_aligned_alloc", allocate_aligned as *mut c_void),
        ("_mlir_memref_to_llvm_free", release as *mut c_void),
    ]
}
