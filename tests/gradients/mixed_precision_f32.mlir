// arith.extf and arith.truncf on active values: f32 inputs widened to f64
// for an accumulation, the result narrowed back to f32.
// f = trunc(sum_i ext(a_i) * ext(x)^2 + exp(ext(a_i) / 4)).
// GRAD: mixed
// ARG: array 13
// ARG: scalar 0.5 1.5
func.func @mixed(%a: memref<?xf32>, %x: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %quarter = arith.constant 0.25 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf32>
  %xd = arith.extf %x : f32 to f64
  %xx = arith.mulf %xd, %xd : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf32>
    %vd = arith.extf %v : f32 to f64
    %p = arith.mulf %vd, %xx : f64
    %q = arith.mulf %vd, %quarter : f64
    %e = math.exp %q : f64
    %t = arith.addf %p, %e : f64
    %next = arith.addf %acc, %t : f64
    scf.yield %next : f64
  }
  %f = arith.truncf %s : f64 to f32
  return %f : f32
}
