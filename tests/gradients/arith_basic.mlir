// arith.addf, arith.subf, arith.mulf, arith.divf and arith.negf on active
// scalars and array elements: a rational function
// f = sum_i (a_i x - y) / (1 + (a_i + y)^2) - x / y.
// GRAD: rational
// ARG: array 7
// ARG: scalar -2.0 2.0
// ARG: scalar 0.5 2.0
func.func @rational(%a: memref<?xf64>, %x: f64, %y: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %ai = memref.load %a[%i] : memref<?xf64>
    %ax = arith.mulf %ai, %x : f64
    %num = arith.subf %ax, %y : f64
    %t = arith.addf %ai, %y : f64
    %tt = arith.mulf %t, %t : f64
    %den = arith.addf %one, %tt : f64
    %q = arith.divf %num, %den : f64
    %next = arith.addf %acc, %q : f64
    scf.yield %next : f64
  }
  %xy = arith.divf %x, %y : f64
  %nxy = arith.negf %xy : f64
  %f = arith.addf %s, %nxy : f64
  return %f : f64
}
