// BLAS calls in a time loop, which reverse mode reverses step by step from
// snapshots (a checkpointed loop: each step's dgemv adjoint needs x and y
// as they were at its call): x <- tanh(A x), 5 steps, f = |x|^2.
// GRAD: blas_time_loop
// ARG: array 4x4
// ARG: array 4
// ARG: index 5
func.func private @dgemv(i1, f64, memref<?x?xf64>, memref<?xf64>, f64, memref<?xf64>)
func.func private @ddot(memref<?xf64>, memref<?xf64>) -> f64
func.func @blas_time_loop(%a: memref<?x?xf64>, %x: memref<?xf64>, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %no = arith.constant false
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %y = memref.alloc(%n) : memref<?xf64>
  scf.for %step = %c0 to %steps step %c1 {
    func.call @dgemv(%no, %one, %a, %x, %zero, %y) : (i1, f64, memref<?x?xf64>, memref<?xf64>, f64, memref<?xf64>) -> ()
    scf.for %i = %c0 to %n step %c1 {
      %v = memref.load %y[%i] : memref<?xf64>
      %t = math.tanh %v : f64
      memref.store %t, %x[%i] : memref<?xf64>
    }
  } {zad.checkpoint = "binomial", zad.snapshots = 2 : i64}
  %r = func.call @ddot(%x, %x) : (memref<?xf64>, memref<?xf64>) -> f64
  memref.dealloc %y : memref<?xf64>
  return %r : f64
}
