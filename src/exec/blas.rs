//! zad's BLAS and LAPACK routines (see `crate::blas`) and their adjoints
//! and tangents, run on OpenBLAS.
//!
//! Each routine is a function of MLIR's C interface (memrefs as pointers to
//! descriptors) that checks shapes and layouts, then calls CBLAS (row-major)
//! or LAPACK's Fortran entry points. The adjoints and tangents are made of
//! the same calls: products become `dgemm`/`dgemv`/`dger`, solves
//! `dtrsm`/`dtrsv`; the only loops are O(n^2) copies and triangle masks
//! around O(n^3) calls. An error (shapes that do not fit, a singular
//! matrix in a derivative, OpenBLAS missing) stops the call through
//! `trap::run`, with a message naming the routine.
//!
//! Matrices are viewed as [`Mat`]: element `(i, j)` is `ptr[i*ld + j]`, or
//! `ptr[j*ld + i]` when `flipped` (a column-major memref): every helper
//! folds the flip into CBLAS's transpose and triangle switches, so any
//! memref whose rows or columns are contiguous works without copies (the
//! exception is `dgetrf`, which LAPACK only has column-major: a row-major
//! matrix is copied there and back).

use super::trap;
use std::{
    ffi::{CStr, c_char, c_void},
    sync::OnceLock,
};

/// OpenBLAS's integer (Debian's libopenblas0 uses 32-bit integers).
type Int = i32;

const ROW_MAJOR: i32 = 101;
const NO_TRANS: i32 = 111;
const TRANS: i32 = 112;
const UPPER: i32 = 121;
const LOWER: i32 = 122;
const NON_UNIT: i32 = 131;
const UNIT: i32 = 132;
const LEFT: i32 = 141;
const RIGHT: i32 = 142;

/// The OpenBLAS functions zad calls.
#[allow(clippy::type_complexity)]
struct OpenBlas {
    ddot: unsafe extern "C" fn(Int, *const f64, Int, *const f64, Int) -> f64,
    daxpy: unsafe extern "C" fn(Int, f64, *const f64, Int, *mut f64, Int),
    dscal: unsafe extern "C" fn(Int, f64, *mut f64, Int),
    dnrm2: unsafe extern "C" fn(Int, *const f64, Int) -> f64,
    dcopy: unsafe extern "C" fn(Int, *const f64, Int, *mut f64, Int),
    dswap: unsafe extern "C" fn(Int, *mut f64, Int, *mut f64, Int),
    dgemv: unsafe extern "C" fn(i32, i32, Int, Int, f64, *const f64, Int, *const f64, Int, f64, *mut f64, Int),
    dger: unsafe extern "C" fn(i32, Int, Int, f64, *const f64, Int, *const f64, Int, *mut f64, Int),
    dtrsv: unsafe extern "C" fn(i32, i32, i32, i32, Int, *const f64, Int, *mut f64, Int),
    dtrmv: unsafe extern "C" fn(i32, i32, i32, i32, Int, *const f64, Int, *mut f64, Int),
    dgemm: unsafe extern "C" fn(i32, i32, i32, Int, Int, Int, f64, *const f64, Int, *const f64, Int, f64, *mut f64, Int),
    dtrsm: unsafe extern "C" fn(i32, i32, i32, i32, i32, Int, Int, f64, *const f64, Int, *mut f64, Int),
    dtrmm: unsafe extern "C" fn(i32, i32, i32, i32, i32, Int, Int, f64, *const f64, Int, *mut f64, Int),
    /// LAPACK's Fortran `dgetrf(m, n, a, lda, ipiv, info)`.
    dgetrf: unsafe extern "C" fn(*const Int, *const Int, *mut f64, *const Int, *mut Int, *mut Int),
    /// LAPACK's Fortran `dpotrf(uplo, n, a, lda, info)`, with gfortran's
    /// hidden length of `uplo`.
    dpotrf: unsafe extern "C" fn(*const c_char, *const Int, *mut f64, *const Int, *mut Int, usize),
}

/// The library names tried, in order.
const LIBRARIES: &[&CStr] = &[c"libopenblas.so.0", c"libopenblas.so"];

fn load() -> Result<OpenBlas, String> {
    let mut handle = std::ptr::null_mut();
    for name in LIBRARIES {
        // SAFETY: a NUL-terminated library name; the handle is kept for the
        // life of the process (the functions are called from compiled code
        // that may outlive any one context).
        handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if !handle.is_null() {
            break;
        }
    }
    if handle.is_null() {
        return Err("zad runs BLAS and LAPACK routines on OpenBLAS, and libopenblas.so.0 was not found: install it \
                    (Debian: apt install libopenblas-dev, which `make deps` does)"
            .to_string());
    }
    let symbol = |name: &CStr| -> Result<*mut c_void, String> {
        // SAFETY: a live handle and a NUL-terminated name.
        let address = unsafe { libc::dlsym(handle, name.as_ptr()) };
        if address.is_null() {
            Err(format!("the OpenBLAS library found lacks {}", name.to_string_lossy()))
        } else {
            Ok(address)
        }
    };
    // SAFETY: each symbol is the OpenBLAS function of that name, whose C
    // prototype (cblas.h, LAPACK's Fortran interface) is the type given.
    unsafe {
        Ok(OpenBlas {
            ddot: function(symbol(c"cblas_ddot")?),
            daxpy: function(symbol(c"cblas_daxpy")?),
            dscal: function(symbol(c"cblas_dscal")?),
            dnrm2: function(symbol(c"cblas_dnrm2")?),
            dcopy: function(symbol(c"cblas_dcopy")?),
            dswap: function(symbol(c"cblas_dswap")?),
            dgemv: function(symbol(c"cblas_dgemv")?),
            dger: function(symbol(c"cblas_dger")?),
            dtrsv: function(symbol(c"cblas_dtrsv")?),
            dtrmv: function(symbol(c"cblas_dtrmv")?),
            dgemm: function(symbol(c"cblas_dgemm")?),
            dtrsm: function(symbol(c"cblas_dtrsm")?),
            dtrmm: function(symbol(c"cblas_dtrmm")?),
            dgetrf: function(symbol(c"dgetrf_")?),
            dpotrf: function(symbol(c"dpotrf_")?),
        })
    }
}

/// A function pointer of type `F` from its address.
///
/// # Safety
/// `F` is a function pointer type, the type of the function at `address`.
unsafe fn function<F: Copy>(address: *mut c_void) -> F {
    assert_eq!(size_of::<F>(), size_of::<*mut c_void>(), "a function pointer");
    // SAFETY: the caller's promise; sizes checked above.
    unsafe { std::mem::transmute_copy(&address) }
}

fn openblas() -> Result<&'static OpenBlas, String> {
    static OPENBLAS: OnceLock<Result<OpenBlas, String>> = OnceLock::new();
    OPENBLAS.get_or_init(load).as_ref().map_err(Clone::clone)
}

// ---------------------------------------------------------------------------
// Descriptors and views

/// A rank-1 memref descriptor.
#[repr(C)]
pub struct Memref1<T> {
    allocated: *mut T,
    aligned: *mut T,
    offset: i64,
    size: i64,
    stride: i64,
}

/// A rank-2 memref descriptor.
#[repr(C)]
pub struct Memref2 {
    allocated: *mut f64,
    aligned: *mut f64,
    offset: i64,
    sizes: [i64; 2],
    strides: [i64; 2],
}

/// A strided vector.
#[derive(Clone, Copy)]
struct Vect {
    ptr: *mut f64,
    n: usize,
    inc: usize,
}

/// A matrix: `(i, j)` at `ptr[i*ld + j]`, or `ptr[j*ld + i]` when flipped.
#[derive(Clone, Copy)]
struct Mat {
    ptr: *mut f64,
    rows: usize,
    cols: usize,
    ld: usize,
    flipped: bool,
}

impl Mat {
    /// The transpose, the same memory.
    fn t(self) -> Mat {
        Mat { rows: self.cols, cols: self.rows, flipped: !self.flipped, ..self }
    }

    fn at(&self, i: usize, j: usize) -> *mut f64 {
        let index = if self.flipped { j * self.ld + i } else { i * self.ld + j };
        // SAFETY: callers stay within rows x cols, which the view covers.
        unsafe { self.ptr.add(index) }
    }

