// Level-1 BLAS on OpenBLAS: y += a x (daxpy), x *= a (dscal), then
// f = (x . y) * |y| (ddot, dnrm2). Every routine's adjoint and tangent is
// zad's built-in one.
// GRAD: blas_level1
// ARG: scalar 0.5 1.5
// ARG: array 7
// ARG: array 7
func.func private @ddot(memref<?xf64>, memref<?xf64>) -> f64
func.func private @daxpy(f64, memref<?xf64>, memref<?xf64>)
func.func private @dscal(f64, memref<?xf64>)
func.func private @dnrm2(memref<?xf64>) -> f64
func.func @blas_level1(%a: f64, %x: memref<?xf64>, %y: memref<?xf64>) -> f64 {
  func.call @daxpy(%a, %x, %y) : (f64, memref<?xf64>, memref<?xf64>) -> ()
  func.call @dscal(%a, %x) : (f64, memref<?xf64>) -> ()
  %d = func.call @ddot(%x, %y) : (memref<?xf64>, memref<?xf64>) -> f64
  %n = func.call @dnrm2(%y) : (memref<?xf64>) -> f64
  %r = arith.mulf %d, %n : f64
  return %r : f64
}
