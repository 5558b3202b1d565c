// A parallel loop with two reductions (a sum and a product) over a
// 2-D iteration space: the derivative of a parallel loop is that of the
// same loop run in sequence (reductions reassociate, the value does not
// depend on the order up to rounding).
// GRAD: parallel_reduction
// ARG: array 4x3 0.5 1.5
// ARG: scalar
func.func @parallel_reduction(%a: memref<?x?xf64>, %s: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?x?xf64>
  %m = memref.dim %a, %c1 : memref<?x?xf64>
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %sum, %prod = scf.parallel (%i, %j) = (%c0, %c0) to (%n, %m) step (%c1, %c1) init (%zero, %one) -> (f64, f64) {
    %v = memref.load %a[%i, %j] : memref<?x?xf64>
    %e = math.sin %v : f64
    %t = arith.mulf %e, %s : f64
    scf.reduce(%t, %v : f64, f64) {
    ^bb0(%x: f64, %y: f64):
      %r = arith.addf %x, %y : f64
      scf.reduce.return %r : f64
    }, {
    ^bb0(%x: f64, %y: f64):
      %r = arith.mulf %x, %y : f64
      scf.reduce.return %r : f64
    }
  }
  %f = arith.addf %sum, %prod : f64
  return %f : f64
}
