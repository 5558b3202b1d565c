// math.exp, math.exp2 and math.expm1 over an array:
// f = sum exp(-a_i^2) + exp2(0.5 a_i) * expm1(a_i).
// GRAD: exp_family
// ARG: array 13 -1.5 1.5
func.func @exp_family(%a: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %half = arith.constant 0.5 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %xx = arith.mulf %x, %x : f64
    %nxx = arith.negf %xx : f64
    %e = math.exp %nxx : f64
    %hx = arith.mulf %half, %x : f64
    %e2 = math.exp2 %hx : f64
    %em = math.expm1 %x : f64
    %p = arith.mulf %e2, %em : f64
    %q = arith.addf %e, %p : f64
    %next = arith.addf %acc, %q : f64
    scf.yield %next : f64
  }
  return %s : f64
}
