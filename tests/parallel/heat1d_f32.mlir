// The 1-D heat step of heat1d_step.mlir in single precision, with the
// boundary values written too (v[0] = v[n-1] = 0) from a second parallel
// loop over the two end points (step n-1). 11 points.
//
// RUN: heat1d_f32 [[1.6679999828338623, 0.765999972820282, -0.5419999957084656,
// ... -1.1710000038146973, -0.23899999260902405, -1.8849999904632568, 1.0989999771118164,
// ... -1.2130000591278076, 1.8009999990463257, 1.4329999685287476, 0.824999988079071], [5.0, 5.0,
// ... 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0], 0.3]
// EXPECT: []
// EXPECT-ARG 1: [0.0, 0.6441999673843384, -0.3382999897003174, -0.7027000188827515,
// ... -1.0124000310897827, -0.49599993228912354, -0.4898000955581665, 0.3848000764846802,
// ... 0.7863999605178833, 1.3609999418258667, 0.0]

func.func @heat1d_f32(%u: memref<?xf32>, %v: memref<?xf32>, %r: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %u, %c0 : memref<?xf32>
  %last = arith.subi %n, %c1 : index
  scf.parallel (%i) = (%c1) to (%last) step (%c1) {
    %im = arith.subi %i, %c1 : index
    %ip = arith.addi %i, %c1 : index
    %l = memref.load %u[%im] : memref<?xf32>
    %c = memref.load %u[%i] : memref<?xf32>
    %r_ = memref.load %u[%ip] : memref<?xf32>
    %c2 = arith.mulf %two, %c : f32
    %lr = arith.addf %l, %r_ : f32
    %lap = arith.subf %lr, %c2 : f32
    %d = arith.mulf %r, %lap : f32
    %new = arith.addf %c, %d : f32
    memref.store %new, %v[%i] : memref<?xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%last) {
    memref.store %zero, %v[%i] : memref<?xf32>
    scf.reduce
  }
  return
}
