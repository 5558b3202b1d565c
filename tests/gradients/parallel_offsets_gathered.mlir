// A 2-D parallel loop over a part of the grid, i in [2, n-1) and j in
// [1, m-1), reading x at constant offsets (-2, 0), (1, 1) twice (once as
// 1 + i), and its own element, and y (stored transposed, y[j, i]) at
// (j-1, i) and (j, i+1): the reverse gathers both adjoints after the loop
// (an offset set with holes, a repeated offset, the loop's dimensions in
// another order than the buffer's), with no atomic addition. A second loop
// reads x at its own element only.
// GRAD: offsets
// ARG: array 7x6
// ARG: array 6x7
// ARG: scalar 0.5 1.5
func.func @offsets(%x: memref<?x?xf64>, %y: memref<?x?xf64>, %k: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %x, %c0 : memref<?x?xf64>
  %m = memref.dim %x, %c1 : memref<?x?xf64>
  %n1 = arith.subi %n, %c1 : index
  %m1 = arith.subi %m, %c1 : index
  %z = memref.alloc(%n, %m) : memref<?x?xf64>
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %m step %c1 {
      memref.store %zero, %z[%i, %j] : memref<?x?xf64>
    }
  }
  scf.parallel (%i, %j) = (%c2, %c1) to (%n1, %m1) step (%c1, %c1) {
    %im2 = arith.subi %i, %c2 : index
    %ip1 = arith.addi %i, %c1 : index
    %ip1b = arith.addi %c1, %i : index
    %jp1 = arith.addi %j, %c1 : index
    %jm1 = arith.subi %j, %c1 : index
    %a = memref.load %x[%im2, %j] : memref<?x?xf64>
    %b = memref.load %x[%ip1, %jp1] : memref<?x?xf64>
    %b2 = memref.load %x[%ip1b, %jp1] : memref<?x?xf64>
    %c = memref.load %x[%i, %j] : memref<?x?xf64>
    %t = memref.load %y[%jm1, %i] : memref<?x?xf64>
    %w = memref.load %y[%j, %ip1] : memref<?x?xf64>
    %ab = arith.mulf %a, %b : f64
    %sc = math.sin %c : f64
    %scb = arith.mulf %sc, %b2 : f64
    %tw = arith.mulf %t, %w : f64
    %twk = arith.mulf %tw, %k : f64
    %cc = arith.mulf %c, %c : f64
    %s1 = arith.addf %ab, %scb : f64
    %s2 = arith.addf %s1, %twk : f64
    %v = arith.addf %s2, %cc : f64
    memref.store %v, %z[%i, %j] : memref<?x?xf64>
    scf.reduce
  }
  %total = scf.parallel (%i, %j) = (%c0, %c0) to (%n, %m) step (%c1, %c1) init (%zero) -> f64 {
    %v = memref.load %z[%i, %j] : memref<?x?xf64>
    %xv = memref.load %x[%i, %j] : memref<?x?xf64>
    %p = arith.mulf %v, %xv : f64
    %q = arith.mulf %p, %v : f64
    scf.reduce(%q : f64) {
    ^bb0(%l: f64, %r: f64):
      %s = arith.addf %l, %r : f64
      scf.reduce.return %s : f64
    }
  }
  memref.dealloc %z : memref<?x?xf64>
  return %total : f64
}
