// math.absf and math.copysign with active magnitude and sign operands
// (kinks at 0 are almost surely missed by the random points):
// f = sum |a_i| * b_i + copysign(a_i^2 + 0.5, b_i - 0.2 a_i).
// GRAD: abs_copysign
// ARG: array 7 -2.0 2.0
// ARG: array 7 -2.0 2.0
func.func @abs_copysign(%a: memref<?xf64>, %b: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %half = arith.constant 0.5 : f64
  %k = arith.constant 0.2 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %y = memref.load %b[%i] : memref<?xf64>
    %ax = math.absf %x : f64
    %p = arith.mulf %ax, %y : f64
    %xx = arith.mulf %x, %x : f64
    %m = arith.addf %xx, %half : f64
    %kx = arith.mulf %k, %x : f64
    %sg = arith.subf %y, %kx : f64
    %cs = math.copysign %m, %sg : f64
    %q = arith.addf %p, %cs : f64
    %next = arith.addf %acc, %q : f64
    scf.yield %next : f64
  }
  return %s : f64
}
