// memref basics: alloc (static and dynamic), alloca as scratch, dealloc,
// dim, load/store, contiguous memref.copy; several memref results from one
// call (two allocations plus a scalar), an argument returned as a result,
// a static-shape transpose, dims of a rank-3 argument as index results, an
// empty array, an over-aligned allocation (allocated != aligned pointer)
// returned, and results of mixed sizes and alignments in one struct.
//
// RUN: reverse [[-0.318, 1.703, -0.905, -1.76, -0.758, 0.873, 1.124]]
// EXPECT: [[1.124, 0.873, -0.758, -1.76, -0.905, 1.703, -0.318]]
// RUN: reverse [[]]
// EXPECT: [[]]
// RUN: prefix_suffix [[-0.318, 1.703, -0.905, -1.76, -0.758, 0.873, 1.124]]
// EXPECT: [[-0.318, 1.385, 0.48, -1.28, -2.0380000000000003, -1.1650000000000003,
// ... -0.04100000000000015], [-0.04099999999999987, 0.27700000000000014, -1.426,
// ... -0.5209999999999999, 1.239, 1.997, 1.124], -0.04099999999999987]
// RUN: square_inplace [[-0.318, 1.703, -0.905, -1.76, -0.758, 0.873, 1.124]]
// EXPECT: [[0.101124, 2.9002090000000003, 0.819025, 3.0976, 0.574564, 0.762129,
// ... 1.2633760000000003]]
// EXPECT-ARG 0: [0.101124, 2.9002090000000003, 0.819025, 3.0976, 0.574564, 0.762129,
// ... 1.2633760000000003]
// RUN: second_diff_alloca [[-0.318, 1.703, -0.905, -1.76, -0.758, 0.873, 1.124]]
// EXPECT: [30.249139999999993]
// EXPECT-ARG 0: [0.0, -4.629, 1.7530000000000001, 1.857, 0.6290000000000002, -1.38, 0.0]
// RUN: transpose_static [[[1.5, -2.0, 3.0, 4.25], [5.0, 6.5, -7.0, 8.0], [9.0, 10.0, 11.75,
// ... -12.0]]]
// EXPECT: [[[1.5, 5.0, 9.0], [-2.0, 6.5, 10.0], [3.0, -7.0, 11.75], [4.25, 8.0, -12.0]]]
// RUN: dims3 [[[[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0,
// ... 0.0, 0.0]], [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]
// EXPECT: [3, 2, 4, 24]
// RUN: fill_and_copy [3, 4]
// EXPECT: [[[0.0, -0.5, -1.0, -1.5], [1.0, 0.5, 0.0, -0.5], [2.0, 1.5, 1.0, 0.5]], [[0.0, -0.5,
// ... -1.0, -1.5], [1.0, 0.5, 0.0, -0.5], [2.0, 1.5, 1.0, 0.5]]]
// RUN: aligned_powers [7, -1.5]
// EXPECT: [[-1.5, 2.25, -3.375, 5.0625, -7.59375, 11.390625, -17.0859375]]
// RUN: mixed_results [1.25, -7, [1.0, 2.0, 3.0]]
// EXPECT: [49, 1.5625, -1.25, [[1.25, 2.5, 3.75], [2.25, 3.25, 4.25]], -56, 9]

// Reversed copy of a.
func.func @reverse(%a: memref<?xf64>) -> memref<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %r = memref.alloc(%n) : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %j = arith.subi %last, %i : index
    %x = memref.load %a[%j] : memref<?xf64>
    memref.store %x, %r[%i] : memref<?xf64>
  }
  return %r : memref<?xf64>
}

// Prefix sums, suffix sums (two new arrays) and the total.
func.func @prefix_suffix(%a: memref<?xf64>) -> (memref<?xf64>, memref<?xf64>, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %zero = arith.constant 0.0 : f64
  %p = memref.alloc(%n) : memref<?xf64>
  %s = memref.alloc(%n) : memref<?xf64>
  %total = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %next = arith.addf %acc, %x : f64
    memref.store %next, %p[%i] : memref<?xf64>
    scf.yield %next : f64
  }
  %unused = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %j = arith.subi %last, %i : index
    %x = memref.load %a[%j] : memref<?xf64>
    %next = arith.addf %acc, %x : f64
    memref.store %next, %s[%j] : memref<?xf64>
    scf.yield %next : f64
  }
  return %p, %s, %total : memref<?xf64>, memref<?xf64>, f64
}

// Squares a in place and returns a itself.
func.func @square_inplace(%a: memref<?xf64>) -> memref<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %a[%i] : memref<?xf64>
    %y = arith.mulf %x, %x : f64
    memref.store %y, %a[%i] : memref<?xf64>
  }
  return %a : memref<?xf64>
}

