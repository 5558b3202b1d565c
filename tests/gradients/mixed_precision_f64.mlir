// arith.truncf inside an f64 kernel: a weight computed in f32 from an
// active f64 value and widened again (the difference quotient sees f32
// rounding, hence a larger step: its noise, an f32 ulp over 2h, is then
// 3e-5), f = sum_i a_i * ext(trunc(sin(a_i))).
// GRAD: narrowed_weights
// ARG: array 7 -1.0 1.0
// STEP: 1e-3
// TOLERANCE: 1e-3
func.func @narrowed_weights(%a: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %sv = math.sin %v : f64
    %w = arith.truncf %sv : f64 to f32
    %wd = arith.extf %w : f32 to f64
    %p = arith.mulf %v, %wd : f64
    %next = arith.addf %acc, %p : f64
    scf.yield %next : f64
  }
  return %s : f64
}
