// One explicit step of the 1-D heat equation as a parallel loop:
// v[i] = u[i] + r (u[i-1] - 2 u[i] + u[i+1]) on the interior 1 <= i < n-1,
// v's end points left as they were. The size is dynamic; the runs cover 13
// points (not a multiple of any vector width or thread count), 3 points
// (one interior point) and 2 (an empty loop: v untouched).
//
// RUN: heat1d_step [[0.038, 0.593, -0.469, 1.182, 0.002, 0.216, -1.738, 1.359, -1.206, 0.983,
// ... 0.143, 1.135, -0.732], [9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0],
// ... 0.25]
// EXPECT: []
// EXPECT-ARG 1: [9.0, 0.18874999999999997, 0.20925000000000005, 0.47424999999999995, 0.3505,
// ... -0.32600000000000007, -0.47524999999999995, -0.056499999999999995, -0.01750000000000007,
// ... 0.22575, 0.601, 0.42025, 9.0]
// RUN: heat1d_step [[1.0, 4.0, 2.0], [7.0, 7.0, 7.0], 0.5]
// EXPECT: []
// EXPECT-ARG 1: [7.0, 1.5, 7.0]
// RUN: heat1d_step [[1.0, 4.0], [7.0, 7.0], 0.5]
// EXPECT: []
// EXPECT-ARG 1: [7.0, 7.0]

func.func @heat1d_step(%u: memref<?xf64>, %v: memref<?xf64>, %r: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  scf.parallel (%i) = (%c1) to (%last) step (%c1) {
    %im = arith.subi %i, %c1 : index
    %ip = arith.addi %i, %c1 : index
    %l = memref.load %u[%im] : memref<?xf64>
    %c = memref.load %u[%i] : memref<?xf64>
    %r_ = memref.load %u[%ip] : memref<?xf64>
    %c2 = arith.mulf %two, %c : f64
    %lr = arith.addf %l, %r_ : f64
    %lap = arith.subf %lr, %c2 : f64
    %d = arith.mulf %r, %lap : f64
    %new = arith.addf %c, %d : f64
    memref.store %new, %v[%i] : memref<?xf64>
    scf.reduce
  }
  return
}
