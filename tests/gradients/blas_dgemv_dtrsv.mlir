// dgemv and dtrsv on OpenBLAS: y = alpha A x + beta y, z = A^T y (into a
// fresh buffer), then the four kinds of triangular solve with T (lower,
// upper, transposed, unit diagonal) on z in turn; f = |z|^2 (ddot).
// T's elements lie in [1, 2), so that the solves are well conditioned.
// GRAD: blas_dgemv_dtrsv
// ARG: scalar 0.5 1.5
// ARG: scalar -1 1
// ARG: array 4x3
// ARG: array 3
// ARG: array 4
// ARG: array 3x3 1 2
func.func private @dgemv(i1, f64, memref<?x?xf64>, memref<?xf64>, f64, memref<?xf64>)
func.func private @dtrsv(i1, i1, i1, memref<?x?xf64>, memref<?xf64>)
func.func private @ddot(memref<?xf64>, memref<?xf64>) -> f64
func.func @blas_dgemv_dtrsv(%alpha: f64, %beta: f64, %a: memref<?x?xf64>, %x: memref<?xf64>, %y: memref<?xf64>,
                            %t: memref<?x?xf64>) -> f64 {
  %no = arith.constant false
  %yes = arith.constant true
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  func.call @dgemv(%no, %alpha, %a, %x, %beta, %y) : (i1, f64, memref<?x?xf64>, memref<?xf64>, f64, memref<?xf64>) -> ()
  %z0 = memref.alloc() : memref<3xf64>
  %z = memref.cast %z0 : memref<3xf64> to memref<?xf64>
  func.call @dgemv(%yes, %one, %a, %y, %zero, %z) : (i1, f64, memref<?x?xf64>, memref<?xf64>, f64, memref<?xf64>) -> ()
  func.call @dtrsv(%no, %no, %no, %t, %z) : (i1, i1, i1, memref<?x?xf64>, memref<?xf64>) -> ()
  func.call @dtrsv(%yes, %no, %no, %t, %z) : (i1, i1, i1, memref<?x?xf64>, memref<?xf64>) -> ()
  func.call @dtrsv(%no, %yes, %yes, %t, %z) : (i1, i1, i1, memref<?x?xf64>, memref<?xf64>) -> ()
  func.call @dtrsv(%yes, %yes, %yes, %t, %z) : (i1, i1, i1, memref<?x?xf64>, memref<?xf64>) -> ()
  %r = func.call @ddot(%z, %z) : (memref<?xf64>, memref<?xf64>) -> f64
  memref.dealloc %z0 : memref<3xf64>
  return %r : f64
}
