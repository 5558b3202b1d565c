// 1-D heat equation, explicit Euler: out[i] = u[i] + r (u[i-1] - 2 u[i] +
// u[i+1]) on the interior, boundaries copied (Dirichlet). One step writes
// into an output argument (f64 and f32); several steps update the state in
// place through an allocated scratch array (memref.alloc, memref.copy,
// memref.dealloc) with the step count a dynamic scf.for bound. 13 points.
//
// RUN: heat_step_f64 [[5.118, 9.505, 1.442, 9.486, 3.118, 4.233, 8.277, 4.092, 5.496, 0.276,
// ... 7.535, 5.381, 3.297], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
// ... 0.25]
// EXPECT: []
// EXPECT-ARG 1: [5.118, 6.3925, 5.46875, 5.883000000000001, 4.98875, 4.965249999999999,
// ... 6.2197499999999994, 5.48925, 3.84, 3.3957500000000005, 5.18175, 5.3985, 3.297]
// RUN: heat_step_f64 [[5.118, 9.505, 1.442, 9.486, 3.118, 4.233, 8.277, 4.092, 5.496, 0.276,
// ... 7.535, 5.381, 3.297], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 0.4]
// EXPECT: []
// EXPECT-ARG 1: [5.118, 4.525, 7.8848, 3.7211999999999996, 6.1112, 5.4046, 4.985399999999999,
// ... 6.3276, 2.8463999999999996, 5.267600000000001, 3.7698, 5.409, 3.297]
// RUN: heat_step_f32 [[5.118, 9.505, 1.442, 9.486, 3.118, 4.233, 8.277, 4.092, 5.496, 0.276,
// ... 7.535, 5.381, 3.297], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 0.3]
// EXPECT: []
// EXPECT-ARG 1: [5.118000030517578, 5.769999915957449, 6.274100257241727, 5.162399871206283,
// ... 5.36290006021261, 5.1117000928998095, 5.808300015580642, 5.768700141775611,
// ... 3.5087998464822814, 4.019700044143196, 4.711099837267403, 5.401999951243397,
// ... 3.296999931335449]
// RUN: heat_steps_f64 [[5.118, 9.505, 1.442, 9.486, 3.118, 4.233, 8.277, 4.092, 5.496, 0.276,
// ... 7.535, 5.381, 3.297], 0.25, 3]
// EXPECT: [64.23253125]
// EXPECT-ARG 0: [5.118, 5.65178125, 5.751328125000001, 5.530359375, 5.313375, 5.374859375,
// ... 5.497828125, 5.09596875, 4.37384375, 4.209328125, 4.58778125, 4.431078125, 3.297]
// RUN: heat_steps_f64 [[5.118, 9.505, 1.442, 9.486, 3.118, 4.233, 8.277, 4.092, 5.496, 0.276,
// ... 7.535, 5.381, 3.297], 0.25, 0]
// EXPECT: [67.256]
// EXPECT-ARG 0: [5.118, 9.505, 1.442, 9.486, 3.118, 4.233, 8.277, 4.092, 5.496, 0.276, 7.535,
// ... 5.381, 3.297]

func.func @heat_step_f64(%u: memref<?xf64>, %out: memref<?xf64>, %r: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %first = memref.load %u[%c0] : memref<?xf64>
  memref.store %first, %out[%c0] : memref<?xf64>
  %end = memref.load %u[%last] : memref<?xf64>
  memref.store %end, %out[%last] : memref<?xf64>
  scf.for %i = %c1 to %last step %c1 {
    %im = arith.subi %i, %c1 : index
    %ip = arith.addi %i, %c1 : index
    %l = memref.load %u[%im] : memref<?xf64>
    %m = memref.load %u[%i] : memref<?xf64>
    %h = memref.load %u[%ip] : memref<?xf64>
    %m2 = arith.mulf %two, %m : f64
    %d0 = arith.subf %l, %m2 : f64
    %d = arith.addf %d0, %h : f64
    %rd = arith.mulf %r, %d : f64
    %v = arith.addf %m, %rd : f64
    memref.store %v, %out[%i] : memref<?xf64>
  }
  return
}

func.func @heat_step_f32(%u: memref<?xf32>, %out: memref<?xf32>, %r: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %n = memref.dim %u, %c0 : memref<?xf32>
  %last = arith.subi %n, %c1 : index
  %first = memref.load %u[%c0] : memref<?xf32>
  memref.store %first, %out[%c0] : memref<?xf32>
  %end = memref.load %u[%last] : memref<?xf32>
  memref.store %end, %out[%last] : memref<?xf32>
  scf.for %i = %c1 to %last step %c1 {
    %im = arith.subi %i, %c1 : index
    %ip = arith.addi %i, %c1 : index
    %l = memref.load %u[%im] : memref<?xf32>
    %m = memref.load %u[%i] : memref<?xf32>
    %h = memref.load %u[%ip] : memref<?xf32>
    %m2 = arith.mulf %two, %m : f32
    %d0 = arith.subf %l, %m2 : f32
    %d = arith.addf %d0, %h : f32
    %rd = arith.mulf %r, %d : f32
    %v = arith.addf %m, %rd : f32
    memref.store %v, %out[%i] : memref<?xf32>
  }
  return
}

// `steps` steps in place; returns the total heat sum(u) at the end.
func.func @heat_steps_f64(%u: memref<?xf64>, %r: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %u, %c0 : memref<?xf64>
  %tmp = memref.alloc(%n) : memref<?xf64>
  scf.for %s = %c0 to %steps step %c1 {
    func.call @heat_step_f64(%u, %tmp, %r) : (memref<?xf64>, memref<?xf64>, f64) -> ()
    memref.copy %tmp, %u : memref<?xf64> to memref<?xf64>
  }
  memref.dealloc %tmp : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %total = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %u[%i] : memref<?xf64>
    %next = arith.addf %acc, %x : f64
    scf.yield %next : f64
  }
  return %total : f64
}
