// A 1-D parallel stencil whose range is empty for this grid (i in [3, n-3)
// with n = 5), then one whose range is a single point (i in [2, 3)), both
// reading at offsets -2, +1 and +2: the gather after an empty reverse loop
// adds nothing, after a one-point loop exactly that point's contributions.
// GRAD: empty_and_single
// ARG: array 5
// ARG: scalar
func.func @empty_and_single(%x: memref<?xf64>, %k: f64) -> f64 {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %hi = arith.subi %n, %c3 : index
  %y = memref.alloc(%n) : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    memref.store %k, %y[%i] : memref<?xf64>
  }
  scf.parallel (%i) = (%c3) to (%hi) step (%c1) {
    %im = arith.subi %i, %c2 : index
    %ip = arith.addi %i, %c2 : index
    %a = memref.load %x[%im] : memref<?xf64>
    %b = memref.load %x[%ip] : memref<?xf64>
    %ab = arith.mulf %a, %b : f64
    memref.store %ab, %y[%i] : memref<?xf64>
    scf.reduce
  }
  scf.parallel (%i) = (%c2) to (%c3) step (%c1) {
    %im = arith.subi %i, %c2 : index
    %ip = arith.addi %i, %c1 : index
    %ipp = arith.addi %i, %c2 : index
    %a = memref.load %x[%im] : memref<?xf64>
    %b = memref.load %x[%ip] : memref<?xf64>
    %c = memref.load %x[%ipp] : memref<?xf64>
    %ab = arith.mulf %a, %b : f64
    %abc = arith.mulf %ab, %c : f64
    %e = math.exp %abc : f64
    memref.store %e, %y[%i] : memref<?xf64>
    scf.reduce
  }
  %total = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %v = memref.load %y[%i] : memref<?xf64>
    %xv = memref.load %x[%i] : memref<?xf64>
    %p = arith.mulf %v, %xv : f64
    %s = arith.addf %acc, %p : f64
    scf.yield %s : f64
  }
  memref.dealloc %y : memref<?xf64>
  return %total : f64
}
