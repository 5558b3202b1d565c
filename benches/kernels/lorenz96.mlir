// Lorenz-96, dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F (periodic),
// forward Euler steps, then 0.5 * sum x^2. Gradient: w.r.t. the initial
// state and the forcing F. The periodic neighbours of the first two and
// the last points are handled apart, so that the loop over the others
// reads plain contiguous neighbours (no modulo) and vectorises. n >= 3.
func.func @lorenz96(%x0: memref<?xf64>, %forcing: f64, %dt: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %x0, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %before_last = arith.subi %n, %c2 : index
  %x = memref.alloc(%n) : memref<?xf64>
  %y = memref.alloc(%n) : memref<?xf64>
  memref.copy %x0, %x : memref<?xf64> to memref<?xf64>
  scf.for %t = %c0 to %steps step %c1 {
    // i = 0: neighbours n-2, n-1 and 1.
    func.call @euler(%x, %y, %c0, %c1, %last, %before_last, %forcing, %dt)
        : (memref<?xf64>, memref<?xf64>, index, index, index, index, f64, f64) -> ()
    // i = 1: neighbours n-1, 0 and 2.
    func.call @euler(%x, %y, %c1, %c2, %c0, %last, %forcing, %dt)
        : (memref<?xf64>, memref<?xf64>, index, index, index, index, f64, f64) -> ()
    scf.for %i = %c2 to %last step %c1 {
      %ip = arith.addi %i, %c1 : index
      %im1 = arith.subi %i, %c1 : index
      %im2 = arith.subi %i, %c2 : index
      func.call @euler(%x, %y, %i, %ip, %im1, %im2, %forcing, %dt)
          : (memref<?xf64>, memref<?xf64>, index, index, index, index, f64, f64) -> ()
    }
    // i = n-1: neighbours n-3, n-2 and 0.
    %before_before = arith.subi %last, %c2 : index
    func.call @euler(%x, %y, %last, %c0, %before_last, %before_before, %forcing, %dt)
        : (memref<?xf64>, memref<?xf64>, index, index, index, index, f64, f64) -> ()
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

// y_i = x_i + dt ((x_{i+1} - x_{i-2}) x_{i-1} - x_i + F), the neighbours'
// indices given.
func.func private @euler(%x: memref<?xf64>, %y: memref<?xf64>, %i: index, %ip: index, %im1: index,
                         %im2: index, %forcing: f64, %dt: f64) {
  %xp = memref.load %x[%ip] : memref<?xf64>
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
  return
}
