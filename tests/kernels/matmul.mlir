// Matrix products: C = A B returned as a new 3 x 4 matrix from a 3 x 5 and
// a 5 x 4 input (triple-nested scf.for, reduction iter_arg), C += A B in
// place on an argument, and an f32 static-shape version. Different inner
// and outer sizes catch swapped dimension or index bugs.
//
// RUN: matmul_f64 [[[0.791, -0.745, -1.515, -0.706, 1.725], [1.159, -1.96, -1.204, -0.828, 1.774],
// ... [-0.386, -1.273, 1.442, 1.628, -0.793]], [[1.407, 1.54, 1.063, -1.871], [-1.799, -0.682,
// ... 1.504, 1.804], [0.13, 1.141, -0.683, 1.272], [1.267, -1.709, 1.85, -0.625], [-1.29, 0.079,
// ... 0.489, -1.933]]]
// EXPECT: [[[-0.8635100000000002, 1.340444, 0.2925229999999999, -7.644196], [1.6626969999999996,
// ... 3.3030140000000006, -1.557805, -10.147459000000001], [5.020130999999999, -0.925831,
// ... -0.6857730000000001, 0.7753070000000003]]]
// RUN: matmul_acc_f64 [[[0.791, -0.745, -1.515, -0.706, 1.725], [1.159, -1.96, -1.204, -0.828,
// ... 1.774], [-0.386, -1.273, 1.442, 1.628, -0.793]], [[1.407, 1.54, 1.063, -1.871], [-1.799,
// ... -0.682, 1.504, 1.804], [0.13, 1.141, -0.683, 1.272], [1.267, -1.709, 1.85, -0.625], [-1.29,
// ... 0.079, 0.489, -1.933]], [[-1.8, 0.025, 0.077, -0.939], [-1.483, -1.917, -0.425, -0.479],
// ... [-1.906, -1.047, 1.152, 0.47]]]
// EXPECT: []
// EXPECT-ARG 2: [[-2.6635100000000005, 1.3654439999999999, 0.36952299999999993, -8.583196],
// ... [0.17969699999999955, 1.3860140000000005, -1.9828050000000002, -10.626459],
// ... [3.1141309999999995, -1.9728309999999998, 0.46622699999999984, 1.2453070000000004]]
// RUN: matmul_f32 [[[0.791, -0.745, -1.515, -0.706, 1.725], [1.159, -1.96, -1.204, -0.828, 1.774],
// ... [-0.386, -1.273, 1.442, 1.628, -0.793]], [[1.407, 1.54, 1.063, -1.871], [-1.799, -0.682,
// ... 1.504, 1.804], [0.13, 1.141, -0.683, 1.272], [1.267, -1.709, 1.85, -0.625], [-1.29, 0.079,
// ... 0.489, -1.933]]]
// EXPECT: [[[-0.8635098940038688, 1.340443891210616, 0.2925230812747479, -7.644196004489899],
// ... [1.6626971420912753, 3.303013989551423, -1.5578049514365198, -10.147459214619161],
// ... [5.020130951774359, -0.9258309597747907, -0.6857729013581277, 0.7753069089167113]]]

func.func @matmul_f64(%a: memref<?x?xf64>, %b: memref<?x?xf64>) -> memref<?x?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %a, %c0 : memref<?x?xf64>
  %k = memref.dim %a, %c1 : memref<?x?xf64>
  %n = memref.dim %b, %c1 : memref<?x?xf64>
  %c = memref.alloc(%m, %n) : memref<?x?xf64>
  %zero = arith.constant 0.0 : f64
  scf.for %i = %c0 to %m step %c1 {
    scf.for %j = %c0 to %n step %c1 {
      %s = scf.for %l = %c0 to %k step %c1 iter_args(%acc = %zero) -> (f64) {
        %x = memref.load %a[%i, %l] : memref<?x?xf64>
        %y = memref.load %b[%l, %j] : memref<?x?xf64>
        %p = arith.mulf %x, %y : f64
        %next = arith.addf %acc, %p : f64
        scf.yield %next : f64
      }
      memref.store %s, %c[%i, %j] : memref<?x?xf64>
    }
  }
  return %c : memref<?x?xf64>
}

func.func @matmul_acc_f64(%a: memref<?x?xf64>, %b: memref<?x?xf64>, %c: memref<?x?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %a, %c0 : memref<?x?xf64>
  %k = memref.dim %a, %c1 : memref<?x?xf64>
  %n = memref.dim %b, %c1 : memref<?x?xf64>
  scf.for %i = %c0 to %m step %c1 {
    scf.for %l = %c0 to %k step %c1 {
      %x = memref.load %a[%i, %l] : memref<?x?xf64>
      scf.for %j = %c0 to %n step %c1 {
        %y = memref.load %b[%l, %j] : memref<?x?xf64>
        %cij = memref.load %c[%i, %j] : memref<?x?xf64>
        %p = arith.mulf %x, %y : f64
        %v = arith.addf %cij, %p : f64
        memref.store %v, %c[%i, %j] : memref<?x?xf64>
      }
    }
  }
  return
}

func.func @matmul_f32(%a: memref<3x5xf32>, %b: memref<5x4xf32>) -> memref<3x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c = memref.alloc() : memref<3x4xf32>
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c3 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %s = scf.for %l = %c0 to %c5 step %c1 iter_args(%acc = %zero) -> (f32) {
        %x = memref.load %a[%i, %l] : memref<3x5xf32>
        %y = memref.load %b[%l, %j] : memref<5x4xf32>
        %next = math.fma %x, %y, %acc : f32
        scf.yield %next : f32
      }
      memref.store %s, %c[%i, %j] : memref<3x4xf32>
    }
  }
  return %c : memref<3x4xf32>
}