    /// Row `i` as a strided vector.
    fn row(&self, i: usize) -> Vect {
        if self.flipped {
            Vect { ptr: self.at(i, 0), n: self.cols, inc: self.ld }
        } else {
            Vect { ptr: self.at(i, 0), n: self.cols, inc: 1 }
        }
    }

    /// The stored (row-major) matrix's sizes.
    fn stored(&self) -> (usize, usize) {
        if self.flipped { (self.cols, self.rows) } else { (self.rows, self.cols) }
    }
}

/// A matrix zad allocates (row-major, contiguous).
struct Owned {
    /// Owns the elements `ptr` points to.
    _data: Vec<f64>,
    ptr: *mut f64,
    rows: usize,
    cols: usize,
}

impl Owned {
    fn zeros(rows: usize, cols: usize) -> Owned {
        let mut data = vec![0.0; rows * cols];
        let ptr = data.as_mut_ptr();
        Owned { _data: data, ptr, rows, cols }
    }

    fn copy_of(m: Mat, blas: &OpenBlas) -> Owned {
        let owned = Owned::zeros(m.rows, m.cols);
        copy(blas, m, owned.mat());
        owned
    }

    fn mat(&self) -> Mat {
        Mat { ptr: self.ptr, rows: self.rows, cols: self.cols, ld: self.cols.max(1), flipped: false }
    }

    fn vect(&self) -> Vect {
        Vect { ptr: self.ptr, n: self.rows * self.cols, inc: 1 }
    }
}

fn int(n: usize) -> Int {
    n as Int
}

/// The vector a descriptor describes.
///
/// # Safety
/// `d` points to a valid descriptor.
unsafe fn vector(d: *const Memref1<f64>, routine: &str, what: &str) -> Result<Vect, String> {
    // SAFETY: the caller's promise.
    let d = unsafe { &*d };
    let n = d.size.max(0) as usize;
    if n > 1 && d.stride < 1 {
        return Err(format!("{routine}: {what} has the stride {}; BLAS needs a positive stride", d.stride));
    }
    check_size(routine, n)?;
    // SAFETY: the descriptor's element 0.
    let ptr = unsafe { d.aligned.offset(d.offset as isize) };
    Ok(Vect { ptr, n, inc: if n > 1 { d.stride as usize } else { 1 } })
}

/// The matrix a descriptor describes.
///
/// # Safety
/// `d` points to a valid descriptor.
unsafe fn matrix(d: *const Memref2, routine: &str, what: &str) -> Result<Mat, String> {
    // SAFETY: the caller's promise.
    let d = unsafe { &*d };
    let (rows, cols) = (d.sizes[0].max(0) as usize, d.sizes[1].max(0) as usize);
    let (s0, s1) = (d.strides[0], d.strides[1]);
    check_size(routine, rows)?;
    check_size(routine, cols)?;
    // SAFETY: the descriptor's element (0, 0).
    let ptr = unsafe { d.aligned.offset(d.offset as isize) };
    let row_major = (cols <= 1 || s1 == 1) && (rows <= 1 || s0 >= cols.max(1) as i64);
    let column_major = (rows <= 1 || s0 == 1) && (cols <= 1 || s1 >= rows.max(1) as i64);
    if row_major {
        let ld = if rows <= 1 { cols.max(1) } else { s0 as usize };
        Ok(Mat { ptr, rows, cols, ld, flipped: false })
    } else if column_major {
        let ld = if cols <= 1 { rows.max(1) } else { s1 as usize };
        Ok(Mat { ptr, rows, cols, ld, flipped: true })
    } else {
        Err(format!(
            "{routine}: {what} is a {rows}x{cols} view with the strides [{s0}, {s1}]; BLAS needs its rows or its \
             columns contiguous (a stride of 1) and apart from each other"
        ))
    }
}

fn check_size(routine: &str, n: usize) -> Result<(), String> {
    if n > Int::MAX as usize {
        return Err(format!("{routine}: a dimension of {n} exceeds OpenBLAS's 32-bit integers"));
    }
    Ok(())
}

/// The pivots a descriptor describes, at least `n` of them.
///
/// # Safety
/// `d` points to a valid descriptor.
unsafe fn pivots(d: *const Memref1<i32>, n: usize, routine: &str) -> Result<Vec<*mut i32>, String> {
    // SAFETY: the caller's promise.
    let d = unsafe { &*d };
    let size = d.size.max(0) as usize;
    if size < n {
        return Err(format!("{routine}: the pivots have {size} elements; the matrix needs {n}"));
    }
    // SAFETY: elements 0..n of the descriptor.
    Ok((0..n).map(|i| unsafe { d.aligned.offset((d.offset + i as i64 * d.stride) as isize) }).collect())
}

fn shape(m: &Mat) -> String {
    format!("{}x{}", m.rows, m.cols)
}

// ---------------------------------------------------------------------------
// Level 1-3 helpers on views (every flip folded into CBLAS's switches)

fn trans_code(t: bool) -> i32 {
    if t { TRANS } else { NO_TRANS }
}

fn dot(blas: &OpenBlas, x: Vect, y: Vect) -> f64 {
    // SAFETY: two vectors of x.n elements.
    unsafe { (blas.ddot)(int(x.n), x.ptr, int(x.inc), y.ptr, int(y.inc)) }
}

fn axpy(blas: &OpenBlas, alpha: f64, x: Vect, y: Vect) {
    // SAFETY: two vectors of x.n elements, y writable.
    unsafe { (blas.daxpy)(int(x.n), alpha, x.ptr, int(x.inc), y.ptr, int(y.inc)) }
}

fn scal(blas: &OpenBlas, alpha: f64, x: Vect) {
    // SAFETY: a writable vector.
    unsafe { (blas.dscal)(int(x.n), alpha, x.ptr, int(x.inc)) }
}

fn copy_vector(blas: &OpenBlas, x: Vect, y: Vect) {
    // SAFETY: two vectors of x.n elements, y writable.
    unsafe { (blas.dcopy)(int(x.n), x.ptr, int(x.inc), y.ptr, int(y.inc)) }
}

/// `y := alpha op(a) x + beta y`.
fn gemv(blas: &OpenBlas, trans: bool, alpha: f64, a: Mat, x: Vect, beta: f64, y: Vect) {
    let (rows, cols) = a.stored();
    if y.n == 0 {
        return;
    }
    // SAFETY: shapes checked by the caller; a's stored matrix is rows x cols
    // with leading dimension ld.
    unsafe {
        (blas.dgemv)(ROW_MAJOR, trans_code(trans ^ a.flipped), int(rows), int(cols), alpha, a.ptr, int(a.ld), x.ptr, int(x.inc), beta, y.ptr, int(y.inc))
    }
}

/// `a += alpha x y^T`.
fn ger(blas: &OpenBlas, alpha: f64, x: Vect, y: Vect, a: Mat) {
    let (x, y) = if a.flipped { (y, x) } else { (x, y) };
    let (rows, cols) = a.stored();
    // SAFETY: x has rows elements, y cols (checked by the caller).
    unsafe { (blas.dger)(ROW_MAJOR, int(rows), int(cols), alpha, x.ptr, int(x.inc), y.ptr, int(y.inc), a.ptr, int(a.ld)) }
}

/// `c := alpha op(a) op(b) + beta c`.
#[allow(clippy::too_many_arguments)]
fn gemm(blas: &OpenBlas, ta: bool, a: Mat, tb: bool, b: Mat, alpha: f64, beta: f64, c: Mat) {
    if c.flipped {
        // c^T = op(b)^T op(a)^T.
        return gemm(blas, !tb, b, !ta, a, alpha, beta, c.t());
    }
    let k = if ta { a.rows } else { a.cols };
    if c.rows == 0 || c.cols == 0 {
        return;
    }
    // SAFETY: shapes checked by the caller; c is a writable row-major view.
    unsafe {
        (blas.dgemm)(
            ROW_MAJOR,
            trans_code(ta ^ a.flipped),
            trans_code(tb ^ b.flipped),
            int(c.rows),
            int(c.cols),
            int(k),
            alpha,
            a.ptr,
            int(a.ld),
            b.ptr,
            int(b.ld),
            beta,
            c.ptr,
            int(c.ld),
        )
    }
}

