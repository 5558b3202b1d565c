// scf.for loops nested in an scf.while: power-iteration-like sweeps with
// B = A + A^T + 6 I, w = B v, v <- w / |w|^2 (the sum of squares computed
// by the same loop nest), for a const number of sweeps counted by the
// while; buffers allocated outside the while and overwritten every sweep.
// f = v . w after the last sweep.
// GRAD: power_sweeps
// ARG: array 5x5 -0.5 0.5
// ARG: array 5 0.5 1.0
// ARG: index 4
func.func @power_sweeps(%A: memref<5x5xf64>, %v0: memref<5xf64>, %sweeps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f64
  %six = arith.constant 6.0 : f64
  %v = memref.alloc() : memref<5xf64>
  %w = memref.alloc() : memref<5xf64>
  memref.copy %v0, %v : memref<5xf64> to memref<5xf64>
  %k = scf.while (%k0 = %c0) : (index) -> index {
    %go = arith.cmpi slt, %k0, %sweeps : index
    scf.condition(%go) %k0 : index
  } do {
  ^bb0(%k1: index):
    %norm = scf.for %i = %c0 to %c5 step %c1 iter_args(%nacc = %zero) -> (f64) {
      %row = scf.for %j = %c0 to %c5 step %c1 iter_args(%racc = %zero) -> (f64) {
        %aij = memref.load %A[%i, %j] : memref<5x5xf64>
        %aji = memref.load %A[%j, %i] : memref<5x5xf64>
        %b = arith.addf %aij, %aji : f64
        %vj = memref.load %v[%j] : memref<5xf64>
        %p = arith.mulf %b, %vj : f64
        %r2 = arith.addf %racc, %p : f64
        scf.yield %r2 : f64
      }
      %vi = memref.load %v[%i] : memref<5xf64>
      %d = arith.mulf %six, %vi : f64
      %wi = arith.addf %row, %d : f64
      memref.store %wi, %w[%i] : memref<5xf64>
      %ww = arith.mulf %wi, %wi : f64
      %n2 = arith.addf %nacc, %ww : f64
      scf.yield %n2 : f64
    }
    scf.for %i = %c0 to %c5 step %c1 {
      %wi = memref.load %w[%i] : memref<5xf64>
      %s = arith.divf %wi, %norm : f64
      memref.store %s, %v[%i] : memref<5xf64>
    }
    %k2 = arith.addi %k1, %c1 : index
    scf.yield %k2 : index
  }
  %q = scf.for %i = %c0 to %c5 step %c1 iter_args(%acc = %zero) -> (f64) {
    %vi = memref.load %v[%i] : memref<5xf64>
    %wi = memref.load %w[%i] : memref<5xf64>
    %p = arith.mulf %vi, %wi : f64
    %a2 = arith.addf %acc, %p : f64
    scf.yield %a2 : f64
  }
  memref.dealloc %v : memref<5xf64>
  memref.dealloc %w : memref<5xf64>
  return %q : f64
}
