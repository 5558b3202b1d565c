// A gather: each iteration reads its neighbours (clamped at the ends with
// index arithmetic) and writes its own element of another buffer, which a
// second parallel loop sums with weights from a read-only buffer. The
// reverse adds the neighbours' adjoints atomically, the own element's
// plainly.
// GRAD: gather
// ARG: array 11
// ARG: array 11 0.5 1.5
func.func @gather(%x: memref<?xf64>, %w: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %y = memref.alloc(%n) : memref<?xf64>
  %half = arith.constant 0.5 : f64
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %im0 = arith.subi %i, %c1 : index
    %left = arith.cmpi eq, %i, %c0 : index
    %im = arith.select %left, %c0, %im0 : index
    %ip0 = arith.addi %i, %c1 : index
    %right = arith.cmpi eq, %i, %last : index
    %ip = arith.select %right, %last, %ip0 : index
    %a = memref.load %x[%im] : memref<?xf64>
    %b = memref.load %x[%i] : memref<?xf64>
    %c = memref.load %x[%ip] : memref<?xf64>
    %ab = arith.mulf %a, %b : f64
    %cc = math.cos %c : f64
    %s = arith.addf %ab, %cc : f64
    %t = arith.mulf %s, %half : f64
    %bb = arith.mulf %b, %b : f64
    %y0 = arith.addf %t, %bb : f64
    memref.store %y0, %y[%i] : memref<?xf64>
    scf.reduce
  }
  %zero = arith.constant 0.0 : f64
  %total = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f64 {
    %yi = memref.load %y[%i] : memref<?xf64>
    %wi = memref.load %w[%i] : memref<?xf64>
    %p = arith.mulf %yi, %wi : f64
    %q = arith.mulf %p, %yi : f64
    scf.reduce(%q : f64) {
    ^bb0(%l: f64, %r: f64):
      %lr = arith.addf %l, %r : f64
      scf.reduce.return %lr : f64
    }
  }
  memref.dealloc %y : memref<?xf64>
  return %total : f64
}