/// `x := op(a)^-1 x` (`solve`) or `x := op(a) x`, `a` triangular.
fn trv(blas: &OpenBlas, solve: bool, upper: bool, trans: bool, unit: bool, a: Mat, x: Vect) {
    if x.n == 0 {
        return;
    }
    let uplo = if upper ^ a.flipped { UPPER } else { LOWER };
    let diag = if unit { UNIT } else { NON_UNIT };
    let function = if solve { blas.dtrsv } else { blas.dtrmv };
    // SAFETY: a is n x n, x has n elements (checked by the caller).
    unsafe { function(ROW_MAJOR, uplo, trans_code(trans ^ a.flipped), diag, int(x.n), a.ptr, int(a.ld), x.ptr, int(x.inc)) }
}

/// `b := alpha op(a)^-1 b` (left) or `b := alpha b op(a)^-1` (`solve`), or
/// the same with products, `a` triangular.
#[allow(clippy::too_many_arguments)]
fn trm(blas: &OpenBlas, solve: bool, left: bool, upper: bool, trans: bool, unit: bool, alpha: f64, a: Mat, b: Mat) {
    if b.flipped {
        // Transposed: the side and the transpose switch.
        return trm(blas, solve, !left, upper, !trans, unit, alpha, a, b.t());
    }
    if b.rows == 0 || b.cols == 0 {
        return;
    }
    let uplo = if upper ^ a.flipped { UPPER } else { LOWER };
    let diag = if unit { UNIT } else { NON_UNIT };
    let side = if left { LEFT } else { RIGHT };
    let function = if solve { blas.dtrsm } else { blas.dtrmm };
    // SAFETY: a is square of b's rows (left) or columns (right), checked by
    // the caller; b is a writable row-major view.
    unsafe {
        function(ROW_MAJOR, side, uplo, trans_code(trans ^ a.flipped), diag, int(b.rows), int(b.cols), alpha, a.ptr, int(a.ld), b.ptr, int(b.ld))
    }
}

/// `b := a` (same shape).
fn copy(blas: &OpenBlas, a: Mat, b: Mat) {
    for i in 0..a.rows {
        copy_vector(blas, a.row(i), b.row(i));
    }
}

/// `b += alpha a` (same shape).
fn axpy_matrix(blas: &OpenBlas, alpha: f64, a: Mat, b: Mat) {
    for i in 0..a.rows {
        axpy(blas, alpha, a.row(i), b.row(i));
    }
}

/// `a := alpha a`.
fn scal_matrix(blas: &OpenBlas, alpha: f64, a: Mat) {
    for i in 0..a.rows {
        scal(blas, alpha, a.row(i));
    }
}

/// The sum of the products of the elements of `a` and `b` (same shape).
fn frobenius(blas: &OpenBlas, a: Mat, b: Mat) -> f64 {
    (0..a.rows).map(|i| dot(blas, a.row(i), b.row(i))).sum()
}

/// Which part of a square matrix a mask keeps.
#[derive(Clone, Copy)]
enum Part {
    /// Below the diagonal.
    StrictLower,
    /// The diagonal and below.
    Lower,
    /// The diagonal and above.
    Upper,
}

impl Part {
    fn keeps(self, i: usize, j: usize) -> bool {
        match self {
            Part::StrictLower => i > j,
            Part::Lower => i >= j,
            Part::Upper => i <= j,
        }
    }
}

/// A copy of `part` of `a`, zeros elsewhere.
fn extract(a: Mat, part: Part) -> Owned {
    let owned = Owned::zeros(a.rows, a.cols);
    let target = owned.mat();
    for i in 0..a.rows {
        for j in 0..a.cols {
            if part.keeps(i, j) {
                // SAFETY: (i, j) within both views.
                unsafe { *target.at(i, j) = *a.at(i, j) };
            }
        }
    }
    owned
}

/// `b := a` (`add` false) or `b += a` on `part`, `b` unchanged elsewhere.
fn put(a: Mat, b: Mat, part: Part, add: bool) {
    for i in 0..a.rows {
        for j in 0..a.cols {
            if part.keeps(i, j) {
                // SAFETY: (i, j) within both views.
                unsafe { *b.at(i, j) = if add { *b.at(i, j) + *a.at(i, j) } else { *a.at(i, j) } };
            }
        }
    }
}

// ---------------------------------------------------------------------------
// LAPACK pieces: LU and Cholesky, on logical (row-major) views

/// `a = P^T L U` in place, pivots 1-based; LAPACK's info.
fn getrf(blas: &OpenBlas, a: Mat, pivots: &[*mut i32]) -> i32 {
    let n = a.rows;
    if n == 0 {
        return 0;
    }
    let mut ipiv = vec![0 as Int; n];
    let (size, mut info) = (int(n), 0);
    if a.flipped {
        // A column-major view is what LAPACK factors: in place.
        let ld = int(a.ld);
        // SAFETY: an n x n column-major matrix with leading dimension
        // ld >= n, n pivots.
        unsafe { (blas.dgetrf)(&size, &size, a.ptr, &ld, ipiv.as_mut_ptr(), &mut info) };
    } else {
        // LAPACK is column-major: a column-major copy is the row-major copy
        // of the transpose.
        let work = Owned::zeros(n, n);
        copy(blas, a, work.mat().t());
        // SAFETY: an n x n column-major matrix with leading dimension n, n
        // pivots.
        unsafe { (blas.dgetrf)(&size, &size, work.ptr, &size, ipiv.as_mut_ptr(), &mut info) };
        copy(blas, work.mat().t(), a);
    }
    for (target, pivot) in pivots.iter().zip(ipiv) {
        // SAFETY: the pivots' elements, checked writable by `pivots`.
        unsafe { **target = pivot };
    }
    info
}

/// The pivots as 0-based rows, checked.
fn read_pivots(pivots: &[*mut i32], routine: &str) -> Result<Vec<usize>, String> {
    let n = pivots.len();
    pivots
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            // SAFETY: the pivots' elements.
            let p = unsafe { *p };
            if p < 1 || p as usize > n {
                Err(format!("{routine}: pivot {i} is {p}; pivots are rows 1 to {n} (as dgetrf leaves them)"))
            } else {
                Ok(p as usize - 1)
            }
        })
        .collect()
}

/// Applies the row interchanges to `b` (P b), or undoes them (P^T b).
fn permute(blas: &OpenBlas, pivots: &[usize], b: Mat, forward: bool) {
    let swap = |i: usize, p: usize| {
        if i != p {
            let (x, y) = (b.row(i), b.row(p));
            // SAFETY: two distinct rows of b.
            unsafe { (blas.dswap)(int(x.n), x.ptr, int(x.inc), y.ptr, int(y.inc)) };
        }
    };
    if forward {
        for (i, &p) in pivots.iter().enumerate() {
            swap(i, p);
        }
    } else {
        for (i, &p) in pivots.iter().enumerate().rev() {
            swap(i, p);
        }
    }
}

/// `b := op(A)^-1 b` with `A = P^T L U` packed in `lu`.
fn getrs(blas: &OpenBlas, trans: bool, lu: Mat, pivots: &[usize], b: Mat) {
    if !trans {
        permute(blas, pivots, b, true);
        trm(blas, true, true, false, false, true, 1.0, lu, b);
        trm(blas, true, true, true, false, false, 1.0, lu, b);
    } else {
        trm(blas, true, true, true, true, false, 1.0, lu, b);
        trm(blas, true, true, false, true, true, 1.0, lu, b);
        permute(blas, pivots, b, false);
    }
}

/// The reverse of `getrf`: from the adjoint of the packed factors
/// (`factors_bar`), the adjoint of the matrix, `P^T L^-T (tril_s(L^T Lbar) +
/// triu(Ubar U^T)) U^-T`, written into `a_bar`.
fn getrf_reverse(blas: &OpenBlas, lu: Mat, pivots: &[usize], factors_bar: Mat, a_bar: Mat) {
    let lower = extract(factors_bar, Part::StrictLower);
    trm(blas, false, true, false, true, true, 1.0, lu, lower.mat());
    let upper = extract(factors_bar, Part::Upper);
    trm(blas, false, false, true, true, false, 1.0, lu, upper.mat());
    let g = Owned::zeros(lu.rows, lu.cols);
    put(lower.mat(), g.mat(), Part::StrictLower, false);
    put(upper.mat(), g.mat(), Part::Upper, false);
    trm(blas, true, true, false, true, true, 1.0, lu, g.mat());
    trm(blas, true, false, true, true, false, 1.0, lu, g.mat());
    permute(blas, pivots, g.mat(), false);
    copy(blas, g.mat(), a_bar);
}

