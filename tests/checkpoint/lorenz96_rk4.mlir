// Lorenz-96, dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F (cyclic),
// `steps` classical Runge-Kutta steps of dt, then J = 1/2 sum_i x_i^2.
// The state is the argument x itself, updated in place; the stages live in
// buffers allocated and freed inside each step, so the checkpointed state
// is x alone (n doubles). Gradient: x (dup: d J / d initial x), F, dt.

// k = f(x) with forcing F.
func.func @l96_tendency(%x: memref<?xf64>, %k: memref<?xf64>, %F: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %ip = arith.addi %i, %c1 : index
    %ip1 = arith.remui %ip, %n : index
    %in = arith.addi %i, %n : index
    %im = arith.subi %in, %c1 : index
    %im1 = arith.remui %im, %n : index
    %imm = arith.subi %in, %c2 : index
    %im2 = arith.remui %imm, %n : index
    %xp1 = memref.load %x[%ip1] : memref<?xf64>
    %xm1 = memref.load %x[%im1] : memref<?xf64>
    %xm2 = memref.load %x[%im2] : memref<?xf64>
    %xi = memref.load %x[%i] : memref<?xf64>
    %d = arith.subf %xp1, %xm2 : f64
    %adv = arith.mulf %d, %xm1 : f64
    %damp = arith.subf %adv, %xi : f64
    %f = arith.addf %damp, %F : f64
    memref.store %f, %k[%i] : memref<?xf64>
  }
  return
}

// out = x + h k
func.func @l96_axpy(%x: memref<?xf64>, %h: f64, %k: memref<?xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %xi = memref.load %x[%i] : memref<?xf64>
    %ki = memref.load %k[%i] : memref<?xf64>
    %hk = arith.mulf %h, %ki : f64
    %s = arith.addf %xi, %hk : f64
    memref.store %s, %out[%i] : memref<?xf64>
  }
  return
}

func.func @l96_rk4(%x: memref<?xf64>, %F: f64, %dt: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %half = arith.constant 0.5 : f64
  %two = arith.constant 2.0 : f64
  %sixth = arith.constant 0.16666666666666666 : f64
  %hdt = arith.mulf %half, %dt : f64
  %dt6 = arith.mulf %sixth, %dt : f64
  scf.for %t = %c0 to %steps step %c1 {  // time loop
    %k1 = memref.alloc(%n) : memref<?xf64>
    %k2 = memref.alloc(%n) : memref<?xf64>
    %k3 = memref.alloc(%n) : memref<?xf64>
    %k4 = memref.alloc(%n) : memref<?xf64>
    %xs = memref.alloc(%n) : memref<?xf64>
    func.call @l96_tendency(%x, %k1, %F) : (memref<?xf64>, memref<?xf64>, f64) -> ()
    func.call @l96_axpy(%x, %hdt, %k1, %xs) : (memref<?xf64>, f64, memref<?xf64>, memref<?xf64>) -> ()
    func.call @l96_tendency(%xs, %k2, %F) : (memref<?xf64>, memref<?xf64>, f64) -> ()
    func.call @l96_axpy(%x, %hdt, %k2, %xs) : (memref<?xf64>, f64, memref<?xf64>, memref<?xf64>) -> ()
    func.call @l96_tendency(%xs, %k3, %F) : (memref<?xf64>, memref<?xf64>, f64) -> ()
    func.call @l96_axpy(%x, %dt, %k3, %xs) : (memref<?xf64>, f64, memref<?xf64>, memref<?xf64>) -> ()
    func.call @l96_tendency(%xs, %k4, %F) : (memref<?xf64>, memref<?xf64>, f64) -> ()
    scf.for %i = %c0 to %n step %c1 {
      %a = memref.load %k1[%i] : memref<?xf64>
      %b = memref.load %k2[%i] : memref<?xf64>
      %c = memref.load %k3[%i] : memref<?xf64>
      %d = memref.load %k4[%i] : memref<?xf64>
      %bc = arith.addf %b, %c : f64
      %bc2 = arith.mulf %two, %bc : f64
      %ad = arith.addf %a, %d : f64
      %sum = arith.addf %ad, %bc2 : f64
      %incr = arith.mulf %dt6, %sum : f64
      %xi = memref.load %x[%i] : memref<?xf64>
      %new = arith.addf %xi, %incr : f64
      memref.store %new, %x[%i] : memref<?xf64>
    }
    memref.dealloc %k1 : memref<?xf64>
    memref.dealloc %k2 : memref<?xf64>
    memref.dealloc %k3 : memref<?xf64>
    memref.dealloc %k4 : memref<?xf64>
    memref.dealloc %xs : memref<?xf64>
  }
  %zero = arith.constant 0.0 : f64
  %sq = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %xi = memref.load %x[%i] : memref<?xf64>
    %x2 = arith.mulf %xi, %xi : f64
    %more = arith.addf %acc, %x2 : f64
    scf.yield %more : f64
  }
  %energy = arith.mulf %half, %sq : f64
  return %energy : f64
}
