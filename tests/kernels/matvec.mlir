// Matrix-vector products on a non-square 5 x 7 matrix: y = A x returned as
// an allocated memref, y = A x written into an argument in place, and
// y = A^T x (column-wise access); f64 and an f32 version with static shapes
// (memref<5x7xf32>).
//
// RUN: matvec_f64 [[[1.22, 1.232, 0.061, -0.857, -1.784, -0.467, -0.366], [-1.819, -1.805, 1.997,
// ... 0.609, -1.062, -0.26, 1.897], [1.591, 1.377, -0.43, -0.028, 0.707, -1.757, 0.222], [-0.914,
// ... 1.519, -1.743, 0.717, 1.48, -1.091, 1.582], [1.489, -1.926, 0.83, -1.995, 0.013, -0.253,
// ... -1.187]], [0.153, -0.627, -0.524, -0.502, 1.95, 0.531, 0.697]]
// EXPECT: [[-4.169433000000001, -1.3854690000000003, 0.21983699999999984, 2.870476,
// ... 1.0656569999999999]]
// RUN: matvec_into_f64 [[[1.22, 1.232, 0.061, -0.857, -1.784, -0.467, -0.366], [-1.819, -1.805,
// ... 1.997, 0.609, -1.062, -0.26, 1.897], [1.591, 1.377, -0.43, -0.028, 0.707, -1.757, 0.222],
// ... [-0.914, 1.519, -1.743, 0.717, 1.48, -1.091, 1.582], [1.489, -1.926, 0.83, -1.995, 0.013,
// ... -0.253, -1.187]], [0.153, -0.627, -0.524, -0.502, 1.95, 0.531, 0.697], [9.0, 9.0, 9.0, 9.0,
// ... 9.0]]
// EXPECT: []
// EXPECT-ARG 2: [-4.169433000000001, -1.3854690000000003, 0.21983699999999984, 2.870476,
// ... 1.0656569999999999]
// RUN: matvec_t_f64 [[[1.22, 1.232, 0.061, -0.857, -1.784, -0.467, -0.366], [-1.819, -1.805,
// ... 1.997, 0.609, -1.062, -0.26, 1.897], [1.591, 1.377, -0.43, -0.028, 0.707, -1.757, 0.222],
// ... [-0.914, 1.519, -1.743, 0.717, 1.48, -1.091, 1.582], [1.489, -1.926, 0.83, -1.995, 0.013,
// ... -0.253, -1.187]], [0.5, 1.589, 1.103, -1.099, -0.799]]
// EXPECT: [[-0.7107430000000001, -0.8638209999999995, 3.9818300000000004, 1.3143390000000001,
// ... -3.4366040000000004, -1.1834549999999997, 2.285994]]
// RUN: matvec_f32 [[[1.22, 1.232, 0.061, -0.857, -1.784, -0.467, -0.366], [-1.819, -1.805, 1.997,
// ... 0.609, -1.062, -0.26, 1.897], [1.591, 1.377, -0.43, -0.028, 0.707, -1.757, 0.222], [-0.914,
// ... 1.519, -1.743, 0.717, 1.48, -1.091, 1.582], [1.489, -1.926, 0.83, -1.995, 0.013, -0.253,
// ... -1.187]], [0.153, -0.627, -0.524, -0.502, 1.95, 0.531, 0.697]]
// EXPECT: [[-4.16943316958678, -1.385469141644002, 0.21983709928888162, 2.870476186584476,
// ... 1.0656568530179849]]

func.func @matvec_f64(%a: memref<?x?xf64>, %x: memref<?xf64>) -> memref<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %a, %c0 : memref<?x?xf64>
  %n = memref.dim %a, %c1 : memref<?x?xf64>
  %y = memref.alloc(%m) : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  scf.for %i = %c0 to %m step %c1 {
    %s = scf.for %j = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
      %aij = memref.load %a[%i, %j] : memref<?x?xf64>
      %xj = memref.load %x[%j] : memref<?xf64>
      %p = arith.mulf %aij, %xj : f64
      %next = arith.addf %acc, %p : f64
      scf.yield %next : f64
    }
    memref.store %s, %y[%i] : memref<?xf64>
  }
  return %y : memref<?xf64>
}

func.func @matvec_into_f64(%a: memref<?x?xf64>, %x: memref<?xf64>, %y: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %a, %c0 : memref<?x?xf64>
  %n = memref.dim %a, %c1 : memref<?x?xf64>
  %zero = arith.constant 0.0 : f64
  scf.for %i = %c0 to %m step %c1 {
    memref.store %zero, %y[%i] : memref<?xf64>
    scf.for %j = %c0 to %n step %c1 {
      %aij = memref.load %a[%i, %j] : memref<?x?xf64>
      %xj = memref.load %x[%j] : memref<?xf64>
      %yi = memref.load %y[%i] : memref<?xf64>
      %p = math.fma %aij, %xj, %yi : f64
      memref.store %p, %y[%i] : memref<?xf64>
    }
  }
  return
}

func.func @matvec_t_f64(%a: memref<?x?xf64>, %x: memref<?xf64>) -> memref<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %a, %c0 : memref<?x?xf64>
  %n = memref.dim %a, %c1 : memref<?x?xf64>
  %y = memref.alloc(%n) : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  scf.for %j = %c0 to %n step %c1 {
    %s = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f64) {
      %aij = memref.load %a[%i, %j] : memref<?x?xf64>
      %xi = memref.load %x[%i] : memref<?xf64>
      %p = arith.mulf %aij, %xi : f64
      %next = arith.addf %acc, %p : f64
      scf.yield %next : f64
    }
    memref.store %s, %y[%j] : memref<?xf64>
  }
  return %y : memref<?xf64>
}

func.func @matvec_f32(%a: memref<5x7xf32>, %x: memref<7xf32>) -> memref<5xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %y = memref.alloc() : memref<5xf32>
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c5 step %c1 {
    %s = scf.for %j = %c0 to %c7 step %c1 iter_args(%acc = %zero) -> (f32) {
      %aij = memref.load %a[%i, %j] : memref<5x7xf32>
      %xj = memref.load %x[%j] : memref<7xf32>
      %p = arith.mulf %aij, %xj : f32
      %next = arith.addf %acc, %p : f32
      scf.yield %next : f32
    }
    memref.store %s, %y[%i] : memref<5xf32>
  }
  return %y : memref<5xf32>
}
