// Sample mean and covariance matrix of m observations of n variables,
// given as a row-major (C) matrix x[m][n], one observation per row:
//
//   mean[a]   = (1/m)     sum_i x[i, a]
//   cov[a, b] = (1/(m-1)) sum_i (x[i, a] - mean[a]) (x[i, b] - mean[b])
//
// Both results are new arrays that the kernel allocates (memref.alloc);
// zad copies them out to the caller and frees them. The sums run over i in
// increasing order, as in the C++ reference of covariance.cpp.
// Needs m >= 2.

func.func @covariance(%x: memref<?x?xf64>) -> (memref<?xf64>, memref<?x?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %m = memref.dim %x, %c0 : memref<?x?xf64>
  %n = memref.dim %x, %c1 : memref<?x?xf64>
  %m_i64 = arith.index_cast %m : index to i64
  %m_f64 = arith.sitofp %m_i64 : i64 to f64
  %m_minus_1 = arith.subi %m, %c1 : index
  %dof_i64 = arith.index_cast %m_minus_1 : index to i64
  %dof = arith.sitofp %dof_i64 : i64 to f64

  %mean = memref.alloc(%n) : memref<?xf64>
  scf.for %a = %c0 to %n step %c1 {
    %sum = scf.for %i = %c0 to %m step %c1 iter_args(%partial = %zero) -> (f64) {
      %value = memref.load %x[%i, %a] : memref<?x?xf64>
      %next = arith.addf %partial, %value : f64
      scf.yield %next : f64
    }
    %average = arith.divf %sum, %m_f64 : f64
    memref.store %average, %mean[%a] : memref<?xf64>
  }

  %cov = memref.alloc(%n, %n) : memref<?x?xf64>
  scf.for %a = %c0 to %n step %c1 {
    %mean_a = memref.load %mean[%a] : memref<?xf64>
    scf.for %b = %c0 to %n step %c1 {
      %mean_b = memref.load %mean[%b] : memref<?xf64>
      %sum = scf.for %i = %c0 to %m step %c1 iter_args(%partial = %zero) -> (f64) {
        %x_a = memref.load %x[%i, %a] : memref<?x?xf64>
        %x_b = memref.load %x[%i, %b] : memref<?x?xf64>
        %d_a = arith.subf %x_a, %mean_a : f64
        %d_b = arith.subf %x_b, %mean_b : f64
        %product = arith.mulf %d_a, %d_b : f64
        %next = arith.addf %partial, %product : f64
        scf.yield %next : f64
      }
      %value = arith.divf %sum, %dof : f64
      memref.store %value, %cov[%a, %b] : memref<?x?xf64>
    }
  }
  return %mean, %cov : memref<?xf64>, memref<?x?xf64>
}
