// The Lorenz-96 model, integrated with the classical fourth-order
// Runge-Kutta method:
//
//   dx_k/dt = (x_{k+1} - x_{k-2}) x_{k-1} - x_k + F,   k = 0 .. n-1, cyclic.
//
// @lorenz96_rk4 advances the caller's state x in place by %steps steps of
// %dt. The arithmetic is written in the order of the C reference in
// lorenz96.c, so that the two agree to rounding (the model is chaotic:
// any real difference between them would grow exponentially).

// dxdt = f(x).
func.func private @tendency(%x: memref<?xf64>, %dxdt: memref<?xf64>, %forcing: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  // k - 1 and k - 2 modulo n, computed as (k + n - 1) mod n and
  // (k + n - 2) mod n so that nothing goes negative (n >= 2).
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

// stage = x + h * slope.
func.func private @euler_stage(%x: memref<?xf64>, %h: f64, %slope: memref<?xf64>, %stage: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  scf.for %k = %c0 to %n step %c1 {
    %x_k = memref.load %x[%k] : memref<?xf64>
    %s_k = memref.load %slope[%k] : memref<?xf64>
    %step = arith.mulf %h, %s_k : f64
    %y = arith.addf %x_k, %step : f64
    memref.store %y, %stage[%k] : memref<?xf64>
  }
  return
}

func.func @lorenz96_rk4(%x: memref<?xf64>, %forcing: f64, %dt: f64, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f64
  %six = arith.constant 6.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %half_dt = arith.divf %dt, %two : f64
  %sixth_dt = arith.divf %dt, %six : f64
  // Scratch, on the heap: n is only known at run time.
  %k1 = memref.alloc(%n) : memref<?xf64>
  %k2 = memref.alloc(%n) : memref<?xf64>
  %k3 = memref.alloc(%n) : memref<?xf64>
  %k4 = memref.alloc(%n) : memref<?xf64>
  %stage = memref.alloc(%n) : memref<?xf64>

  scf.for %step = %c0 to %steps step %c1 {
    func.call @tendency(%x, %k1, %forcing) : (memref<?xf64>, memref<?xf64>, f64) -> ()
    func.call @euler_stage(%x, %half_dt, %k1, %stage) : (memref<?xf64>, f64, memref<?xf64>, memref<?xf64>) -> ()
    func.call @tendency(%stage, %k2, %forcing) : (memref<?xf64>, memref<?xf64>, f64) -> ()
    func.call @euler_stage(%x, %half_dt, %k2, %stage) : (memref<?xf64>, f64, memref<?xf64>, memref<?xf64>) -> ()
    func.call @tendency(%stage, %k3, %forcing) : (memref<?xf64>, memref<?xf64>, f64) -> ()
    func.call @euler_stage(%x, %dt, %k3, %stage) : (memref<?xf64>, f64, memref<?xf64>, memref<?xf64>) -> ()
    func.call @tendency(%stage, %k4, %forcing) : (memref<?xf64>, memref<?xf64>, f64) -> ()
    // x += dt/6 * (((k1 + 2 k2) + 2 k3) + k4)
    scf.for %k = %c0 to %n step %c1 {
      %a = memref.load %k1[%k] : memref<?xf64>
      %b = memref.load %k2[%k] : memref<?xf64>
      %c = memref.load %k3[%k] : memref<?xf64>
      %d = memref.load %k4[%k] : memref<?xf64>
      %twice_b = arith.mulf %two, %b : f64
      %twice_c = arith.mulf %two, %c : f64
      %ab = arith.addf %a, %twice_b : f64
      %abc = arith.addf %ab, %twice_c : f64
      %abcd = arith.addf %abc, %d : f64
      %increment = arith.mulf %sixth_dt, %abcd : f64
      %old = memref.load %x[%k] : memref<?xf64>
      %new = arith.addf %old, %increment : f64
      memref.store %new, %x[%k] : memref<?xf64>
    }
  }

  memref.dealloc %k1 : memref<?xf64>
  memref.dealloc %k2 : memref<?xf64>
  memref.dealloc %k3 : memref<?xf64>
  memref.dealloc %k4 : memref<?xf64>
  memref.dealloc %stage : memref<?xf64>
  return
}
