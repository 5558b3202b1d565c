// Parallel loops nested in parallel loops (rows in parallel, a reduction
// over each row inside), writing one value per row into a local buffer,
// then a parallel max-free sum of squares of the row values.
// GRAD: row_norms
// ARG: array 3x5
func.func @row_norms(%a: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?x?xf64>
  %m = memref.dim %a, %c1 : memref<?x?xf64>
  %zero = arith.constant 0.0 : f64
  %rows = memref.alloca(%n) : memref<?xf64>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %s = scf.parallel (%j) = (%c0) to (%m) step (%c1) init (%zero) -> f64 {
      %v = memref.load %a[%i, %j] : memref<?x?xf64>
      %e = math.exp %v : f64
      scf.reduce(%e : f64) {
      ^bb0(%x: f64, %y: f64):
        %r = arith.addf %x, %y : f64
        scf.reduce.return %r : f64
      }
    }
    %l = math.log %s : f64
    memref.store %l, %rows[%i] : memref<?xf64>
    scf.reduce
  }
  %t = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f64 {
    %x = memref.load %rows[%i] : memref<?xf64>
    %xx = arith.mulf %x, %x : f64
    scf.reduce(%xx : f64) {
    ^bb0(%x1: f64, %y1: f64):
      %r = arith.addf %x1, %y1 : f64
      scf.reduce.return %r : f64
    }
  }
  return %t : f64
}