/// The tangent of `getrf`: from the tangent of the matrix (`a_dot`), the
/// tangent of the packed factors: with `M = L^-1 P a_dot U^-1`,
/// `dL = L tril_s(M)`, `dU = triu(M) U`, written into `factors_dot`.
fn getrf_tangent(blas: &OpenBlas, lu: Mat, pivots: &[usize], a_dot: Mat, factors_dot: Mat) {
    let m = Owned::copy_of(a_dot, blas);
    permute(blas, pivots, m.mat(), true);
    trm(blas, true, true, false, false, true, 1.0, lu, m.mat());
    trm(blas, true, false, true, false, false, 1.0, lu, m.mat());
    let lower = extract(m.mat(), Part::StrictLower);
    trm(blas, false, true, false, false, true, 1.0, lu, lower.mat());
    let upper = extract(m.mat(), Part::Upper);
    trm(blas, false, false, true, false, false, 1.0, lu, upper.mat());
    put(lower.mat(), factors_dot, Part::StrictLower, false);
    put(upper.mat(), factors_dot, Part::Upper, false);
}

/// The reverse of `getrs` (no transpose or transpose): `x` is the solution,
/// `b_bar` holds its adjoint and becomes the adjoint of the right-hand
/// side; the adjoint of the packed factors is added to `factors_bar`.
fn getrs_reverse(blas: &OpenBlas, trans: bool, lu: Mat, pivots: &[usize], x: Mat, b_bar: Mat, factors_bar: Mat) {
    getrs(blas, !trans, lu, pivots, b_bar);
    // The adjoint of A (as a general matrix): -Bbar X^T, or -X Bbar^T.
    let n = lu.rows;
    let a_bar = Owned::zeros(n, n);
    if trans {
        gemm(blas, false, x, true, b_bar, -1.0, 0.0, a_bar.mat());
    } else {
        gemm(blas, false, b_bar, true, x, -1.0, 0.0, a_bar.mat());
    }
    // A = P^T L U: Lbar = P Abar U^T, Ubar = L^T P Abar.
    permute(blas, pivots, a_bar.mat(), true);
    let lower = Owned::copy_of(a_bar.mat(), blas);
    trm(blas, false, false, true, true, false, 1.0, lu, lower.mat());
    trm(blas, false, true, false, true, true, 1.0, lu, a_bar.mat());
    put(lower.mat(), factors_bar, Part::StrictLower, true);
    put(a_bar.mat(), factors_bar, Part::Upper, true);
}

/// The tangent of `getrs`: `b_dot := op(A)^-1 (b_dot - op(dA) x)` with
/// `dA = P^T (dL U + L dU)` from the packed tangent of the factors.
fn getrs_tangent(blas: &OpenBlas, trans: bool, lu: Mat, pivots: &[usize], factors_dot: Mat, x: Mat, b_dot: Mat) {
    let d_lower = extract(factors_dot, Part::StrictLower);
    trm(blas, false, false, true, false, false, 1.0, lu, d_lower.mat());
    let d_upper = extract(factors_dot, Part::Upper);
    trm(blas, false, true, false, false, true, 1.0, lu, d_upper.mat());
    axpy_matrix(blas, 1.0, d_upper.mat(), d_lower.mat());
    permute(blas, pivots, d_lower.mat(), false);
    gemm(blas, trans, d_lower.mat(), false, x, -1.0, 1.0, b_dot);
    getrs(blas, trans, lu, pivots, b_dot);
}

/// `a = L L^T` in the lower triangle of `a` (the upper one untouched).
fn potrf(blas: &OpenBlas, a: Mat) -> i32 {
    let n = a.rows;
    if n == 0 {
        return 0;
    }
    // A row-major buffer read column-major is the transpose: its lower
    // triangle is LAPACK's upper one.
    let uplo: &CStr = if a.flipped { c"L" } else { c"U" };
    let (size, ld, mut info) = (int(n), int(a.ld), 0);
    // SAFETY: an n x n matrix with leading dimension ld >= n.
    unsafe { (blas.dpotrf)(uplo.as_ptr(), &size, a.ptr, &ld, &mut info, 1) };
    info
}

/// `b := A^-1 b`, `A = L L^T` with `L` the lower triangle of `l`.
fn potrs(blas: &OpenBlas, l: Mat, b: Mat) {
    trm(blas, true, true, false, false, false, 1.0, l, b);
    trm(blas, true, true, false, true, false, 1.0, l, b);
}

/// `a`'s diagonal times `factor`.
fn scale_diagonal(a: Mat, factor: f64) {
    for i in 0..a.rows.min(a.cols) {
        // SAFETY: a diagonal element.
        unsafe { *a.at(i, i) *= factor };
    }
}

/// Lower triangle, diagonal halved (`Phi`).
fn halve_diagonal_lower(m: &Owned) -> Owned {
    let lower = extract(m.mat(), Part::Lower);
    scale_diagonal(lower.mat(), 0.5);
    lower
}

// ---------------------------------------------------------------------------
// The routines, their adjoints and tangents (MLIR's C interface)

type V = *const Memref1<f64>;
type M = *const Memref2;
type P = *const Memref1<i32>;

/// Two results, returned through a pointer passed first.
#[repr(C)]
pub struct Pair {
    first: f64,
    second: f64,
}

fn flag(value: u8) -> bool {
    // An i1 argument: only its lowest bit is defined.
    value & 1 == 1
}

fn same_length(routine: &str, x: &Vect, y: &Vect) -> Result<(), String> {
    if x.n != y.n {
        return Err(format!("{routine}: x has {} elements and y {}; they must have the same", x.n, y.n));
    }
    Ok(())
}

macro_rules! blas_fn {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// Called by JIT code with valid descriptors.
        pub(super) unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            trap::run(stringify!($name), || -> Result<$ret, String> { $body })
        }
    };
}

/// A vector and its shadow, which must have its length.
///
/// # Safety
/// `x` and `dx` point to valid descriptors.
unsafe fn vector_and_shadow(x: V, dx: V, routine: &str, what: &str) -> Result<(Vect, Vect), String> {
    // SAFETY: the caller's promise.
    let (x, dx) = unsafe { (vector(x, routine, what)?, vector(dx, routine, what)?) };
    if dx.n != x.n {
        return Err(format!("{routine}: {what} has {} elements and its shadow {}; they must have the same", x.n, dx.n));
    }
    Ok((x, dx))
}

/// A matrix and its shadow, which must have its shape.
///
/// # Safety
/// `a` and `da` point to valid descriptors.
unsafe fn matrix_and_shadow(a: M, da: M, routine: &str, what: &str) -> Result<(Mat, Mat), String> {
    // SAFETY: the caller's promise.
    let (a, da) = unsafe { (matrix(a, routine, what)?, matrix(da, routine, what)?) };
    if (da.rows, da.cols) != (a.rows, a.cols) {
        return Err(format!("{routine}: {what} is {} and its shadow {}; they must have the same shape", shape(&a), shape(&da)));
    }
    Ok((a, da))
}

/// `x`, `y` and their shadows, `x` and `y` of the same length (the
/// derivatives of ddot and daxpy).
///
/// # Safety
/// Valid descriptors.
unsafe fn two_vectors(routine: &str, x: V, dx: V, y: V, dy: V) -> Result<(Vect, Vect, Vect, Vect), String> {
    // SAFETY: the caller's promise.
    let ((x, dx), (y, dy)) = unsafe { (vector_and_shadow(x, dx, routine, "x")?, vector_and_shadow(y, dy, routine, "y")?) };
    same_length(routine, &x, &y)?;
    Ok((x, dx, y, dy))
}

// --- ddot

blas_fn! { fn ddot(x: V, y: V) -> f64 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (x, y) = unsafe { (vector(x, "ddot", "x")?, vector(y, "ddot", "y")?) };
    same_length("ddot", &x, &y)?;
    Ok(dot(blas, x, y))
}}

blas_fn! { fn ddot_adjoint(x: V, dx: V, y: V, dy: V, seed: f64) -> f64 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (x, dx, y, dy) = unsafe { two_vectors("ddot", x, dx, y, dy)? };
    axpy(blas, seed, y, dx);
    axpy(blas, seed, x, dy);
    Ok(dot(blas, x, y))
}}

