// Lorenz-96, dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F (periodic),
// forward Euler steps, then 0.5 * sum x^2. Gradient: w.r.t. the initial
// state and the forcing F.
func.func @lorenz96(%x0: memref<?xf64>, %forcing: f64, %dt: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %x0, %c0 : memref<?xf64>
  %x = memref.alloc(%n) : memref<?xf64>
  %y = memref.alloc(%n) : memref<?xf64>
  memref.copy %x0, %x : memref<?xf64> to memref<?xf64>
  scf.for %t = %c0 to %steps step %c1 {
    scf.for %i = %c0 to %n step %c1 {
      %ip = arith.addi %i, %c1 : index
      %ipw = arith.remui %ip, %n : index
      %im1a = arith.addi %i, %n : index
      %im1b = arith.subi %im1a, %c1 : index
      %im1 = arith.remui %im1b, %n : index
      %im2b = arith.subi %im1a, %c2 : index
      %im2 = arith.remui %im2b, %n : index
      %xp = memref.load %x[%ipw] : memref<?xf64>
      %xm1 = memref.load %x[%im1] : memref<?xf64>
      %xm2 = memref.load %x[%im2] : memref<?xf64>
      %xi = memref.load %x[%i] : memref<?xf64>
      %d = arith.subf %xp, %xm2 : f64
      %adv = arith.mulf %d, %xm1 : f64
      %damp = arith.subf %adv, %xi : f64
      %rhs = arith.addf %damp, %forcing : f64
      %inc = arith.mulf %dt, %rhs : f64
      %new = arith.addf %xi, %inc : f64
      memref.store %new, %y[%i] : memref<?xf64>
    }
    memref.copy %y, %x : memref<?xf64> to memref<?xf64>
  }
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %v = memref.load %x[%i] : memref<?xf64>
    %v2 = arith.mulf %v, %v : f64
    %more = arith.addf %acc, %v2 : f64
    scf.yield %more : f64
  }
  memref.dealloc %x : memref<?xf64>
  memref.dealloc %y : memref<?xf64>
  %energy = arith.mulf %half, %sum : f64
  return %energy : f64
}
