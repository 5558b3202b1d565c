// scf.for with dynamic lower bound, upper bound and step passed as index
// arguments (including an empty range), several iter_args, nested loops
// whose inner bounds depend on the outer induction variable (a triangular
// sum), a loop over an i64 induction variable, and a loop-carried
// recurrence (a linear congruential generator in i64).
//
// RUN: strided_stats [[1.124, 0.423, 0.839, -1.644, 0.523, 1.923, -0.306, -1.55, 1.833, 0.704,
// ... -1.211, 0.688, 1.971], 2, 13, 3]
// EXPECT: [5.2829999999999995, 8.235083, 4]
// RUN: strided_stats [[1.124, 0.423, 0.839, -1.644, 0.523, 1.923, -0.306, -1.55, 1.833, 0.704,
// ... -1.211, 0.688, 1.971], 5, 5, 1]
// EXPECT: [0.0, 0.0, 0]
// RUN: strided_stats [[1.124, 0.423, 0.839, -1.644, 0.523, 1.923, -0.306, -1.55, 1.833, 0.704,
// ... -1.211, 0.688, 1.971], 0, 13, 1]
// EXPECT: [5.316999999999999, 20.996767000000002, 13]
// RUN: strided_stats [[1.124, 0.423, 0.839, -1.644, 0.523, 1.923, -0.306, -1.55, 1.833, 0.704,
// ... -1.211, 0.688, 1.971], 12, 13, 7]
// EXPECT: [1.971, 3.884841, 1]
// RUN: strided_stats [[1.124, 0.423, 0.839, -1.644, 0.523, 1.923, -0.306, -1.55, 1.833, 0.704,
// ... -1.211, 0.688, 1.971], 1, 12, 5]
// EXPECT: [0.8049999999999999, 0.7459089999999999, 3]
// RUN: upper_triangle [[[-0.535, -1.203, -1.646, 0.613, -0.163, 1.951], [1.406, 1.348, -1.794,
// ... 0.221, 0.43, -1.799], [-0.091, -0.682, -1.134, 1.188, -0.316, -1.587], [-0.524, 1.659,
// ... -0.442, -1.251, -1.733, 0.049], [0.67, -0.349, 1.393, 0.098, 1.19, 0.261]]]
// EXPECT: [-14.203]
// RUN: upper_triangle [[[0.776, 0.566, -1.485, -1.545], [0.613, 1.414, -1.193, -1.128], [0.866,
// ... -0.117, -0.339, -0.603], [-1.745, -0.181, -0.794, -0.444], [0.161, 0.734, 0.499, 0.971],
// ... [-1.927, 0.617, 0.168, 1.405]]]
// EXPECT: [-8.104000000000001]
// RUN: cubes_i64 [-5, 12, 3]
// EXPECT: [1275]
// RUN: cubes_i64 [10, 0, 1]
// EXPECT: [0]
// RUN: cubes_i64 [0, 1000, 7]
// EXPECT: [35357609287]
// RUN: lcg [42, 100]
// EXPECT: [1205999894, 0.4657468206156045]
// RUN: lcg [7, 1]
// EXPECT: [1282168116, 0.5970560554414988]
// RUN: lcg [123456789, 13]
// EXPECT: [1250890958, 0.5710137363236684]

func.func @strided_stats(%a: memref<?xf64>, %lb: index, %ub: index, %step: index) -> (f64, f64, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %s, %ss, %cnt = scf.for %i = %lb to %ub step %step
      iter_args(%acc = %zero, %acc2 = %zero, %k = %c0) -> (f64, f64, index) {
    %x = memref.load %a[%i] : memref<?xf64>
    %xx = arith.mulf %x, %x : f64
    %n1 = arith.addf %acc, %x : f64
    %n2 = arith.addf %acc2, %xx : f64
    %k1 = arith.addi %k, %c1 : index
    scf.yield %n1, %n2, %k1 : f64, f64, index
  }
  return %s, %ss, %cnt : f64, f64, index
}

// sum_{i} sum_{j >= i} (i + 1) a[i][j]: the upper triangle, row-weighted.
func.func @upper_triangle(%a: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %a, %c0 : memref<?x?xf64>
  %n = memref.dim %a, %c1 : memref<?x?xf64>
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f64) {
    %i1 = arith.addi %i, %c1 : index
    %ii = arith.index_cast %i1 : index to i64
    %w = arith.sitofp %ii : i64 to f64
    %row = scf.for %j = %i to %n step %c1 iter_args(%r = %zero) -> (f64) {
      %x = memref.load %a[%i, %j] : memref<?x?xf64>
      %r2 = arith.addf %r, %x : f64
      scf.yield %r2 : f64
    }
    %wr = arith.mulf %w, %row : f64
    %next = arith.addf %acc, %wr : f64
    scf.yield %next : f64
  }
  return %s : f64
}

// sum_{i = lo, lo+step, ... < hi} i^3 over an i64 induction variable.
func.func @cubes_i64(%lo: i64, %hi: i64, %step: i64) -> i64 {
  %zero = arith.constant 0 : i64
  %s = scf.for %i = %lo to %hi step %step iter_args(%acc = %zero) -> (i64) : i64 {
    %i2 = arith.muli %i, %i : i64
    %i3 = arith.muli %i2, %i : i64
    %next = arith.addi %acc, %i3 : i64
    scf.yield %next : i64
  }
  return %s : i64
}

// x_{k+1} = (a x_k + c) mod 2^31 for n steps; returns x_n and the mean of
// x_k / 2^31 over k = 1..n.
func.func @lcg(%seed: i64, %n: index) -> (i64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = arith.constant 1103515245 : i64
  %c = arith.constant 12345 : i64
  %mask = arith.constant 2147483647 : i64
  %scale = arith.constant 4.656612873077393e-10 : f64
  %zero = arith.constant 0.0 : f64
  %x, %s = scf.for %k = %c0 to %n step %c1 iter_args(%xk = %seed, %acc = %zero) -> (i64, f64) {
    %ax = arith.muli %a, %xk : i64
    %axc = arith.addi %ax, %c : i64
    %next = arith.andi %axc, %mask : i64
    %f = arith.sitofp %next : i64 to f64
    %u = arith.mulf %f, %scale : f64
    %acc2 = arith.addf %acc, %u : f64
    scf.yield %next, %acc2 : i64, f64
  }
  %ni = arith.index_cast %n : index to i64
  %nf = arith.sitofp %ni : i64 to f64
  %mean = arith.divf %s, %nf : f64
  return %x, %mean : i64, f64
}