blas_fn! { fn ddot_tangent(out: *mut Pair, x: V, dx: V, y: V, dy: V) -> () {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (x, dx, y, dy) = unsafe { two_vectors("ddot", x, dx, y, dy)? };
    let value = dot(blas, x, y);
    let tangent = dot(blas, dx, y) + dot(blas, x, dy);
    // SAFETY: the results' struct.
    unsafe { *out = Pair { first: value, second: tangent } };
    Ok(())
}}

// --- daxpy: y := alpha x + y

blas_fn! { fn daxpy(alpha: f64, x: V, y: V) -> () {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (x, y) = unsafe { (vector(x, "daxpy", "x")?, vector(y, "daxpy", "y")?) };
    same_length("daxpy", &x, &y)?;
    axpy(blas, alpha, x, y);
    Ok(())
}}

blas_fn! { fn daxpy_adjoint(alpha: f64, x: V, dx: V, y: V, dy: V) -> f64 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (x, dx, _, dy) = unsafe { two_vectors("daxpy", x, dx, y, dy)? };
    axpy(blas, alpha, dy, dx);
    Ok(dot(blas, x, dy))
}}

blas_fn! { fn daxpy_tangent(alpha: f64, dalpha: f64, x: V, dx: V, y: V, dy: V) -> () {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (x, dx, y, dy) = unsafe { two_vectors("daxpy", x, dx, y, dy)? };
    axpy(blas, dalpha, x, dy);
    axpy(blas, alpha, dx, dy);
    axpy(blas, alpha, x, y);
    Ok(())
}}

// --- dscal: x := alpha x

blas_fn! { fn dscal(alpha: f64, x: V) -> () {
    let blas = openblas()?;
    // SAFETY: a descriptor from the caller.
    let x = unsafe { vector(x, "dscal", "x")? };
    scal(blas, alpha, x);
    Ok(())
}}

blas_fn! { fn dscal_adjoint(alpha: f64, x: V, dx: V) -> f64 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (x, dx) = unsafe { vector_and_shadow(x, dx, "dscal", "x")? };
    let dalpha = dot(blas, x, dx);
    scal(blas, alpha, dx);
    Ok(dalpha)
}}

blas_fn! { fn dscal_tangent(alpha: f64, dalpha: f64, x: V, dx: V) -> () {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (x, dx) = unsafe { vector_and_shadow(x, dx, "dscal", "x")? };
    scal(blas, alpha, dx);
    axpy(blas, dalpha, x, dx);
    scal(blas, alpha, x);
    Ok(())
}}

// --- dnrm2

fn nrm2(blas: &OpenBlas, x: Vect) -> f64 {
    // SAFETY: a vector of x.n elements.
    unsafe { (blas.dnrm2)(int(x.n), x.ptr, int(x.inc)) }
}

blas_fn! { fn dnrm2(x: V) -> f64 {
    let blas = openblas()?;
    // SAFETY: a descriptor from the caller.
    let x = unsafe { vector(x, "dnrm2", "x")? };
    Ok(nrm2(blas, x))
}}

blas_fn! { fn dnrm2_adjoint(x: V, dx: V, seed: f64) -> f64 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (x, dx) = unsafe { vector_and_shadow(x, dx, "dnrm2", "x")? };
    let norm = nrm2(blas, x);
    // At 0 the norm has no derivative; 0 is its smallest subgradient.
    if norm > 0.0 {
        axpy(blas, seed / norm, x, dx);
    }
    Ok(norm)
}}

blas_fn! { fn dnrm2_tangent(out: *mut Pair, x: V, dx: V) -> () {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (x, dx) = unsafe { vector_and_shadow(x, dx, "dnrm2", "x")? };
    let norm = nrm2(blas, x);
    let tangent = if norm > 0.0 { dot(blas, x, dx) / norm } else { 0.0 };
    // SAFETY: the results' struct.
    unsafe { *out = Pair { first: norm, second: tangent } };
    Ok(())
}}

// --- dgemv: y := alpha op(A) x + beta y

fn gemv_shapes(trans: bool, a: &Mat, x: &Vect, y: &Vect) -> Result<(), String> {
    let (rows, cols) = if trans { (a.cols, a.rows) } else { (a.rows, a.cols) };
    if x.n != cols || y.n != rows {
        return Err(format!(
            "dgemv: op(A) is {rows}x{cols} (A is {}{}), x has {} elements and y {}; x needs {cols} and y {rows}",
            shape(a),
            if trans { ", transposed" } else { "" },
            x.n,
            y.n
        ));
    }
    Ok(())
}

/// dgemv's operands and their shadows, shapes checked.
///
/// # Safety
/// Valid descriptors.
#[allow(clippy::type_complexity)]
unsafe fn gemv_operands(trans: bool, a: M, da: M, x: V, dx: V, y: V, dy: V) -> Result<(Mat, Mat, Vect, Vect, Vect, Vect), String> {
    // SAFETY: the caller's promise.
    let ((a, da), (x, dx), (y, dy)) = unsafe {
        (matrix_and_shadow(a, da, "dgemv", "A")?, vector_and_shadow(x, dx, "dgemv", "x")?, vector_and_shadow(y, dy, "dgemv", "y")?)
    };
    gemv_shapes(trans, &a, &x, &y)?;
    Ok((a, da, x, dx, y, dy))
}

blas_fn! { fn dgemv(trans: u8, alpha: f64, a: M, x: V, beta: f64, y: V) -> () {
    let blas = openblas()?;
    let trans = flag(trans);
    // SAFETY: descriptors from the caller.
    let (a, x, y) = unsafe { (matrix(a, "dgemv", "A")?, vector(x, "dgemv", "x")?, vector(y, "dgemv", "y")?) };
    gemv_shapes(trans, &a, &x, &y)?;
    gemv(blas, trans, alpha, a, x, beta, y);
    Ok(())
}}

blas_fn! { fn dgemv_adjoint(out: *mut Pair, trans: u8, alpha: f64, a: M, da: M, x: V, dx: V, beta: f64, y: V, dy: V) -> () {
    let blas = openblas()?;
    let trans = flag(trans);
    // SAFETY: descriptors from the caller.
    let (a, da, x, dx, y, dy) = unsafe { gemv_operands(trans, a, da, x, dx, y, dy)? };
    let product = Owned::zeros(y.n, 1);
    gemv(blas, trans, 1.0, a, x, 0.0, product.vect());
    let dalpha = dot(blas, dy, product.vect());
    let dbeta = dot(blas, dy, y);
    if trans {
        ger(blas, alpha, x, dy, da);
    } else {
        ger(blas, alpha, dy, x, da);
    }
    gemv(blas, !trans, alpha, a, dy, 1.0, dx);
    scal(blas, beta, dy);
    // SAFETY: the results' struct.
    unsafe { *out = Pair { first: dalpha, second: dbeta } };
    Ok(())
}}

blas_fn! { fn dgemv_tangent(trans: u8, alpha: f64, dalpha: f64, a: M, da: M, x: V, dx: V, beta: f64, dbeta: f64, y: V, dy: V) -> () {
    let blas = openblas()?;
    let trans = flag(trans);
    // SAFETY: descriptors from the caller.
    let (a, da, x, dx, y, dy) = unsafe { gemv_operands(trans, a, da, x, dx, y, dy)? };
    gemv(blas, trans, alpha, da, x, beta, dy);
    gemv(blas, trans, alpha, a, dx, 1.0, dy);
    gemv(blas, trans, dalpha, a, x, 1.0, dy);
    // With beta = 0, y is not read (it may hold anything): nor is it here.
    if dbeta != 0.0 {
        axpy(blas, dbeta, y, dy);
    }
    gemv(blas, trans, alpha, a, x, beta, y);
    Ok(())
}}

// --- dgemm: C := alpha op(A) op(B) + beta C

fn gemm_shapes(ta: bool, a: &Mat, tb: bool, b: &Mat, c: &Mat) -> Result<(), String> {
    let (m, k) = if ta { (a.cols, a.rows) } else { (a.rows, a.cols) };
    let (k2, n) = if tb { (b.cols, b.rows) } else { (b.rows, b.cols) };
    if k != k2 || c.rows != m || c.cols != n {
        return Err(format!(
            "dgemm: op(A) is {m}x{k}, op(B) {k2}x{n} and C {}: C = op(A) op(B) needs op(A) m x k, op(B) k x n and C m x n",
            shape(c)
        ));
    }
    Ok(())
}

