// Lorenz-96 with forward Euler: dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i
// + F on 7 periodic variables, 10 steps of dt = 0.01 with a scratch buffer
// and memref.copy; f = sum_i x_i^2 / 2. Gradient w.r.t. the initial state
// (dup) and the forcing F (active).
// GRAD: lorenz96
// ARG: array 7 -2.0 2.0
// ARG: scalar 6.0 10.0
func.func @lorenz96(%x: memref<?xf64>, %F: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c10 = arith.constant 10 : index
  %dt = arith.constant 0.01 : f64
  %half = arith.constant 0.5 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %y = memref.alloc(%n) : memref<?xf64>
  scf.for %t = %c0 to %c10 step %c1 {
    scf.for %i = %c0 to %n step %c1 {
      %i1 = arith.addi %i, %c1 : index
      %ip1 = arith.remui %i1, %n : index
      %in1 = arith.addi %i, %n : index
      %in1m = arith.subi %in1, %c1 : index
      %im1 = arith.remui %in1m, %n : index
      %in2m = arith.subi %in1, %c2 : index
      %im2 = arith.remui %in2m, %n : index
      %xp1 = memref.load %x[%ip1] : memref<?xf64>
      %xm1 = memref.load %x[%im1] : memref<?xf64>
      %xm2 = memref.load %x[%im2] : memref<?xf64>
      %xi = memref.load %x[%i] : memref<?xf64>
      %d = arith.subf %xp1, %xm2 : f64
      %adv = arith.mulf %d, %xm1 : f64
      %r1 = arith.subf %adv, %xi : f64
      %rhs = arith.addf %r1, %F : f64
      %step = arith.mulf %dt, %rhs : f64
      %new = arith.addf %xi, %step : f64
      memref.store %new, %y[%i] : memref<?xf64>
    }
    memref.copy %y, %x : memref<?xf64> to memref<?xf64>
  }
  memref.dealloc %y : memref<?xf64>
  %e = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %x[%i] : memref<?xf64>
    %vv = arith.mulf %v, %v : f64
    %h = arith.mulf %half, %vv : f64
    %acc2 = arith.addf %acc, %h : f64
    scf.yield %acc2 : f64
  }
  return %e : f64
}
