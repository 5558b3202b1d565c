// A result that does not depend on the active inputs at all (it is
// computed from a const argument and constants, while the active inputs
// only feed dead code and an integer): every gradient must be 0.
// ACTIVITY: active,dup,const
// GRAD: constant_result
// ARG: scalar -1.0 1.0
// ARG: array 5
// ARG: fixed 0.75
func.func @constant_result(%x: f64, %a: memref<?xf64>, %c: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %dead = math.exp %x : f64
  %v = memref.load %a[%c0] : memref<?xf64>
  %i = arith.fptosi %v : f64 to i64
  %one = arith.constant 1.0 : f64
  %cc = arith.mulf %c, %c : f64
  %f = arith.addf %cc, %one : f64
  return %f : f64
}