/// dgemm's operands and their shadows, shapes checked.
///
/// # Safety
/// Valid descriptors.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
unsafe fn gemm_operands(ta: bool, tb: bool, a: M, da: M, b: M, db: M, c: M, dc: M) -> Result<(Mat, Mat, Mat, Mat, Mat, Mat), String> {
    // SAFETY: the caller's promise.
    let ((a, da), (b, db), (c, dc)) = unsafe {
        (matrix_and_shadow(a, da, "dgemm", "A")?, matrix_and_shadow(b, db, "dgemm", "B")?, matrix_and_shadow(c, dc, "dgemm", "C")?)
    };
    gemm_shapes(ta, &a, tb, &b, &c)?;
    Ok((a, da, b, db, c, dc))
}

blas_fn! { fn dgemm(ta: u8, tb: u8, alpha: f64, a: M, b: M, beta: f64, c: M) -> () {
    let blas = openblas()?;
    let (ta, tb) = (flag(ta), flag(tb));
    // SAFETY: descriptors from the caller.
    let (a, b, c) = unsafe { (matrix(a, "dgemm", "A")?, matrix(b, "dgemm", "B")?, matrix(c, "dgemm", "C")?) };
    gemm_shapes(ta, &a, tb, &b, &c)?;
    gemm(blas, ta, a, tb, b, alpha, beta, c);
    Ok(())
}}

blas_fn! { fn dgemm_adjoint(out: *mut Pair, ta: u8, tb: u8, alpha: f64, a: M, da: M, b: M, db: M, beta: f64, c: M, dc: M) -> () {
    let blas = openblas()?;
    let (ta, tb) = (flag(ta), flag(tb));
    // SAFETY: descriptors from the caller.
    let (a, da, b, db, c, dc) = unsafe { gemm_operands(ta, tb, a, da, b, db, c, dc)? };
    // T = Cbar op(B)^T is op(A)bar / alpha; dalpha = <T, op(A)> comes with
    // it, so that the adjoint costs two products, not three.
    let op_a = if ta { a.t() } else { a };
    let t = Owned::zeros(op_a.rows, op_a.cols);
    gemm(blas, false, dc, !tb, b, 1.0, 0.0, t.mat());
    let dalpha = frobenius(blas, t.mat(), op_a);
    let dbeta = frobenius(blas, dc, c);
    axpy_matrix(blas, alpha, if ta { t.mat().t() } else { t.mat() }, da);
    // op(B)bar = alpha op(A)^T Cbar.
    if tb {
        gemm(blas, true, dc, ta, a, alpha, 1.0, db);
    } else {
        gemm(blas, !ta, a, false, dc, alpha, 1.0, db);
    }
    scal_matrix(blas, beta, dc);
    // SAFETY: the results' struct.
    unsafe { *out = Pair { first: dalpha, second: dbeta } };
    Ok(())
}}

blas_fn! { fn dgemm_tangent(ta: u8, tb: u8, alpha: f64, dalpha: f64, a: M, da: M, b: M, db: M, beta: f64, dbeta: f64, c: M, dc: M) -> () {
    let blas = openblas()?;
    let (ta, tb) = (flag(ta), flag(tb));
    // SAFETY: descriptors from the caller.
    let (a, da, b, db, c, dc) = unsafe { gemm_operands(ta, tb, a, da, b, db, c, dc)? };
    gemm(blas, ta, da, tb, b, alpha, beta, dc);
    gemm(blas, ta, a, tb, db, alpha, 1.0, dc);
    gemm(blas, ta, a, tb, b, dalpha, 1.0, dc);
    // With beta = 0, C is not read (it may hold anything): nor is it here.
    if dbeta != 0.0 {
        axpy_matrix(blas, dbeta, c, dc);
    }
    gemm(blas, ta, a, tb, b, alpha, beta, c);
    Ok(())
}}

// --- dtrsv: x := op(A)^-1 x, A triangular

fn square(routine: &str, what: &str, a: &Mat) -> Result<(), String> {
    if a.rows != a.cols {
        return Err(format!("{routine}: {what} is {}; it must be square", shape(a)));
    }
    Ok(())
}

fn trsv_shapes(a: &Mat, x: &Vect) -> Result<(), String> {
    square("dtrsv", "A", a)?;
    if x.n != a.rows {
        return Err(format!("dtrsv: A is {} and x has {} elements; x needs {}", shape(a), x.n, a.rows));
    }
    Ok(())
}

/// Adds `alpha u v^T` to the triangle of `a` that dtrsv reads.
fn add_to_triangle(blas: &OpenBlas, upper: bool, unit: bool, alpha: f64, u: Vect, v: Vect, a: Mat) {
    let n = a.rows;
    for i in 0..n {
        let (start, end) = match (upper, unit) {
            (true, false) => (i, n),
            (true, true) => (i + 1, n),
            (false, false) => (0, i + 1),
            (false, true) => (0, i),
        };
        if start >= end {
            continue;
        }
        // SAFETY: element i of u.
        let factor = alpha * unsafe { *u.ptr.add(i * u.inc) };
        let row = a.row(i);
        // SAFETY: elements start..end of v and of row i.
        let (source, target) = unsafe { (v.ptr.add(start * v.inc), row.ptr.add(start * row.inc)) };
        axpy(blas, factor, Vect { ptr: source, n: end - start, inc: v.inc }, Vect { ptr: target, n: end - start, inc: row.inc });
    }
}

/// The start of dtrsv's derivatives: the operands and their shadows,
/// checked, and `x` (a private copy of the input) made the solution.
///
/// # Safety
/// Valid descriptors.
#[allow(clippy::too_many_arguments)]
unsafe fn trsv_forward(blas: &OpenBlas, upper: bool, trans: bool, unit: bool, a: M, da: M, x: V, dx: V) -> Result<(Mat, Mat, Vect, Vect), String> {
    // SAFETY: the caller's promise.
    let ((a, da), (x, dx)) = unsafe { (matrix_and_shadow(a, da, "dtrsv", "A")?, vector_and_shadow(x, dx, "dtrsv", "x")?) };
    trsv_shapes(&a, &x)?;
    trv(blas, true, upper, trans, unit, a, x);
    Ok((a, da, x, dx))
}

blas_fn! { fn dtrsv(upper: u8, trans: u8, unit: u8, a: M, x: V) -> () {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (a, x) = unsafe { (matrix(a, "dtrsv", "A")?, vector(x, "dtrsv", "x")?) };
    trsv_shapes(&a, &x)?;
    trv(blas, true, flag(upper), flag(trans), flag(unit), a, x);
    Ok(())
}}

blas_fn! { fn dtrsv_adjoint(upper: u8, trans: u8, unit: u8, a: M, da: M, x: V, dx: V) -> () {
    let blas = openblas()?;
    let (upper, trans, unit) = (flag(upper), flag(trans), flag(unit));
    // SAFETY: descriptors from the caller.
    let (a, da, x, dx) = unsafe { trsv_forward(blas, upper, trans, unit, a, da, x, dx)? };
    // bbar = op(A)^-T xbar; op(A)bar = -bbar x^T.
    trv(blas, true, upper, !trans, unit, a, dx);
    if trans {
        add_to_triangle(blas, upper, unit, -1.0, x, dx, da);
    } else {
        add_to_triangle(blas, upper, unit, -1.0, dx, x, da);
    }
    Ok(())
}}

blas_fn! { fn dtrsv_tangent(upper: u8, trans: u8, unit: u8, a: M, da: M, x: V, dx: V) -> () {
    let blas = openblas()?;
    let (upper, trans, unit) = (flag(upper), flag(trans), flag(unit));
    // SAFETY: descriptors from the caller.
    let (a, da, x, dx) = unsafe { trsv_forward(blas, upper, trans, unit, a, da, x, dx)? };
    // dx := op(A)^-1 (dx - op(dA) x), dA the triangle read (no diagonal if unit).
    let product = Owned::zeros(x.n, 1);
    copy_vector(blas, x, product.vect());
    trv(blas, false, upper, trans, false, da, product.vect());
    if unit {
        for i in 0..x.n {
            // SAFETY: element i of x, of product and of dA's diagonal.
            unsafe { *product.vect().ptr.add(i) -= *da.at(i, i) * *x.ptr.add(i * x.inc) };
        }
    }
    axpy(blas, -1.0, product.vect(), dx);
    trv(blas, true, upper, trans, unit, a, dx);
    Ok(())
}}

