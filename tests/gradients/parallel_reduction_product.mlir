// A product reduction (mulf) of factors near 1 (so that products of
// many stay finite) next to a sum over the same loop: differentiated
// through the loop's sequential form (product reductions are not
// differentiated in parallel).
// GRAD: product
// ARG: array 7 0.5 1.5
// ARG: scalar
func.func @product(%x: memref<?xf64>, %s: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %one = arith.constant 1.0 : f64
  %tenth = arith.constant 0.001 : f64
  %zero = arith.constant 0.0 : f64
  %p, %q = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%one, %zero) -> (f64, f64) {
    %v = memref.load %x[%i] : memref<?xf64>
    %sv = arith.mulf %s, %v : f64
    %e = math.sin %sv : f64
    %g = arith.mulf %e, %tenth : f64
    %f = arith.addf %g, %one : f64
    scf.reduce(%f, %v : f64, f64) {
    ^bb0(%a: f64, %b: f64):
      %ab = arith.mulf %a, %b : f64
      scf.reduce.return %ab : f64
    }, {
    ^bb0(%a: f64, %b: f64):
      %ab = arith.addf %a, %b : f64
      scf.reduce.return %ab : f64
    }
  }
  %r = arith.mulf %p, %q : f64
  return %r : f64
}
