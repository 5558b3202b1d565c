// Kinks: arith.select, arith.maximumf and arith.minimumf route the adjoint
// to the operand that was chosen (evaluated away from the kinks).
// ADJOINT: f dup,active
// ARGS: [[0.5, -1.5, 2.5, -0.25, 1.25], 0.4]

func.func @f(%x: memref<?xf64>, %t: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %cap = arith.constant 2.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %total = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %x[%i] : memref<?xf64>
    %relu = arith.maximumf %v, %zero : f64
    %capped = arith.minimumf %relu, %cap : f64
    %below = arith.cmpf olt, %v, %t : f64
    %vt = arith.mulf %v, %t : f64
    %chosen = arith.select %below, %vt, %capped : f64
    %next = arith.addf %acc, %chosen : f64
    scf.yield %next : f64
  }
  return %total : f64
}
