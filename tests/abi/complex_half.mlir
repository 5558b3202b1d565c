// Kernels with complex and half-precision arguments and results, for the
// C, C++ and Fortran programs of tests/abi (complex_half.*) and the suite
// tests/integration/complex.rs.

// The response of a damped oscillator bank to a complex drive z:
// f = sum_k |w_k z / (k + 1 + i c)|^2 * h, with w complex (written:
// w_k becomes w_k z), c real, h an f16 gain.
func.func @response(%z: complex<f64>, %w: memref<?xcomplex<f64>>, %c: f64, %h: f16) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %n = memref.dim %w, %c0 : memref<?xcomplex<f64>>
  %s = scf.for %k = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %wk = memref.load %w[%k] : memref<?xcomplex<f64>>
    %p = complex.mul %wk, %z : complex<f64>
    memref.store %p, %w[%k] : memref<?xcomplex<f64>>
    %ki = arith.index_cast %k : index to i64
    %kf = arith.sitofp %ki : i64 to f64
    %re = arith.addf %kf, %one : f64
    %d = complex.create %re, %c : complex<f64>
    %q = complex.div %p, %d : complex<f64>
    %m = complex.abs %q : complex<f64>
    %m2 = arith.mulf %m, %m : f64
    %acc2 = arith.addf %acc, %m2 : f64
    scf.yield %acc2 : f64
  }
  %hx = arith.extf %h : f16 to f64
  %f = arith.mulf %s, %hx : f64
  return %f : f64
}

// A complex result: the polynomial p(z) = sum_k a_k z^k (Horner), a
// complex<f32> array; and its value at z rounded through bf16 parts.
func.func @horner(%a: memref<?xcomplex<f32>>, %z: complex<f32>) -> complex<f32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xcomplex<f32>>
  %zero = complex.constant [0.0 : f32, 0.0 : f32] : complex<f32>
  %p = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (complex<f32>) {
    %j = arith.subi %n, %i : index
    %k = arith.subi %j, %c1 : index
    %ak = memref.load %a[%k] : memref<?xcomplex<f32>>
    %t = complex.mul %acc, %z : complex<f32>
    %u = complex.add %t, %ak : complex<f32>
    scf.yield %u : complex<f32>
  }
  return %p : complex<f32>
}

// Half precision in and out: y_i = x_i * s (bf16 scale), the sum as f16.
func.func @halves(%x: memref<?xf16>, %s: bf16) -> f16 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf16>
  %zero = arith.constant 0.0 : f16
  %sx = arith.extf %s : bf16 to f32
  %sh = arith.truncf %sx : f32 to f16
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f16) {
    %v = memref.load %x[%i] : memref<?xf16>
    %y = arith.mulf %v, %sh : f16
    memref.store %y, %x[%i] : memref<?xf16>
    %a = arith.addf %acc, %y : f16
    scf.yield %a : f16
  }
  return %r : f16
}
