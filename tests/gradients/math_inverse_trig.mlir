// math.asin, math.acos and math.atan over an array (|a[i]| < 0.9, inside
// the domain of asin/acos): f = sum asin(a_i) * acos(0.5 a_i) + atan(3 a_i).
// GRAD: inverse_trig
// ARG: array 7 -0.9 0.9
func.func @inverse_trig(%a: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %half = arith.constant 0.5 : f64
  %three = arith.constant 3.0 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %as = math.asin %x : f64
    %hx = arith.mulf %half, %x : f64
    %ac = math.acos %hx : f64
    %p = arith.mulf %as, %ac : f64
    %tx = arith.mulf %three, %x : f64
    %at = math.atan %tx : f64
    %q = arith.addf %p, %at : f64
    %next = arith.addf %acc, %q : f64
    scf.yield %next : f64
  }
  return %s : f64
}
