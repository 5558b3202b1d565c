//! Run-time functions that MLIR's lowerings call and that zad provides
//! itself, so that kernels need no MLIR runtime library at run time.

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
        if shape.iter().any(|&size| size == 0) {
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

/// The symbols to register with every JIT engine.
pub(super) fn symbols() -> [(&'static str, *mut c_void); 1] {
    [("memrefCopy", memref_copy as *mut c_void)]
}
