// An scf.for nested in an scf.while: the inner loop's iterations cannot be
// counted before the nest runs, so what it records goes on a growing stack
// tape (!zad.tape) rather than a preallocated one. Each sweep smooths the
// array in place until its first element falls below a threshold.
// ADJOINT: f dup,active
// ARGS: [[4.0, 1.0, -2.0, 3.0], 0.9]

func.func @f(%x: memref<?xf64>, %decay: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %threshold = arith.constant 1.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  scf.while : () -> () {
    %first = memref.load %x[%c0] : memref<?xf64>
    %big = arith.cmpf ogt, %first, %threshold : f64
    scf.condition(%big)
  } do {
    scf.for %i = %c0 to %n step %c1 {
      %v = memref.load %x[%i] : memref<?xf64>
      %scaled = arith.mulf %v, %decay : f64
      %s = math.sin %v : f64
      %tenth = arith.constant 0.1 : f64
      %wiggle = arith.mulf %s, %tenth : f64
      %new = arith.addf %scaled, %wiggle : f64
      memref.store %new, %x[%i] : memref<?xf64>
    }
    scf.yield
  }
  %total = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %x[%i] : memref<?xf64>
    %square = arith.mulf %v, %v : f64
    %next = arith.addf %acc, %square : f64
    scf.yield %next : f64
  }
  return %total : f64
}
