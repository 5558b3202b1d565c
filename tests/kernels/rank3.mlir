// Rank-3 arrays (2 x 3 x 4 and 3 x 2 x 5): memref.dim on every dimension,
// triple-nested loops, a weighted reduction whose weights 100 i + 10 j + k + 1
// identify every position, a permuted copy b[k][i][j] = a[i][j][k] returned
// as a new rank-3 memref, and an in-place update; f64 dynamic shape and an
// f32 static-shape version.
//
// RUN: weighted_sum3 [[[[0.771, 1.263, -0.622, -1.821], [0.286, -1.415, 0.875, -0.619], [-0.172,
// ... 1.904, 1.126, 1.375]], [[0.22, 1.766, -1.927, 1.557], [-0.441, -1.073, 0.138, 1.779],
// ... [-0.676, 1.634, -0.131, 1.869]]]]
// EXPECT: [628.463, 2, 3, 4]
// RUN: weighted_sum3 [[[[0.268, -0.277, -1.624, -0.608, 0.486], [-1.913, 1.499, 1.416, -1.823,
// ... 1.21]], [[-1.261, 0.782, -1.38, 0.766, 1.835], [1.94, 0.653, -1.346, -0.42, -0.888]],
// ... [[1.823, -0.803, 0.244, -0.371, -1.445], [-0.461, 1.078, -0.346, 0.717, 0.327]]]]
// EXPECT: [234.95099999999996, 3, 2, 5]
// RUN: permute3 [[[[0.771, 1.263, -0.622, -1.821], [0.286, -1.415, 0.875, -0.619], [-0.172, 1.904,
// ... 1.126, 1.375]], [[0.22, 1.766, -1.927, 1.557], [-0.441, -1.073, 0.138, 1.779], [-0.676,
// ... 1.634, -0.131, 1.869]]]]
// EXPECT: [[[[0.771, 0.286, -0.172], [0.22, -0.441, -0.676]], [[1.263, -1.415, 1.904], [1.766,
// ... -1.073, 1.634]], [[-0.622, 0.875, 1.126], [-1.927, 0.138, -0.131]], [[-1.821, -0.619,
// ... 1.375], [1.557, 1.779, 1.869]]]]
// RUN: update3_f32 [[[[0.268, -0.277, -1.624, -0.608, 0.486], [-1.913, 1.499, 1.416, -1.823,
// ... 1.21]], [[-1.261, 0.782, -1.38, 0.766, 1.835], [1.94, 0.653, -1.346, -0.42, -0.888]],
// ... [[1.823, -0.803, 0.244, -0.371, -1.445], [-0.461, 1.078, -0.346, 0.717, 0.327]]], 1.5]
// EXPECT: []
// EXPECT-ARG 0: [[[0.4020000100135803, 0.5844999849796295, -0.43599992990493774,
// ... 2.0880000293254852, 4.729000002145767], [-3.869499981403351, 2.2484999299049377,
// ... 3.1240000128746033, -0.7344999313354492, 4.815000057220459]], [[-0.8915000557899475,
// ... 3.173000007867813, 0.9300000071525574, 5.148999959230423, 7.752500057220459],
// ... [2.9100000858306885, 1.9794999957084656, -0.018999934196472168, 2.3700000196695328,
// ... 2.6679999828338623]], [[4.734499931335449, 1.7955000400543213, 4.3660000041127205,
// ... 4.4435000121593475, 3.832499921321869], [0.3085000067949295, 3.616999924182892,
// ... 2.4810000211000443, 5.075500011444092, 5.49049998819828]]]

func.func @weighted_sum3(%a: memref<?x?x?xf64>) -> (f64, index, index, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c10 = arith.constant 10 : index
  %c100 = arith.constant 100 : index
  %n0 = memref.dim %a, %c0 : memref<?x?x?xf64>
  %n1 = memref.dim %a, %c1 : memref<?x?x?xf64>
  %n2 = memref.dim %a, %c2 : memref<?x?x?xf64>
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n0 step %c1 iter_args(%si = %zero) -> (f64) {
    %sj = scf.for %j = %c0 to %n1 step %c1 iter_args(%aj = %si) -> (f64) {
      %sk = scf.for %k = %c0 to %n2 step %c1 iter_args(%ak = %aj) -> (f64) {
        %x = memref.load %a[%i, %j, %k] : memref<?x?x?xf64>
        %wi = arith.muli %i, %c100 : index
        %wj = arith.muli %j, %c10 : index
        %w0 = arith.addi %wi, %wj : index
        %w1 = arith.addi %w0, %k : index
        %w2 = arith.addi %w1, %c1 : index
        %wint = arith.index_cast %w2 : index to i64
        %w = arith.sitofp %wint : i64 to f64
        %p = arith.mulf %w, %x : f64
        %next = arith.addf %ak, %p : f64
        scf.yield %next : f64
      }
      scf.yield %sk : f64
    }
    scf.yield %sj : f64
  }
  return %s, %n0, %n1, %n2 : f64, index, index, index
}

func.func @permute3(%a: memref<?x?x?xf64>) -> memref<?x?x?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n0 = memref.dim %a, %c0 : memref<?x?x?xf64>
  %n1 = memref.dim %a, %c1 : memref<?x?x?xf64>
  %n2 = memref.dim %a, %c2 : memref<?x?x?xf64>
  %b = memref.alloc(%n2, %n0, %n1) : memref<?x?x?xf64>
  scf.for %i = %c0 to %n0 step %c1 {
    scf.for %j = %c0 to %n1 step %c1 {
      scf.for %k = %c0 to %n2 step %c1 {
        %x = memref.load %a[%i, %j, %k] : memref<?x?x?xf64>
        memref.store %x, %b[%k, %i, %j] : memref<?x?x?xf64>
      }
    }
  }
  return %b : memref<?x?x?xf64>
}

// a[i][j][k] = a[i][j][k] * s + i - j + k, in place (f32, static shape).
func.func @update3_f32(%a: memref<3x2x5xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  scf.for %i = %c0 to %c3 step %c1 {
    scf.for %j = %c0 to %c2 step %c1 {
      scf.for %k = %c0 to %c5 step %c1 {
        %x = memref.load %a[%i, %j, %k] : memref<3x2x5xf32>
        %y = arith.mulf %x, %s : f32
        %t0 = arith.subi %i, %j : index
        %t1 = arith.addi %t0, %k : index
        %ti = arith.index_cast %t1 : index to i32
        %t = arith.sitofp %ti : i32 to f32
        %z = arith.addf %y, %t : f32
        memref.store %z, %a[%i, %j, %k] : memref<3x2x5xf32>
      }
    }
  }
  return
}
