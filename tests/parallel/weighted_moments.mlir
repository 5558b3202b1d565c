// Two reductions in one two-dimensional parallel loop: the weighted sum
// sum w[i,j] u[i,j] and the sum of squares sum u[i,j]^2 over a 6 x 7
// array, and a count of positive entries (an i64 sum), each from zero.
//
// RUN: weighted_moments [[[1.084, 1.971, -1.056, -1.64, -1.929, -0.59, 0.964], [0.781, -1.147,
// ... 0.582, 1.601, 0.656, -1.7, 1.552], [-1.329, 0.86, -0.593, 1.602, 0.182, -0.701, 1.294],
// ... [1.945, -1.681, 0.428, -0.126, 1.583, -1.933, -1.692], [-1.293, -1.14, -0.654, 0.428, -0.028,
// ... -0.145, -0.317], [0.619, -0.837, -1.606, 0.954, -0.474, -0.463, -1.173]], [[-1.285, -1.857,
// ... -1.129, 0.007, 1.83, 1.309, -0.198], [-1.792, 1.861, 1.032, -1.717, -0.404, -0.821, -1.126],
// ... [0.88, 0.505, 1.796, -0.759, -0.647, 0.029, -1.784], [0.664, 0.048, 0.038, 1.215, -0.764,
// ... 0.548, 1.865], [-0.149, -1.174, 1.694, -0.929, 1.445, -0.683, 1.769], [1.047, 1.716, 0.435,
// ... 1.67, 0.104, 1.91, 1.936]]]
// EXPECT: [-28.05279, 58.048251, 18]
// TOLERANCE: 1e-13

func.func @weighted_moments(%u: memref<?x?xf64>, %w: memref<?x?xf64>) -> (f64, f64, i64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %zero_i = arith.constant 0 : i64
  %one_i = arith.constant 1 : i64
  %rows = memref.dim %u, %c0 : memref<?x?xf64>
  %cols = memref.dim %u, %c1 : memref<?x?xf64>
  %sum, %squares, %positive = scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %cols) step (%c1, %c1)
      init (%zero, %zero, %zero_i) -> (f64, f64, i64) {
    %x = memref.load %u[%i, %j] : memref<?x?xf64>
    %y = memref.load %w[%i, %j] : memref<?x?xf64>
    %xy = arith.mulf %x, %y : f64
    %xx = arith.mulf %x, %x : f64
    %is_positive = arith.cmpf ogt, %x, %zero : f64
    %count = arith.select %is_positive, %one_i, %zero_i : i64
    scf.reduce(%xy, %xx, %count : f64, f64, i64) {
    ^bb0(%a: f64, %b: f64):
      %s = arith.addf %a, %b : f64
      scf.reduce.return %s : f64
    }, {
    ^bb0(%a: f64, %b: f64):
      %s = arith.addf %a, %b : f64
      scf.reduce.return %s : f64
    }, {
    ^bb0(%a: i64, %b: i64):
      %s = arith.addi %a, %b : i64
      scf.reduce.return %s : i64
    }
  }
  return %sum, %squares, %positive : f64, f64, i64
}
