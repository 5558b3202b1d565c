// The Lorenz-96 model integrated by forward Euler, and a functional of its
// final state, for reverse-mode differentiation by zad
// (lorenz96_gradient.c asks for the gradient with respect to the initial
// state x0 and the forcing F):
//
//   dx_k/dt = (x_{k+1} - x_{k-2}) x_{k-1} - x_k + F,   k = 0 .. n-1, cyclic,
//   x(t + dt) = x(t) + dt f(x(t)),
//   J(x0, F) = 1/(2n) sum_k x_k(T)^2    (the mean energy at T = steps dt).
//
// The state is advanced in place in a work array (the caller's x0 is only
// read), so the reverse sweep needs each step's state after the next step
// has overwritten it: zad records it on a tape. @tendency is a separate
// function, inlined by zad before differentiation.

// dxdt = f(x, F).
func.func private @tendency(%x: memref<?xf64>, %dxdt: memref<?xf64>, %forcing: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  // k - 1 and k - 2 modulo n as (k + n - 1) mod n and (k + n - 2) mod n,
  // so that nothing goes negative (n >= 2).
  %n_minus_1 = arith.subi %n, %c1 : index
  %n_minus_2 = arith.subi %n, %c2 : index
  scf.for %k = %c0 to %n step %c1 {
    %k_plus_1 = arith.addi %k, %c1 : index
    %kp1 = arith.remui %k_plus_1, %n : index
    %k_minus_1 = arith.addi %k, %n_minus_1 : index
    %km1 = arith.remui %k_minus_1, %n : index
    %k_minus_2 = arith.addi %k, %n_minus_2 : index
    %km2 = arith.remui %k_minus_2, %n : index
    %x_kp1 = memref.load %x[%kp1] : memref<?xf64>
    %x_km1 = memref.load %x[%km1] : memref<?xf64>
    %x_km2 = memref.load %x[%km2] : memref<?xf64>
    %x_k = memref.load %x[%k] : memref<?xf64>
    %difference = arith.subf %x_kp1, %x_km2 : f64
    %advection = arith.mulf %difference, %x_km1 : f64
    %damped = arith.subf %advection, %x_k : f64
    %rate = arith.addf %damped, %forcing : f64
    memref.store %rate, %dxdt[%k] : memref<?xf64>
  }
  return
}

func.func @lorenz96_energy(%x0: memref<?xf64>, %forcing: f64, %dt: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %n = memref.dim %x0, %c0 : memref<?xf64>
  %x = memref.alloc(%n) : memref<?xf64>
  %rate = memref.alloc(%n) : memref<?xf64>
  scf.for %k = %c0 to %n step %c1 {
    %value = memref.load %x0[%k] : memref<?xf64>
    memref.store %value, %x[%k] : memref<?xf64>
  }
  scf.for %step = %c0 to %steps step %c1 {
    func.call @tendency(%x, %rate, %forcing) : (memref<?xf64>, memref<?xf64>, f64) -> ()
    scf.for %k = %c0 to %n step %c1 {
      %x_k = memref.load %x[%k] : memref<?xf64>
      %rate_k = memref.load %rate[%k] : memref<?xf64>
      %increment = arith.mulf %dt, %rate_k : f64
      %next = arith.addf %x_k, %increment : f64
      memref.store %next, %x[%k] : memref<?xf64>
    }
  }
  %sum = scf.for %k = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x_k = memref.load %x[%k] : memref<?xf64>
    %square = arith.mulf %x_k, %x_k : f64
    %next = arith.addf %acc, %square : f64
    scf.yield %next : f64
  }
  memref.dealloc %x : memref<?xf64>
  memref.dealloc %rate : memref<?xf64>
  %n_i64 = arith.index_cast %n : index to i64
  %n_f64 = arith.sitofp %n_i64 : i64 to f64
  %mean = arith.divf %sum, %n_f64 : f64
  %energy = arith.mulf %half, %mean : f64
  return %energy : f64
}