// --- dgetrf: A = P^T L U in place, info

fn getrf_checked(blas: &OpenBlas, routine: &str, a: Mat, pivots: &[*mut i32], derivative: bool) -> Result<(i32, Vec<usize>), String> {
    let info = getrf(blas, a, pivots);
    if derivative && info > 0 {
        return Err(format!(
            "{routine}: the matrix is singular (U[{0}][{0}] = 0 in its LU factors): the derivative of the \
             factorization does not exist there",
            info - 1
        ));
    }
    let rows = if info == 0 { read_pivots(pivots, routine)? } else { Vec::new() };
    Ok((info, rows))
}

/// The start of dgetrf's derivatives: `A` and its shadow, checked, and `A`
/// factored in place (it must not be singular); the pivots as rows.
///
/// # Safety
/// Valid descriptors.
unsafe fn getrf_forward(blas: &OpenBlas, a: M, da: M, ipiv: P) -> Result<(Mat, Mat, i32, Vec<usize>), String> {
    // SAFETY: the caller's promise.
    let (a, da) = unsafe { matrix_and_shadow(a, da, "dgetrf", "A")? };
    square("dgetrf", "A", &a)?;
    // SAFETY: the caller's promise.
    let pivots = unsafe { pivots(ipiv, a.rows, "dgetrf")? };
    let (info, rows) = getrf_checked(blas, "dgetrf", a, &pivots, true)?;
    Ok((a, da, info, rows))
}

blas_fn! { fn dgetrf(a: M, ipiv: P) -> i32 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let a = unsafe { matrix(a, "dgetrf", "A")? };
    square("dgetrf", "A", &a)?;
    // SAFETY: a descriptor from the caller.
    let pivots = unsafe { pivots(ipiv, a.rows, "dgetrf")? };
    Ok(getrf(blas, a, &pivots))
}}

blas_fn! { fn dgetrf_adjoint(a: M, da: M, ipiv: P) -> i32 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (a, da, info, rows) = unsafe { getrf_forward(blas, a, da, ipiv)? };
    let factors_bar = Owned::copy_of(da, blas);
    getrf_reverse(blas, a, &rows, factors_bar.mat(), da);
    Ok(info)
}}

blas_fn! { fn dgetrf_tangent(a: M, da: M, ipiv: P) -> i32 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (a, da, info, rows) = unsafe { getrf_forward(blas, a, da, ipiv)? };
    let a_dot = Owned::copy_of(da, blas);
    getrf_tangent(blas, a, &rows, a_dot.mat(), da);
    Ok(info)
}}

// --- dgetrs: B := op(A)^-1 B from dgetrf's factors

fn solve_shapes(routine: &str, a: &Mat, b: &Mat) -> Result<(), String> {
    square(routine, "A", a)?;
    if b.rows != a.rows {
        return Err(format!("{routine}: A is {} and B {}; B needs {} rows", shape(a), shape(b), a.rows));
    }
    Ok(())
}

/// The start of dgetrs's derivatives: the operands and their shadows,
/// checked, the pivots as rows, and `B` made the solution `X`.
///
/// # Safety
/// Valid descriptors.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
unsafe fn getrs_forward(blas: &OpenBlas, trans: bool, lu: M, dlu: M, ipiv: P, b: M, db: M) -> Result<(Mat, Mat, Vec<usize>, Mat, Mat), String> {
    // SAFETY: the caller's promise.
    let ((lu, dlu), (b, db)) = unsafe { (matrix_and_shadow(lu, dlu, "dgetrs", "LU")?, matrix_and_shadow(b, db, "dgetrs", "B")?) };
    solve_shapes("dgetrs", &lu, &b)?;
    // SAFETY: the caller's promise.
    let rows = read_pivots(&unsafe { pivots(ipiv, lu.rows, "dgetrs")? }, "dgetrs")?;
    getrs(blas, trans, lu, &rows, b);
    Ok((lu, dlu, rows, b, db))
}

blas_fn! { fn dgetrs(trans: u8, lu: M, ipiv: P, b: M) -> () {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (lu, b) = unsafe { (matrix(lu, "dgetrs", "LU")?, matrix(b, "dgetrs", "B")?) };
    solve_shapes("dgetrs", &lu, &b)?;
    // SAFETY: a descriptor from the caller.
    let rows = read_pivots(&unsafe { pivots(ipiv, lu.rows, "dgetrs")? }, "dgetrs")?;
    getrs(blas, flag(trans), lu, &rows, b);
    Ok(())
}}

blas_fn! { fn dgetrs_adjoint(trans: u8, lu: M, dlu: M, ipiv: P, b: M, db: M) -> () {
    let blas = openblas()?;
    let trans = flag(trans);
    // SAFETY: descriptors from the caller.
    let (lu, dlu, rows, x, db) = unsafe { getrs_forward(blas, trans, lu, dlu, ipiv, b, db)? };
    getrs_reverse(blas, trans, lu, &rows, x, db, dlu);
    Ok(())
}}

blas_fn! { fn dgetrs_tangent(trans: u8, lu: M, dlu: M, ipiv: P, b: M, db: M) -> () {
    let blas = openblas()?;
    let trans = flag(trans);
    // SAFETY: descriptors from the caller.
    let (lu, dlu, rows, x, db) = unsafe { getrs_forward(blas, trans, lu, dlu, ipiv, b, db)? };
    getrs_tangent(blas, trans, lu, &rows, dlu, x, db);
    Ok(())
}}

// --- dgesv: A := LU, B := A^-1 B, info

/// The start of dgesv's derivatives: the operands and their shadows,
/// checked, `A` factored in place (it must not be singular), the pivots as
/// rows, and `B` made the solution `X`.
///
/// # Safety
/// Valid descriptors.
#[allow(clippy::type_complexity)]
unsafe fn gesv_forward(blas: &OpenBlas, a: M, da: M, ipiv: P, b: M, db: M) -> Result<(Mat, Mat, i32, Vec<usize>, Mat, Mat), String> {
    // SAFETY: the caller's promise.
    let ((a, da), (b, db)) = unsafe { (matrix_and_shadow(a, da, "dgesv", "A")?, matrix_and_shadow(b, db, "dgesv", "B")?) };
    solve_shapes("dgesv", &a, &b)?;
    // SAFETY: the caller's promise.
    let pivots = unsafe { pivots(ipiv, a.rows, "dgesv")? };
    let (info, rows) = getrf_checked(blas, "dgesv", a, &pivots, true)?;
    getrs(blas, false, a, &rows, b);
    Ok((a, da, info, rows, b, db))
}

blas_fn! { fn dgesv(a: M, ipiv: P, b: M) -> i32 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (a, b) = unsafe { (matrix(a, "dgesv", "A")?, matrix(b, "dgesv", "B")?) };
    solve_shapes("dgesv", &a, &b)?;
    // SAFETY: a descriptor from the caller.
    let pivots = unsafe { pivots(ipiv, a.rows, "dgesv")? };
    let (info, rows) = getrf_checked(blas, "dgesv", a, &pivots, false)?;
    if info == 0 {
        getrs(blas, false, a, &rows, b);
    }
    Ok(info)
}}

blas_fn! { fn dgesv_adjoint(a: M, da: M, ipiv: P, b: M, db: M) -> i32 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (a, da, info, rows, x, db) = unsafe { gesv_forward(blas, a, da, ipiv, b, db)? };
    // The factors' adjoint: what came after (in dA) plus the solve's share.
    let factors_bar = Owned::copy_of(da, blas);
    getrs_reverse(blas, false, a, &rows, x, db, factors_bar.mat());
    getrf_reverse(blas, a, &rows, factors_bar.mat(), da);
    Ok(info)
}}

