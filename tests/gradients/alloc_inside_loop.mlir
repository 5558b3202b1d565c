// memref.alloc and memref.dealloc inside the loop body: each iteration
// builds a 3-element temporary from a row of the input, reduces it
// nonlinearly and frees it: f = sum_i log(1 + sum_k (A_ik x)^2).
// GRAD: rowwise_temporaries
// ARG: array 7x3
// ARG: scalar 0.5 1.5
func.func @rowwise_temporaries(%A: memref<?x3xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %n = memref.dim %A, %c0 : memref<?x3xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %tmp = memref.alloc() : memref<3xf64>
    scf.for %k = %c0 to %c3 step %c1 {
      %a = memref.load %A[%i, %k] : memref<?x3xf64>
      %ax = arith.mulf %a, %x : f64
      memref.store %ax, %tmp[%k] : memref<3xf64>
    }
    %s = scf.for %k = %c0 to %c3 step %c1 iter_args(%sacc = %zero) -> (f64) {
      %v = memref.load %tmp[%k] : memref<3xf64>
      %vv = arith.mulf %v, %v : f64
      %s2 = arith.addf %sacc, %vv : f64
      scf.yield %s2 : f64
    }
    memref.dealloc %tmp : memref<3xf64>
    %s1 = arith.addf %one, %s : f64
    %l = math.log %s1 : f64
    %next = arith.addf %acc, %l : f64
    scf.yield %next : f64
  }
  return %r : f64
}
