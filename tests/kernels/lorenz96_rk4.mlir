// One classical RK4 step of the Lorenz-96 system
//   dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F   (indices mod n)
// The right-hand side is a separate function writing into a scratch array,
// called four times; stage vectors are memref.alloc'ed and deallocated; the
// new state is returned as a freshly allocated memref result. Periodic
// indices use arith.remui. n = 7 (not a multiple of any vector width).
// A second entry point takes several steps in place.
//
// RUN: l96_rhs [[7.523, 7.5969999999999995, 8.628, 7.184, 8.2, 8.457, 7.376], [0.0, 0.0, 0.0, 0.0,
// ... 0.0, 0.0, 0.0], 8.0]
// EXPECT: []
// EXPECT-ARG 1: [-5.866360000000009, 9.821795999999999, -3.203382999999997, 6.018683999999998,
// ... -1.4284639999999946, 1.1174000000000008, -5.1013889999999975]
// RUN: l96_rk4_step [[7.523, 7.5969999999999995, 8.628, 7.184, 8.2, 8.457, 7.376], 8.0, 0.01]
// EXPECT: [[7.468146627377577, 7.69523451906743, 8.600269370738937, 7.239013847529733,
// ... 8.18707950806177, 8.463663936901051, 7.323408270153453]]
// RUN: l96_rk4_step [[7.523, 7.5969999999999995, 8.628, 7.184, 8.2, 8.457, 7.376], 10.0, 0.05]
// EXPECT: [[7.430281196244939, 8.202859719930892, 8.651702419259856, 7.45604786767004,
// ... 8.241753312173351, 8.50848129436496, 7.188368804028208]]
// RUN: l96_rk4_steps [[7.523, 7.5969999999999995, 8.628, 7.184, 8.2, 8.457, 7.376], 8.0, 0.01, 5]
// EXPECT: []
// EXPECT-ARG 0: [7.333148068850978, 8.101431558232182, 8.553665455971194, 7.359208240156746,
// ... 8.14451468626421, 8.412282476327308, 7.0924554029034494]

func.func @l96_rhs(%x: memref<?xf64>, %dx: memref<?xf64>, %f: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %ip0 = arith.addi %i, %c1 : index
    %ip = arith.remui %ip0, %n : index
    %im0 = arith.addi %i, %n : index
    %im1 = arith.subi %im0, %c1 : index
    %im = arith.remui %im1, %n : index
    %imm1 = arith.subi %im0, %c2 : index
    %imm = arith.remui %imm1, %n : index
    %xp = memref.load %x[%ip] : memref<?xf64>
    %xm = memref.load %x[%im] : memref<?xf64>
    %xmm = memref.load %x[%imm] : memref<?xf64>
    %xi = memref.load %x[%i] : memref<?xf64>
    %d = arith.subf %xp, %xmm : f64
    %a = arith.mulf %d, %xm : f64
    %b = arith.subf %a, %xi : f64
    %v = arith.addf %b, %f : f64
    memref.store %v, %dx[%i] : memref<?xf64>
  }
  return
}

// y = x + h k
func.func private @axpy_into(%x: memref<?xf64>, %k: memref<?xf64>, %h: f64, %y: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %xi = memref.load %x[%i] : memref<?xf64>
    %ki = memref.load %k[%i] : memref<?xf64>
    %t = arith.mulf %h, %ki : f64
    %v = arith.addf %xi, %t : f64
    memref.store %v, %y[%i] : memref<?xf64>
  }
  return
}

func.func @l96_rk4_step(%x: memref<?xf64>, %f: f64, %dt: f64) -> memref<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %half = arith.constant 0.5 : f64
  %two = arith.constant 2.0 : f64
  %sixth = arith.constant 6.0 : f64
  %hdt = arith.mulf %half, %dt : f64
  %k1 = memref.alloc(%n) : memref<?xf64>
  %k2 = memref.alloc(%n) : memref<?xf64>
  %k3 = memref.alloc(%n) : memref<?xf64>
  %k4 = memref.alloc(%n) : memref<?xf64>
  %y = memref.alloc(%n) : memref<?xf64>
  func.call @l96_rhs(%x, %k1, %f) : (memref<?xf64>, memref<?xf64>, f64) -> ()
  func.call @axpy_into(%x, %k1, %hdt, %y) : (memref<?xf64>, memref<?xf64>, f64, memref<?xf64>) -> ()
  func.call @l96_rhs(%y, %k2, %f) : (memref<?xf64>, memref<?xf64>, f64) -> ()
  func.call @axpy_into(%x, %k2, %hdt, %y) : (memref<?xf64>, memref<?xf64>, f64, memref<?xf64>) -> ()
  func.call @l96_rhs(%y, %k3, %f) : (memref<?xf64>, memref<?xf64>, f64) -> ()
  func.call @axpy_into(%x, %k3, %dt, %y) : (memref<?xf64>, memref<?xf64>, f64, memref<?xf64>) -> ()
  func.call @l96_rhs(%y, %k4, %f) : (memref<?xf64>, memref<?xf64>, f64) -> ()
  %out = memref.alloc(%n) : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %a = memref.load %k1[%i] : memref<?xf64>
    %b = memref.load %k2[%i] : memref<?xf64>
    %c = memref.load %k3[%i] : memref<?xf64>
    %d = memref.load %k4[%i] : memref<?xf64>
    %b2 = arith.mulf %two, %b : f64
    %c2 = arith.mulf %two, %c : f64
    %s0 = arith.addf %a, %b2 : f64
    %s1 = arith.addf %s0, %c2 : f64
    %s = arith.addf %s1, %d : f64
    %w = arith.divf %dt, %sixth : f64
    %inc = arith.mulf %w, %s : f64
    %xi = memref.load %x[%i] : memref<?xf64>
    %v = arith.addf %xi, %inc : f64
    memref.store %v, %out[%i] : memref<?xf64>
  }
  memref.dealloc %k1 : memref<?xf64>
  memref.dealloc %k2 : memref<?xf64>
  memref.dealloc %k3 : memref<?xf64>
  memref.dealloc %k4 : memref<?xf64>
  memref.dealloc %y : memref<?xf64>
  return %out : memref<?xf64>
}

// `steps` RK4 steps, the state updated in place.
func.func @l96_rk4_steps(%x: memref<?xf64>, %f: f64, %dt: f64, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %s = %c0 to %steps step %c1 {
    %next = func.call @l96_rk4_step(%x, %f, %dt) : (memref<?xf64>, f64, f64) -> memref<?xf64>
    memref.copy %next, %x : memref<?xf64> to memref<?xf64>
    memref.dealloc %next : memref<?xf64>
  }
  return
}
