// GradBench eval `ode` (cmpad's an_ode): y' = f(y) with f(y)_0 = x_0 and
// f(y)_i = x_i y_{i-1}, y(0) = 0, integrated to t = 2 by s classical
// Runge-Kutta steps. The final y is written to %y. The eval's gradient is
// that of y_{n-1} with respect to x: the shadow of %y seeded with e_{n-1}.
func.func @ode(%x: memref<?xf64>, %s: index, %y: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %two = arith.constant 2.0 : f64
  %six = arith.constant 6.0 : f64
  %end_time = arith.constant 2.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %s_i64 = arith.index_cast %s : index to i64
  %s_f = arith.sitofp %s_i64 : i64 to f64
  %h = arith.divf %end_time, %s_f : f64
  %half_h = arith.divf %h, %two : f64
  %sixth_h = arith.divf %h, %six : f64
  %k1 = memref.alloc(%n) : memref<?xf64>
  %k2 = memref.alloc(%n) : memref<?xf64>
  %k3 = memref.alloc(%n) : memref<?xf64>
  %k4 = memref.alloc(%n) : memref<?xf64>
  %stage = memref.alloc(%n) : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    memref.store %zero, %y[%i] : memref<?xf64>
  }
  scf.for %step = %c0 to %s step %c1 {
    func.call @rhs(%x, %y, %k1) : (memref<?xf64>, memref<?xf64>, memref<?xf64>) -> ()
    func.call @axpy(%y, %half_h, %k1, %stage) : (memref<?xf64>, f64, memref<?xf64>, memref<?xf64>) -> ()
    func.call @rhs(%x, %stage, %k2) : (memref<?xf64>, memref<?xf64>, memref<?xf64>) -> ()
    func.call @axpy(%y, %half_h, %k2, %stage) : (memref<?xf64>, f64, memref<?xf64>, memref<?xf64>) -> ()
    func.call @rhs(%x, %stage, %k3) : (memref<?xf64>, memref<?xf64>, memref<?xf64>) -> ()
    func.call @axpy(%y, %h, %k3, %stage) : (memref<?xf64>, f64, memref<?xf64>, memref<?xf64>) -> ()
    func.call @rhs(%x, %stage, %k4) : (memref<?xf64>, memref<?xf64>, memref<?xf64>) -> ()
    scf.for %i = %c0 to %n step %c1 {
      %a = memref.load %k1[%i] : memref<?xf64>
      %b = memref.load %k2[%i] : memref<?xf64>
      %c = memref.load %k3[%i] : memref<?xf64>
      %d = memref.load %k4[%i] : memref<?xf64>
      %b2 = arith.mulf %two, %b : f64
      %c2 = arith.mulf %two, %c : f64
      %ab = arith.addf %a, %b2 : f64
      %abc = arith.addf %ab, %c2 : f64
      %slope = arith.addf %abc, %d : f64
      %increment = arith.mulf %sixth_h, %slope : f64
      %yi = memref.load %y[%i] : memref<?xf64>
      %next = arith.addf %yi, %increment : f64
      memref.store %next, %y[%i] : memref<?xf64>
    }
  }
  memref.dealloc %k1 : memref<?xf64>
  memref.dealloc %k2 : memref<?xf64>
  memref.dealloc %k3 : memref<?xf64>
  memref.dealloc %k4 : memref<?xf64>
  memref.dealloc %stage : memref<?xf64>
  return
}

// f(y): z_0 = x_0, z_i = x_i y_{i-1}.
func.func private @rhs(%x: memref<?xf64>, %y: memref<?xf64>, %z: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %x0 = memref.load %x[%c0] : memref<?xf64>
  memref.store %x0, %z[%c0] : memref<?xf64>
  scf.for %i = %c1 to %n step %c1 {
    %im = arith.subi %i, %c1 : index
    %xi = memref.load %x[%i] : memref<?xf64>
    %previous = memref.load %y[%im] : memref<?xf64>
    %zi = arith.mulf %xi, %previous : f64
    memref.store %zi, %z[%i] : memref<?xf64>
  }
  return
}

// out = y + a k.
func.func private @axpy(%y: memref<?xf64>, %a: f64, %k: memref<?xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %y, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %yi = memref.load %y[%i] : memref<?xf64>
    %ki = memref.load %k[%i] : memref<?xf64>
    %step = arith.mulf %a, %ki : f64
    %sum = arith.addf %yi, %step : f64
    memref.store %sum, %out[%i] : memref<?xf64>
  }
  return
}
