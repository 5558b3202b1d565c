// Every iteration reads one of the first four elements (i & 3: no
// division, which is a checked op and would keep the loop on one thread)
// besides its own, and writes its own element of another buffer: in the
// reverse sweep every iteration adds to one of the same four adjoints
// (atomically), while each own element's adjoint is added plainly.
// GRAD: broadcast
// ARG: array 64
// ARG: scalar 0.5 1.5
func.func @broadcast(%x: memref<?xf64>, %k: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %y = memref.alloc(%n) : memref<?xf64>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %j = arith.andi %i, %c3 : index
    %a = memref.load %x[%j] : memref<?xf64>
    %b = memref.load %x[%i] : memref<?xf64>
    %s = math.sin %a : f64
    %ks = arith.mulf %k, %s : f64
    %p = arith.mulf %ks, %b : f64
    memref.store %p, %y[%i] : memref<?xf64>
    scf.reduce
  }
  %zero = arith.constant 0.0 : f64
  %total = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f64 {
    %v = memref.load %y[%i] : memref<?xf64>
    %vv = arith.mulf %v, %v : f64
    scf.reduce(%vv : f64) {
    ^bb0(%l: f64, %r: f64):
      %lr = arith.addf %l, %r : f64
      scf.reduce.return %lr : f64
    }
  }
  memref.dealloc %y : memref<?xf64>
  return %total : f64
}
