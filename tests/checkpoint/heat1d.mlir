// 1-D heat equation with a cubic sink, explicit, `steps` steps with
// diffusion number r, then the misfit J = 1/2 sum_i (u_i - obs_i)^2.
//   u_i <- u_i + r (u_{i-1} - 2 u_i + u_{i+1}) - c u_i^3   (interior)
// The time loop writes two buffers allocated outside it, u and next: its
// checkpointed state is both (2 n doubles). Gradient: u0 (dup), r (active).
func.func @heat(%u0: memref<?xf64>, %r: f64, %obs: memref<?xf64>, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %u0, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %u = memref.alloc(%n) : memref<?xf64>
  %next = memref.alloc(%n) : memref<?xf64>
  memref.copy %u0, %u : memref<?xf64> to memref<?xf64>
  memref.copy %u0, %next : memref<?xf64> to memref<?xf64>
  %two = arith.constant 2.0 : f64
  %sink = arith.constant 0.01 : f64
  scf.for %t = %c0 to %steps step %c1 {  // time loop
    scf.for %i = %c1 to %last step %c1 {
      %im = arith.subi %i, %c1 : index
      %ip = arith.addi %i, %c1 : index
      %a = memref.load %u[%im] : memref<?xf64>
      %b = memref.load %u[%i] : memref<?xf64>
      %c = memref.load %u[%ip] : memref<?xf64>
      %b2 = arith.mulf %b, %two : f64
      %d = arith.subf %a, %b2 : f64
      %lap = arith.addf %d, %c : f64
      %flux = arith.mulf %r, %lap : f64
      %bb = arith.mulf %b, %b : f64
      %bbb = arith.mulf %bb, %b : f64
      %loss = arith.mulf %sink, %bbb : f64
      %gain = arith.addf %b, %flux : f64
      %new = arith.subf %gain, %loss : f64
      memref.store %new, %next[%i] : memref<?xf64>
    }
    memref.copy %next, %u : memref<?xf64> to memref<?xf64>
  }
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %x = memref.load %u[%i] : memref<?xf64>
    %o = memref.load %obs[%i] : memref<?xf64>
    %e = arith.subf %x, %o : f64
    %e2 = arith.mulf %e, %e : f64
    %more = arith.addf %acc, %e2 : f64
    scf.yield %more : f64
  }
  memref.dealloc %u : memref<?xf64>
  memref.dealloc %next : memref<?xf64>
  %misfit = arith.mulf %half, %sum : f64
  return %misfit : f64
}