blas_fn! { fn dgesv_tangent(a: M, da: M, ipiv: P, b: M, db: M) -> i32 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (a, da, info, rows, x, db) = unsafe { gesv_forward(blas, a, da, ipiv, b, db)? };
    let a_dot = Owned::copy_of(da, blas);
    getrf_tangent(blas, a, &rows, a_dot.mat(), da);
    getrs_tangent(blas, false, a, &rows, da, x, db);
    Ok(info)
}}

// --- dpotrf: A = L L^T (or U^T U) in one triangle, info

/// The lower-triangle view of the factored matrix (`upper`: its transpose).
fn cholesky_view(upper: u8, a: Mat) -> Mat {
    if flag(upper) { a.t() } else { a }
}

/// The start of dpotrf's derivatives: the lower-triangle views of `A` and
/// its shadow, checked, and `A` factored in place (it must be positive
/// definite).
///
/// # Safety
/// Valid descriptors.
unsafe fn potrf_forward(blas: &OpenBlas, upper: u8, a: M, da: M) -> Result<(Mat, Mat, i32), String> {
    // SAFETY: the caller's promise.
    let (a, da) = unsafe { matrix_and_shadow(a, da, "dpotrf", "A")? };
    square("dpotrf", "A", &a)?;
    let l = cholesky_view(upper, a);
    let info = potrf(blas, l);
    if info > 0 {
        return Err(format!(
            "dpotrf: the matrix is not positive definite (its leading minor of order {info} is not): the \
             derivative of the factorization does not exist there"
        ));
    }
    Ok((l, cholesky_view(upper, da), info))
}

blas_fn! { fn dpotrf(upper: u8, a: M) -> i32 {
    let blas = openblas()?;
    // SAFETY: a descriptor from the caller.
    let a = unsafe { matrix(a, "dpotrf", "A")? };
    square("dpotrf", "A", &a)?;
    Ok(potrf(blas, cholesky_view(upper, a)))
}}

blas_fn! { fn dpotrf_adjoint(upper: u8, a: M, da: M) -> i32 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (l, l_bar, info) = unsafe { potrf_forward(blas, upper, a, da)? };
    // Abar = L^-T Phi(L^T Lbar) L^-1 for a symmetric perturbation; the
    // lower triangle is what was read: (i, j) and (j, i) fold into i > j.
    let m = extract(l_bar, Part::Lower);
    trm(blas, false, true, false, true, false, 1.0, l, m.mat());
    let phi = halve_diagonal_lower(&m);
    trm(blas, true, true, false, true, false, 1.0, l, phi.mat());
    trm(blas, true, false, false, false, false, 1.0, l, phi.mat());
    let folded = Owned::copy_of(phi.mat(), blas);
    axpy_matrix(blas, 1.0, phi.mat().t(), folded.mat());
    // The diagonal, counted twice above, once.
    scale_diagonal(folded.mat(), 0.5);
    put(folded.mat(), l_bar, Part::Lower, false);
    Ok(info)
}}

blas_fn! { fn dpotrf_tangent(upper: u8, a: M, da: M) -> i32 {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (l, l_dot, info) = unsafe { potrf_forward(blas, upper, a, da)? };
    // dL = L Phi(L^-1 dA L^-T), dA the symmetric matrix of the lower triangle.
    let m = extract(l_dot, Part::Lower);
    let strict = extract(l_dot, Part::StrictLower);
    axpy_matrix(blas, 1.0, strict.mat().t(), m.mat());
    trm(blas, true, true, false, false, false, 1.0, l, m.mat());
    trm(blas, true, false, false, true, false, 1.0, l, m.mat());
    let phi = halve_diagonal_lower(&m);
    trm(blas, false, true, false, false, false, 1.0, l, phi.mat());
    put(phi.mat(), l_dot, Part::Lower, false);
    Ok(info)
}}

// --- dpotrs: B := A^-1 B from dpotrf's factor

/// The start of dpotrs's derivatives: the operands and their shadows,
/// checked, the factors as lower-triangle views, and `B` made the solution
/// `X`.
///
/// # Safety
/// Valid descriptors.
unsafe fn potrs_forward(blas: &OpenBlas, upper: u8, l: M, dl: M, b: M, db: M) -> Result<(Mat, Mat, Mat, Mat), String> {
    // SAFETY: the caller's promise.
    let ((l, dl), (b, db)) = unsafe { (matrix_and_shadow(l, dl, "dpotrs", "A")?, matrix_and_shadow(b, db, "dpotrs", "B")?) };
    solve_shapes("dpotrs", &l, &b)?;
    let (l, dl) = (cholesky_view(upper, l), cholesky_view(upper, dl));
    potrs(blas, l, b);
    Ok((l, dl, b, db))
}

blas_fn! { fn dpotrs(upper: u8, l: M, b: M) -> () {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (l, b) = unsafe { (matrix(l, "dpotrs", "A")?, matrix(b, "dpotrs", "B")?) };
    solve_shapes("dpotrs", &l, &b)?;
    potrs(blas, cholesky_view(upper, l), b);
    Ok(())
}}

blas_fn! { fn dpotrs_adjoint(upper: u8, l: M, dl: M, b: M, db: M) -> () {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (l, dl, x, db) = unsafe { potrs_forward(blas, upper, l, dl, b, db)? };
    potrs(blas, l, db);
    // Abar = -Bbar X^T; A = L L^T: Lbar = (Abar + Abar^T) L, lower part.
    let n = l.rows;
    let s = Owned::zeros(n, n);
    gemm(blas, false, db, true, x, -1.0, 0.0, s.mat());
    gemm(blas, false, x, true, db, -1.0, 1.0, s.mat());
    let factor = extract(l, Part::Lower);
    let l_bar = Owned::zeros(n, n);
    gemm(blas, false, s.mat(), false, factor.mat(), 1.0, 0.0, l_bar.mat());
    put(l_bar.mat(), dl, Part::Lower, true);
    Ok(())
}}

blas_fn! { fn dpotrs_tangent(upper: u8, l: M, dl: M, b: M, db: M) -> () {
    let blas = openblas()?;
    // SAFETY: descriptors from the caller.
    let (l, dl, x, db) = unsafe { potrs_forward(blas, upper, l, dl, b, db)? };
    // dX = A^-1 (dB - dA X), dA X = dL (L^T X) + L (dL^T X).
    let first = Owned::copy_of(x, blas);
    trm(blas, false, true, false, true, false, 1.0, l, first.mat());
    trm(blas, false, true, false, false, false, 1.0, dl, first.mat());
    let second = Owned::copy_of(x, blas);
    trm(blas, false, true, false, true, false, 1.0, dl, second.mat());
    trm(blas, false, true, false, false, false, 1.0, l, second.mat());
    axpy_matrix(blas, -1.0, first.mat(), db);
    axpy_matrix(blas, -1.0, second.mat(), db);
    potrs(blas, l, db);
    Ok(())
}}

/// The functions zad binds for the routines and their derivatives: the
/// routines under MLIR's C-interface names, the derivatives under the
/// symbols `crate::blas` declares.
pub(super) fn builtin(name: &str) -> Option<*mut c_void> {
    macro_rules! table {
        ($($routine:ident, $adjoint:ident, $tangent:ident;)*) => {
            $(
                if name == stringify!($routine) {
                    return Some($routine as *mut c_void);
                }
                if name.strip_prefix(crate::blas::ADJOINT_PREFIX) == Some(stringify!($routine)) {
                    return Some($adjoint as *mut c_void);
                }
                if name.strip_prefix(crate::blas::TANGENT_PREFIX) == Some(stringify!($routine)) {
                    return Some($tangent as *mut c_void);
                }
            )*
        };
    }
    table! {
        ddot, ddot_adjoint, ddot_tangent;
        daxpy, daxpy_adjoint, daxpy_tangent;
        dscal, dscal_adjoint, dscal_tangent;
        dnrm2, dnrm2_adjoint, dnrm2_tangent;
        dgemv, dgemv_adjoint, dgemv_tangent;
        dgemm, dgemm_adjoint, dgemm_tangent;
        dtrsv, dtrsv_adjoint, dtrsv_tangent;
        dgetrf, dgetrf_adjoint, dgetrf_tangent;
        dgetrs, dgetrs_adjoint, dgetrs_tangent;
        dgesv, dgesv_adjoint, dgesv_tangent;
        dpotrf, dpotrf_adjoint, dpotrf_tangent;
        dpotrs, dpotrs_adjoint, dpotrs_tangent;
    }
    None
}
