// Edge cases of activity: an active scalar that is never used (gradient
// 0), a dup array that is only read for an integer-valued purpose (a
// comparison deciding a branch: gradient 0 a.e.), a dup array whose
// element is returned directly (gradient a unit vector), and a branch
// yielding a constant: f = (b_0 > 0 ? 2.5 : a_3) + a_3.
// GRAD: unused
// ARG: scalar -1.0 1.0
// ARG: array 7
// ARG: array 5
func.func @unused(%x: f64, %a: memref<?xf64>, %b: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f64
  %k = arith.constant 2.5 : f64
  %b0 = memref.load %b[%c0] : memref<?xf64>
  %a3 = memref.load %a[%c3] : memref<?xf64>
  %pos = arith.cmpf ogt, %b0, %zero : f64
  %r = scf.if %pos -> (f64) {
    scf.yield %k : f64
  } else {
    scf.yield %a3 : f64
  }
  %f = arith.addf %r, %a3 : f64
  return %f : f64
}