// Second differences through a stack scratch buffer (alloca, static size
// 16 >= n), copied back: a[i] <- a[i+1] - 2 a[i] + a[i-1] inside, 0 at the
// ends. Returns sum of squares of the result.
func.func @second_diff_alloca(%a: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %zero = arith.constant 0.0 : f64
  %two = arith.constant 2.0 : f64
  %buf = memref.alloca() : memref<16xf64>
  memref.store %zero, %buf[%c0] : memref<16xf64>
  memref.store %zero, %buf[%last] : memref<16xf64>
  scf.for %i = %c1 to %last step %c1 {
    %im = arith.subi %i, %c1 : index
    %ip = arith.addi %i, %c1 : index
    %l = memref.load %a[%im] : memref<?xf64>
    %m = memref.load %a[%i] : memref<?xf64>
    %h = memref.load %a[%ip] : memref<?xf64>
    %m2 = arith.mulf %two, %m : f64
    %d0 = arith.subf %h, %m2 : f64
    %d = arith.addf %d0, %l : f64
    memref.store %d, %buf[%i] : memref<16xf64>
  }
  %ss = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %buf[%i] : memref<16xf64>
    memref.store %x, %a[%i] : memref<?xf64>
    %xx = arith.mulf %x, %x : f64
    %next = arith.addf %acc, %xx : f64
    scf.yield %next : f64
  }
  return %ss : f64
}

// Static shapes: the transpose of a 3 x 4 matrix, through an intermediate
// copy that is deallocated.
func.func @transpose_static(%a: memref<3x4xf64>) -> memref<4x3xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %tmp = memref.alloc() : memref<3x4xf64>
  memref.copy %a, %tmp : memref<3x4xf64> to memref<3x4xf64>
  %t = memref.alloc() : memref<4x3xf64>
  scf.for %i = %c0 to %c3 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %x = memref.load %tmp[%i, %j] : memref<3x4xf64>
      memref.store %x, %t[%j, %i] : memref<4x3xf64>
    }
  }
  memref.dealloc %tmp : memref<3x4xf64>
  return %t : memref<4x3xf64>
}

func.func @dims3(%a: memref<?x?x?xf32>) -> (index, index, index, i64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %d0 = memref.dim %a, %c0 : memref<?x?x?xf32>
  %d1 = memref.dim %a, %c1 : memref<?x?x?xf32>
  %d2 = memref.dim %a, %c2 : memref<?x?x?xf32>
  %p0 = arith.muli %d0, %d1 : index
  %p = arith.muli %p0, %d2 : index
  %pi = arith.index_cast %p : index to i64
  return %d0, %d1, %d2, %pi : index, index, index, i64
}

// Allocates an n x m matrix filled with i - 0.5 j, and a copy of it
// (memref.copy between two allocations).
func.func @fill_and_copy(%n: index, %m: index) -> (memref<?x?xf64>, memref<?x?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %half = arith.constant 0.5 : f64
  %a = memref.alloc(%n, %m) : memref<?x?xf64>
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %m step %c1 {
      %ii = arith.index_cast %i : index to i64
      %jj = arith.index_cast %j : index to i64
      %fi = arith.sitofp %ii : i64 to f64
      %fj = arith.sitofp %jj : i64 to f64
      %hj = arith.mulf %half, %fj : f64
      %v = arith.subf %fi, %hj : f64
      memref.store %v, %a[%i, %j] : memref<?x?xf64>
    }
  }
  %b = memref.alloc(%n, %m) : memref<?x?xf64>
  memref.copy %a, %b : memref<?x?xf64> to memref<?x?xf64>
  return %a, %b : memref<?x?xf64>, memref<?x?xf64>
}

// a[i] = x^(i+1) in a 64-byte aligned allocation.
func.func @aligned_powers(%n: index, %x: f64) -> memref<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc(%n) {alignment = 64 : i64} : memref<?xf64>
  %last = scf.for %i = %c0 to %n step %c1 iter_args(%v = %x) -> (f64) {
    memref.store %v, %a[%i] : memref<?xf64>
    %next = arith.mulf %v, %x : f64
    scf.yield %next : f64
  }
  return %a : memref<?xf64>
}

// Results of mixed sizes and alignments in one struct: i32, f64, f32, a
// rank-2 f32 memref, i32, index.
func.func @mixed_results(%x: f64, %k: i32, %v: memref<?xf32>) -> (i32, f64, f32, memref<?x?xf32>, i32, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  %xf = arith.truncf %x : f64 to f32
  %m = memref.alloc(%c2, %n) : memref<?x?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %e = memref.load %v[%i] : memref<?xf32>
    %p = arith.mulf %e, %xf : f32
    %s = arith.addf %e, %xf : f32
    memref.store %p, %m[%c0, %i] : memref<?x?xf32>
    memref.store %s, %m[%c1, %i] : memref<?x?xf32>
  }
  %k2 = arith.muli %k, %k : i32
  %x2 = arith.mulf %x, %x : f64
  %neg = arith.negf %xf : f32
  %kn = arith.subi %k, %k2 : i32
  %n3 = arith.muli %n, %n : index
  return %k2, %x2, %neg, %m, %kn, %n3 : i32, f64, f32, memref<?x?xf32>, i32, index
}
