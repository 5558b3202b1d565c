// The largest |x[i]| (scf.reduce with arith.maximumf, which propagates
// NaN), from an initial value: a reduction MLIR's OpenMP conversion does
// not take, so it runs sequentially on the CPU (atomics on a GPU). Runs:
// 17 points, the same with a larger initial value, and no points.
//
// RUN: max_abs [[-0.547, 1.798, -0.982, 0.713, -1.688, 1.511, -1.874, -0.647, -0.154, 0.132, 0.919,
// ... 1.716, 1.421, 0.23, 0.462, 1.215, 1.017], 0.0]
// EXPECT: [1.874]
// RUN: max_abs [[-0.547, 1.798, -0.982, 0.713, -1.688, 1.511, -1.874, -0.647, -0.154, 0.132, 0.919,
// ... 1.716, 1.421, 0.23, 0.462, 1.215, 1.017], 5.5]
// EXPECT: [5.5]
// RUN: max_abs [[], -1.0]
// EXPECT: [-1.0]

func.func @max_abs(%x: memref<?xf64>, %init: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %m = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%init) -> f64 {
    %v = memref.load %x[%i] : memref<?xf64>
    %a = math.absf %v : f64
    scf.reduce(%a : f64) {
    ^bb0(%p: f64, %q: f64):
      %r = arith.maximumf %p, %q : f64
      scf.reduce.return %r : f64
    }
  }
  return %m : f64
}
