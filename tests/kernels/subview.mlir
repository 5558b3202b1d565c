// memref.subview: strided views (static and dynamic offsets, sizes and
// strides, rank-reducing), passed to functions taking strided layouts
// (memref.cast to a fully dynamic layout), copied with memref.copy (a
// non-contiguous copy, done by zad's memrefCopy runtime function), written
// through in place, and returned to the caller (a view of an allocation and
// a view of an argument). Matrices are 5 x 6, vectors 13 long.
//
// RUN: sum_odd_positions [[1.38, -1.356, 0.231, -0.528, -1.14, -0.457, -0.287, 0.445, 0.946,
// ... -1.939, -0.984, 0.417, -1.665]]
// EXPECT: [-3.418, 6]
// RUN: sum_odd_positions [[1.38, -1.356, 0.231, -0.528, -1.14, -0.457, -0.287, 0.445]]
// EXPECT: [-2.341, 3]
// RUN: sum_range [[1.38, -1.356, 0.231, -0.528, -1.14, -0.457, -0.287, 0.445, 0.946, -1.939,
// ... -0.984, 0.417, -1.665], 2, 12, 3]
// EXPECT: [1.137]
// RUN: sum_range [[1.38, -1.356, 0.231, -0.528, -1.14, -0.457, -0.287, 0.445, 0.946, -1.939,
// ... -0.984, 0.417, -1.665], 0, 13, 1]
// EXPECT: [-4.937]
// RUN: sum_range [[1.38, -1.356, 0.231, -0.528, -1.14, -0.457, -0.287, 0.445, 0.946, -1.939,
// ... -0.984, 0.417, -1.665], 5, 6, 4]
// EXPECT: [-0.457]
// RUN: column [[[-0.403, 0.87, -0.877, -1.669, 1.879, 0.256], [0.577, 0.307, -0.099, -1.51,
// ... -0.746, 0.945], [1.63, 1.554, 1.793, -1.898, 0.952, 0.69], [0.501, 0.55, -1.495, 0.505,
// ... 1.148, -1.97], [1.684, -1.477, -0.497, 0.203, 0.433, 0.198]], 4]
// EXPECT: [[1.879, -0.746, 0.952, 1.148, 0.433]]
// RUN: column [[[-0.403, 0.87, -0.877, -1.669, 1.879, 0.256], [0.577, 0.307, -0.099, -1.51,
// ... -0.746, 0.945], [1.63, 1.554, 1.793, -1.898, 0.952, 0.69], [0.501, 0.55, -1.495, 0.505,
// ... 1.148, -1.97], [1.684, -1.477, -0.497, 0.203, 0.433, 0.198]], 0]
// EXPECT: [[-0.403, 0.577, 1.63, 0.501, 1.684]]
// RUN: block_weighted_sum [[[-0.403, 0.87, -0.877, -1.669, 1.879, 0.256], [0.577, 0.307, -0.099,
// ... -1.51, -0.746, 0.945], [1.63, 1.554, 1.793, -1.898, 0.952, 0.69], [0.501, 0.55, -1.495,
// ... 0.505, 1.148, -1.97], [1.684, -1.477, -0.497, 0.203, 0.433, 0.198]], 1, 0, 2, 3, 2, 2]
// EXPECT: [0.6359999999999992]
// RUN: block_weighted_sum [[[-0.403, 0.87, -0.877, -1.669, 1.879, 0.256], [0.577, 0.307, -0.099,
// ... -1.51, -0.746, 0.945], [1.63, 1.554, 1.793, -1.898, 0.952, 0.69], [0.501, 0.55, -1.495,
// ... 0.505, 1.148, -1.97], [1.684, -1.477, -0.497, 0.203, 0.433, 0.198]], 0, 1, 5, 2, 1, 3]
// EXPECT: [64.04599999999999]
// RUN: scale_block_inplace [[[-0.403, 0.87, -0.877, -1.669, 1.879, 0.256], [0.577, 0.307, -0.099,
// ... -1.51, -0.746, 0.945], [1.63, 1.554, 1.793, -1.898, 0.952, 0.69], [0.501, 0.55, -1.495,
// ... 0.505, 1.148, -1.97], [1.684, -1.477, -0.497, 0.203, 0.433, 0.198]], -2.0]
// EXPECT: []
// EXPECT-ARG 0: [[-0.403, 0.87, -0.877, -1.669, 1.879, 0.256], [0.577, 0.307, 0.198, 3.02, 1.492,
// ... -1.89], [1.63, 1.554, 1.793, -1.898, 0.952, 0.69], [0.501, 0.55, 2.99, -1.01, -2.296, 3.94],
// ... [1.684, -1.477, -0.497, 0.203, 0.433, 0.198]]
// RUN: copy_first_column_to_last [[[-0.403, 0.87, -0.877, -1.669, 1.879, 0.256], [0.577, 0.307,
// ... -0.099, -1.51, -0.746, 0.945], [1.63, 1.554, 1.793, -1.898, 0.952, 0.69], [0.501, 0.55,
// ... -1.495, 0.505, 1.148, -1.97], [1.684, -1.477, -0.497, 0.203, 0.433, 0.198]]]
// EXPECT: []
// EXPECT-ARG 0: [[-0.403, 0.87, -0.877, -1.669, 1.879, -0.403], [0.577, 0.307, -0.099, -1.51,
// ... -0.746, 0.577], [1.63, 1.554, 1.793, -1.898, 0.952, 1.63], [0.501, 0.55, -1.495, 0.505,
// ... 1.148, 0.501], [1.684, -1.477, -0.497, 0.203, 0.433, 1.684]]
// RUN: copy_block [[[-0.403, 0.87, -0.877, -1.669, 1.879, 0.256], [0.577, 0.307, -0.099, -1.51,
// ... -0.746, 0.945], [1.63, 1.554, 1.793, -1.898, 0.952, 0.69], [0.501, 0.55, -1.495, 0.505,
// ... 1.148, -1.97], [1.684, -1.477, -0.497, 0.203, 0.433, 0.198]]]
// EXPECT: [[[0.307, -1.51, 0.945], [1.554, -1.898, 0.69], [0.55, 0.505, -1.97], [-1.477, 0.203,
// ... 0.198]]]
// RUN: odd_squares_view [5]
// EXPECT: [[1.0, 9.0, 25.0, 49.0, 81.0]]
// RUN: odd_squares_view [0]
// EXPECT: [[]]
// RUN: tail_view [[1.38, -1.356, 0.231, -0.528, -1.14, -0.457, -0.287, 0.445, 0.946, -1.939,
// ... -0.984, 0.417, -1.665], 9]
// EXPECT: [[-3.878, -0.984, 0.417, -1.665]]
// EXPECT-ARG 0: [1.38, -1.356, 0.231, -0.528, -1.14, -0.457, -0.287, 0.445, 0.946, -3.878, -0.984,
// ... 0.417, -1.665]

