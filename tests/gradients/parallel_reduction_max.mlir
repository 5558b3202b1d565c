// A max reduction (arith.maximumf) of a function of each element, plus a
// sum: differentiated through the loop's sequential form (the derivative
// goes to the element attaining the maximum).
// GRAD: largest
// ARG: array 4x5
// ARG: scalar 0.5 2.0
func.func @largest(%x: memref<?x?xf64>, %s: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?x?xf64>
  %m = memref.dim %x, %c1 : memref<?x?xf64>
  %low = arith.constant -1.0e30 : f64
  %zero = arith.constant 0.0 : f64
  %big, %sum = scf.parallel (%i, %j) = (%c0, %c0) to (%n, %m) step (%c1, %c1) init (%low, %zero) -> (f64, f64) {
    %v = memref.load %x[%i, %j] : memref<?x?xf64>
    %sv = arith.mulf %s, %v : f64
    %e = math.sin %sv : f64
    %vv = arith.mulf %v, %e : f64
    scf.reduce(%e, %vv : f64, f64) {
    ^bb0(%a: f64, %b: f64):
      %ab = arith.maximumf %a, %b : f64
      scf.reduce.return %ab : f64
    }, {
    ^bb0(%a: f64, %b: f64):
      %ab = arith.addf %a, %b : f64
      scf.reduce.return %ab : f64
    }
  }
  %r = arith.addf %big, %sum : f64
  return %r : f64
}
