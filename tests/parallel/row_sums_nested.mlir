// Nested parallel loops: the outer one over rows, an inner one over the
// columns of each row with a reduction (the row's sum, scaled), written to
// out[i]. The inner loop runs sequentially inside each outer iteration
// (zad's policy for nested parallel loops). 5 x 7 array.
//
// RUN: row_sums_nested [[[0.346, -1.685, -1.203, 1.655, 1.588, -0.791, -1.361], [-0.364, 0.868,
// ... 1.482, -1.034, -1.464, 0.058, 0.196], [-0.912, 0.151, 0.186, 0.88, -1.476, 0.758, -0.862],
// ... [-0.618, 1.777, -0.352, -1.445, 0.889, -0.971, 1.421], [0.995, -1.208, 0.043, 1.714, -1.082,
// ... -1.221, -0.145]], [0.0, 0.0, 0.0, 0.0, 0.0], 0.5]
// EXPECT: []
// EXPECT-ARG 1: [-0.7254999999999998, -0.129, -0.6375, 0.3504999999999999, -0.45200000000000007]

func.func @row_sums_nested(%a: memref<?x?xf64>, %out: memref<?xf64>, %scale: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %rows = memref.dim %a, %c0 : memref<?x?xf64>
  %cols = memref.dim %a, %c1 : memref<?x?xf64>
  scf.parallel (%i) = (%c0) to (%rows) step (%c1) {
    %sum = scf.parallel (%j) = (%c0) to (%cols) step (%c1) init (%zero) -> f64 {
      %x = memref.load %a[%i, %j] : memref<?x?xf64>
      scf.reduce(%x : f64) {
      ^bb0(%p: f64, %q: f64):
        %s = arith.addf %p, %q : f64
        scf.reduce.return %s : f64
      }
    }
    %scaled = arith.mulf %sum, %scale : f64
    memref.store %scaled, %out[%i] : memref<?xf64>
    scf.reduce
  }
  return
}
