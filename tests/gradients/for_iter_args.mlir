// scf.for with three float iter_args that feed each other (a running sum,
// a running product and an exponential moving average), all active:
// s += a_i, p *= (1 + 0.1 a_i s), m = 0.7 m + 0.3 sin(a_i p);
// f = s * m + p.
// GRAD: coupled_accumulators
// ARG: array 13
func.func @coupled_accumulators(%a: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %tenth = arith.constant 0.1 : f64
  %decay = arith.constant 0.7 : f64
  %gain = arith.constant 0.3 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s, %p, %m = scf.for %i = %c0 to %n step %c1 iter_args(%s0 = %zero, %p0 = %one, %m0 = %zero) -> (f64, f64, f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %s1 = arith.addf %s0, %x : f64
    %xs = arith.mulf %x, %s1 : f64
    %t = arith.mulf %tenth, %xs : f64
    %g = arith.addf %one, %t : f64
    %p1 = arith.mulf %p0, %g : f64
    %xp = arith.mulf %x, %p1 : f64
    %sn = math.sin %xp : f64
    %dm = arith.mulf %decay, %m0 : f64
    %gs = arith.mulf %gain, %sn : f64
    %m1 = arith.addf %dm, %gs : f64
    scf.yield %s1, %p1, %m1 : f64, f64, f64
  }
  %sm = arith.mulf %s, %m : f64
  %f = arith.addf %sm, %p : f64
  return %f : f64
}
