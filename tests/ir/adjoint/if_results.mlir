// scf.if with results, nested in a loop: a piecewise function of each
// element (x^2 sin(w) where x > 0, x w otherwise). The reverse sweep
// re-tests the condition and sends the result's adjoint into the branch
// that ran.
// ADJOINT: f dup,active
// ARGS: [[1.5, -0.5, 2.0, -1.25, 0.75], 0.6]

func.func @f(%x: memref<?xf64>, %w: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %total = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %x[%i] : memref<?xf64>
    %positive = arith.cmpf ogt, %v, %zero : f64
    %term = scf.if %positive -> (f64) {
      %square = arith.mulf %v, %v : f64
      %s = math.sin %w : f64
      %scaled = arith.mulf %square, %s : f64
      scf.yield %scaled : f64
    } else {
      %linear = arith.mulf %v, %w : f64
      scf.yield %linear : f64
    }
    %next = arith.addf %acc, %term : f64
    scf.yield %next : f64
  }
  return %total : f64
}