#strided1 = strided<[?], offset: ?>
#strided2 = strided<[?, ?], offset: ?>

func.func @sum_strided(%v: memref<?xf64, #strided1>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xf64, #strided1>
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %v[%i] : memref<?xf64, #strided1>
    %next = arith.addf %acc, %x : f64
    scf.yield %next : f64
  }
  return %s : f64
}

// Sum of a[1], a[3], a[5], ...: a static-stride view, cast to the dynamic
// layout @sum_strided takes.
func.func @sum_odd_positions(%a: memref<?xf64>) -> (f64, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %nm = arith.subi %n, %c1 : index
  %len = arith.divui %nm, %c2 : index
  %view = memref.subview %a[1] [%len] [2] : memref<?xf64> to memref<?xf64, strided<[2], offset: 1>>
  %cast = memref.cast %view : memref<?xf64, strided<[2], offset: 1>> to memref<?xf64, #strided1>
  %s = func.call @sum_strided(%cast) : (memref<?xf64, #strided1>) -> f64
  return %s, %len : f64, index
}

// Elements lo, lo+step, ... below hi (dynamic offset, size and stride).
func.func @sum_range(%a: memref<?xf64>, %lo: index, %hi: index, %step: index) -> f64 {
  %c1 = arith.constant 1 : index
  %span = arith.subi %hi, %lo : index
  %len = arith.ceildivui %span, %step : index
  %view = memref.subview %a[%lo] [%len] [%step] : memref<?xf64> to memref<?xf64, #strided1>
  %s = func.call @sum_strided(%view) : (memref<?xf64, #strided1>) -> f64
  return %s : f64
}

// Column j of a matrix (a rank-reducing view with stride = row length),
// copied into a new contiguous array that is returned.
func.func @column(%a: memref<?x?xf64>, %j: index) -> memref<?xf64> {
  %c0 = arith.constant 0 : index
  %m = memref.dim %a, %c0 : memref<?x?xf64>
  %col = memref.subview %a[0, %j] [%m, 1] [1, 1] : memref<?x?xf64> to memref<?xf64, #strided1>
  %out = memref.alloc(%m) : memref<?xf64>
  memref.copy %col, %out : memref<?xf64, #strided1> to memref<?xf64>
  return %out : memref<?xf64>
}

// sum_{i,j} (10 i + j + 1) b[i][j] over a 2-D view.
func.func @weighted_sum2(%b: memref<?x?xf64, #strided2>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %m = memref.dim %b, %c0 : memref<?x?xf64, #strided2>
  %n = memref.dim %b, %c1 : memref<?x?xf64, #strided2>
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f64) {
    %r = scf.for %j = %c0 to %n step %c1 iter_args(%a2 = %acc) -> (f64) {
      %x = memref.load %b[%i, %j] : memref<?x?xf64, #strided2>
      %w0 = arith.muli %i, %c10 : index
      %w1 = arith.addi %w0, %j : index
      %w2 = arith.addi %w1, %c1 : index
      %wi = arith.index_cast %w2 : index to i64
      %w = arith.sitofp %wi : i64 to f64
      %p = arith.mulf %w, %x : f64
      %next = arith.addf %a2, %p : f64
      scf.yield %next : f64
    }
    scf.yield %r : f64
  }
  return %s : f64
}

// The block a[i0 : i0+bm : si, j0 : j0+bn : sj] (dynamic everything),
// weighted by position inside the block.
func.func @block_weighted_sum(%a: memref<?x?xf64>, %i0: index, %j0: index, %bm: index, %bn: index,
                              %si: index, %sj: index) -> f64 {
  %view = memref.subview %a[%i0, %j0] [%bm, %bn] [%si, %sj] : memref<?x?xf64> to memref<?x?xf64, #strided2>
  %s = func.call @weighted_sum2(%view) : (memref<?x?xf64, #strided2>) -> f64
  return %s : f64
}

// Rows 1, 3 (stride 2) from column 2 on, scaled by s in place through the
// view.
func.func @scale_block_inplace(%a: memref<?x?xf64>, %s: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %m = memref.dim %a, %c0 : memref<?x?xf64>
  %n = memref.dim %a, %c1 : memref<?x?xf64>
  %rows = arith.divui %m, %c2 : index
  %cols = arith.subi %n, %c2 : index
  %view = memref.subview %a[1, 2] [%rows, %cols] [2, 1] : memref<?x?xf64> to memref<?x?xf64, strided<[?, 1], offset: ?>>
  scf.for %i = %c0 to %rows step %c1 {
    scf.for %j = %c0 to %cols step %c1 {
      %x = memref.load %view[%i, %j] : memref<?x?xf64, strided<[?, 1], offset: ?>>
      %y = arith.mulf %x, %s : f64
      memref.store %y, %view[%i, %j] : memref<?x?xf64, strided<[?, 1], offset: ?>>
    }
  }
  return
}

// Copies column 0 onto the last column, in place: a strided-to-strided copy.
func.func @copy_first_column_to_last(%a: memref<?x?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %a, %c0 : memref<?x?xf64>
  %n = memref.dim %a, %c1 : memref<?x?xf64>
  %last = arith.subi %n, %c1 : index
  %src = memref.subview %a[0, 0] [%m, 1] [1, 1] : memref<?x?xf64> to memref<?xf64, strided<[?]>>
  %dst = memref.subview %a[0, %last] [%m, 1] [1, 1] : memref<?x?xf64> to memref<?xf64, #strided1>
  memref.copy %src, %dst : memref<?xf64, strided<[?]>> to memref<?xf64, #strided1>
  return
}

// A 2-D block (every other column) copied into a new contiguous matrix.
func.func @copy_block(%a: memref<?x?xf64>) -> memref<?x?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %m = memref.dim %a, %c0 : memref<?x?xf64>
  %n = memref.dim %a, %c1 : memref<?x?xf64>
  %rows = arith.subi %m, %c1 : index
  %cols = arith.divui %n, %c2 : index
  %view = memref.subview %a[1, 1] [%rows, %cols] [1, 2] : memref<?x?xf64> to memref<?x?xf64, strided<[?, 2], offset: ?>>
  %out = memref.alloc(%rows, %cols) : memref<?x?xf64>
  memref.copy %view, %out : memref<?x?xf64, strided<[?, 2], offset: ?>> to memref<?x?xf64>
  return %out : memref<?x?xf64>
}

// Returns a view of an allocation: v[i] = i*i for i < 2n+1, viewed at odd
// positions (offset 1, stride 2) and returned without copying.
func.func @odd_squares_view(%n: index) -> memref<?xf64, strided<[2], offset: 1>> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %t = arith.muli %n, %c2 : index
  %len = arith.addi %t, %c1 : index
  %v = memref.alloc(%len) : memref<?xf64>
  scf.for %i = %c0 to %len step %c1 {
    %ii = arith.muli %i, %i : index
    %x = arith.index_cast %ii : index to i64
    %f = arith.sitofp %x : i64 to f64
    memref.store %f, %v[%i] : memref<?xf64>
  }
  %view = memref.subview %v[1] [%n] [2] : memref<?xf64> to memref<?xf64, strided<[2], offset: 1>>
  return %view : memref<?xf64, strided<[2], offset: 1>>
}

// Returns a view of the argument itself (a[k:]), after doubling a[k].
func.func @tail_view(%a: memref<?xf64>, %k: index) -> memref<?xf64, strided<[1], offset: ?>> {
  %c0 = arith.constant 0 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %len = arith.subi %n, %k : index
  %x = memref.load %a[%k] : memref<?xf64>
  %y = arith.addf %x, %x : f64
  memref.store %y, %a[%k] : memref<?xf64>
  %view = memref.subview %a[%k] [%len] [1] : memref<?xf64> to memref<?xf64, strided<[1], offset: ?>>
  return %view : memref<?xf64, strided<[1], offset: ?>>
}
