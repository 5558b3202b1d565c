// scf.if whose branches yield values defined outside them (an if used as a
// select of outer values, inside a loop and at the top level), and a value
// used in both branches and after the if:
// f = sum_i (a_i > b_i ? a_i : b_i * x) * a_i + (x > 0 ? x : y).
// GRAD: outer_yields
// ARG: array 7
// ARG: array 7
// ARG: scalar -1.0 1.0
// ARG: scalar -1.0 1.0
func.func @outer_yields(%a: memref<?xf64>, %b: memref<?xf64>, %x: f64, %y: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %ai = memref.load %a[%i] : memref<?xf64>
    %bi = memref.load %b[%i] : memref<?xf64>
    %bx = arith.mulf %bi, %x : f64
    %gt = arith.cmpf ogt, %ai, %bi : f64
    %m = scf.if %gt -> (f64) {
      scf.yield %ai : f64
    } else {
      scf.yield %bx : f64
    }
    %p = arith.mulf %m, %ai : f64
    %acc2 = arith.addf %acc, %p : f64
    scf.yield %acc2 : f64
  }
  %xpos = arith.cmpf ogt, %x, %zero : f64
  %t = scf.if %xpos -> (f64) {
    scf.yield %x : f64
  } else {
    scf.yield %y : f64
  }
  %f = arith.addf %s, %t : f64
  return %f : f64
}
