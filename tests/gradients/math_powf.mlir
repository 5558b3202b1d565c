// math.powf with an active base and an active exponent (base > 0), over
// an array of bases: f = sum a_i ^ (p + 0.1 i).
// GRAD: powers
// ARG: array 7 0.3 2.5
// ARG: scalar 0.5 2.5
func.func @powers(%a: memref<?xf64>, %p: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %tenth = arith.constant 0.1 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %ii = arith.index_cast %i : index to i64
    %fi = arith.sitofp %ii : i64 to f64
    %di = arith.mulf %fi, %tenth : f64
    %e = arith.addf %p, %di : f64
    %y = math.powf %x, %e : f64
    %next = arith.addf %acc, %y : f64
    scf.yield %next : f64
  }
  return %s : f64
}
