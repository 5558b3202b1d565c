// math.fma with all three operands active: a dot product accumulated with
// fused multiply-adds, then squared: f = (fma chain over a, b from c)^2.
// GRAD: fused_dot
// ARG: array 13
// ARG: array 13
// ARG: scalar
func.func @fused_dot(%a: memref<?xf64>, %b: memref<?xf64>, %c: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %c) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %y = memref.load %b[%i] : memref<?xf64>
    %next = math.fma %x, %y, %acc : f64
    scf.yield %next : f64
  }
  %f = arith.mulf %s, %s : f64
  return %f : f64
}
