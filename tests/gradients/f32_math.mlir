// f32 versions of math ops (their rules emit f32 constants and f32
// arithmetic): tan, exp2, log2, log10, erf, atanh, cbrt, sinh, powf on
// f32 scalars and an f32 array. f = sum_i exp2(a_i) log2(2 + a_i^2) + ...
// GRAD: math32
// ARG: array 7 -0.8 0.8
// ARG: scalar 0.5 1.5
func.func @math32(%a: memref<?xf32>, %x: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %n = memref.dim %a, %c0 : memref<?xf32>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %v = memref.load %a[%i] : memref<?xf32>
    %e2 = math.exp2 %v : f32
    %vv = arith.mulf %v, %v : f32
    %t = arith.addf %two, %vv : f32
    %l2 = math.log2 %t : f32
    %p = arith.mulf %e2, %l2 : f32
    %vx = arith.mulf %v, %x : f32
    %tn = math.tan %vx : f32
    %er = math.erf %v : f32
    %ath = math.atanh %v : f32
    %q = arith.mulf %tn, %er : f32
    %r = arith.addf %p, %q : f32
    %r2 = arith.addf %r, %ath : f32
    %acc2 = arith.addf %acc, %r2 : f32
    scf.yield %acc2 : f32
  }
  %l10 = math.log10 %x : f32
  %cb = math.cbrt %x : f32
  %sh = math.sinh %x : f32
  %pw = math.powf %x, %sh : f32
  %u = arith.addf %l10, %cb : f32
  %w = arith.addf %u, %pw : f32
  %f = arith.addf %s, %w : f32
  return %f : f32
}
