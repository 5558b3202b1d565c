// Horner's rule p(x) = c[0] + x (c[1] + x (c[2] + ...)): scf.for with an
// iter_arg walking the coefficients backwards (index arithmetic n-1-i),
// memref.dim for the degree; a batched version nests two loops and writes
// p(xs[j]) into an output argument in place. f64 and f32 versions; 7
// coefficients, so an off-by-one or reversed order changes every value.
//
// RUN: horner_f64 [[1.0, -2.0, 3.0, 0.5, -1.25, 2.0, 0.75], 1.3]
// EXPECT: [12.044341750000001]
// RUN: horner_f32 [[1.0, -2.0, 3.0, 0.5, -1.25, 2.0, 0.75], 1.3]
// EXPECT: [12.04433971775905]
// RUN: horner_deriv_f64 [[1.0, -2.0, 3.0, 0.5, -1.25, 2.0, 0.75], 1.3]
// EXPECT: [12.044341750000001, 42.619185000000016]
// RUN: horner_f64 [[1.0, -2.0, 3.0, 0.5, -1.25, 2.0, 0.75], -0.7]
// EXPECT: [3.15047175]
// RUN: horner_f32 [[1.0, -2.0, 3.0, 0.5, -1.25, 2.0, 0.75], -0.7]
// EXPECT: [3.1504717249026886]
// RUN: horner_deriv_f64 [[1.0, -2.0, 3.0, 0.5, -1.25, 2.0, 0.75], -0.7]
// EXPECT: [3.15047175, -2.105315000000001]
// RUN: horner_batch_f64 [[1.0, -2.0, 3.0, 0.5, -1.25, 2.0, 0.75], [-1.5, -0.25, 0.0, 0.8, 2.125],
// ... [0.0, 0.0, 0.0, 0.0, 0.0]]
// EXPECT: []
// EXPECT-ARG 2: [-3.91015625, 1.67303466796875, 1.0, 1.9159680000000003, 145.32547283172607]
// RUN: horner_f64 [[4.5], 3.0]
// EXPECT: [4.5]

func.func @horner_f64(%c: memref<?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %c, %c0 : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %p = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %t = arith.subi %n, %i : index
    %k = arith.subi %t, %c1 : index
    %ck = memref.load %c[%k] : memref<?xf64>
    %m = arith.mulf %acc, %x : f64
    %next = arith.addf %m, %ck : f64
    scf.yield %next : f64
  }
  return %p : f64
}

func.func @horner_batch_f64(%c: memref<?xf64>, %xs: memref<?xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %xs, %c0 : memref<?xf64>
  scf.for %j = %c0 to %m step %c1 {
    %x = memref.load %xs[%j] : memref<?xf64>
    %p = func.call @horner_f64(%c, %x) : (memref<?xf64>, f64) -> f64
    memref.store %p, %out[%j] : memref<?xf64>
  }
  return
}

func.func @horner_f32(%c: memref<?xf32>, %x: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %c, %c0 : memref<?xf32>
  %zero = arith.constant 0.0 : f32
  %p = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %t = arith.subi %n, %i : index
    %k = arith.subi %t, %c1 : index
    %ck = memref.load %c[%k] : memref<?xf32>
    %next = math.fma %acc, %x, %ck : f32
    scf.yield %next : f32
  }
  return %p : f32
}

// Value and derivative together (two iter_args): p' accumulates as
// d = d x + p before p = p x + c[k].
func.func @horner_deriv_f64(%c: memref<?xf64>, %x: f64) -> (f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %c, %c0 : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %p, %d = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero, %dacc = %zero) -> (f64, f64) {
    %t = arith.subi %n, %i : index
    %k = arith.subi %t, %c1 : index
    %ck = memref.load %c[%k] : memref<?xf64>
    %dm = arith.mulf %dacc, %x : f64
    %dn = arith.addf %dm, %acc : f64
    %m = arith.mulf %acc, %x : f64
    %next = arith.addf %m, %ck : f64
    scf.yield %next, %dn : f64, f64
  }
  return %p, %d : f64, f64
}
