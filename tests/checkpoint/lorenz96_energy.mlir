// Lorenz-96 with a time-dependent forcing, forward Euler, carrying scalars
// through the time loop: the time-integrated energy E (f64) and the step
// counter k (index), which gives the time t = k dt of the forcing
// F (1 + 0.1 sin t). J = E + 1/2 x_0^2 at the end.
//   x <- x + dt f(x, t);  E <- E + dt 1/2 sum_i x_i^2
// The checkpointed state is x (the argument, updated in place), E and k:
// n doubles + 16 bytes. Gradient: x (dup), F, dt.
func.func @l96_energy(%x: memref<?xf64>, %F: f64, %dt: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %tenth = arith.constant 0.1 : f64
  %one = arith.constant 1.0 : f64
  %result:2 = scf.for %t = %c0 to %steps step %c1 iter_args(%energy = %zero, %k = %c0) -> (f64, index) {  // time loop
    %k_i64 = arith.index_cast %k : index to i64
    %k_f64 = arith.sitofp %k_i64 : i64 to f64
    %time = arith.mulf %k_f64, %dt : f64
    %s = math.sin %time : f64
    %s10 = arith.mulf %tenth, %s : f64
    %factor = arith.addf %one, %s10 : f64
    %Ft = arith.mulf %F, %factor : f64
    %tend = memref.alloc(%n) : memref<?xf64>
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
      %f = arith.addf %damp, %Ft : f64
      memref.store %f, %tend[%i] : memref<?xf64>
    }
    %sq = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
      %xi = memref.load %x[%i] : memref<?xf64>
      %fi = memref.load %tend[%i] : memref<?xf64>
      %step = arith.mulf %dt, %fi : f64
      %new = arith.addf %xi, %step : f64
      memref.store %new, %x[%i] : memref<?xf64>
      %x2 = arith.mulf %new, %new : f64
      %more = arith.addf %acc, %x2 : f64
      scf.yield %more : f64
    }
    memref.dealloc %tend : memref<?xf64>
    %e = arith.mulf %half, %sq : f64
    %edt = arith.mulf %e, %dt : f64
    %energy1 = arith.addf %energy, %edt : f64
    %k1 = arith.addi %k, %c1 : index
    scf.yield %energy1, %k1 : f64, index
  }
  %x0 = memref.load %x[%c0] : memref<?xf64>
  %x02 = arith.mulf %x0, %x0 : f64
  %h = arith.mulf %half, %x02 : f64
  %j = arith.addf %result#0, %h : f64
  return %j : f64
}
