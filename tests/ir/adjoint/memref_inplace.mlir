// Loads and stores in place: each element is overwritten with a nonlinear
// function of itself and its left neighbour's new value (a sweep), then the
// array is summed with weights. The reverse sweep needs the overwritten
// values; a store reads and clears the shadow, a load adds to it. The
// shadow returns d(result)/d(initial contents).
// ADJOINT: f dup,active
// ARGS: [[0.5, -1.0, 2.0, 0.25], 0.8]

func.func @f(%x: memref<?xf64>, %a: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  scf.for %i = %c1 to %n step %c1 {
    %im1 = arith.subi %i, %c1 : index
    %left = memref.load %x[%im1] : memref<?xf64>
    %v = memref.load %x[%i] : memref<?xf64>
    %square = arith.mulf %v, %v : f64
    %coupled = arith.mulf %a, %left : f64
    %new = arith.addf %square, %coupled : f64
    memref.store %new, %x[%i] : memref<?xf64>
  }
  %total = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %x[%i] : memref<?xf64>
    %i_i64 = arith.index_cast %i : index to i64
    %i_f64 = arith.sitofp %i_i64 : i64 to f64
    %weighted = arith.mulf %v, %i_f64 : f64
    %next = arith.addf %acc, %weighted : f64
    scf.yield %next : f64
  }
  return %total : f64
}
