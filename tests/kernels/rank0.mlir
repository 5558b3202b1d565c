// Rank-0 memrefs (memref<f64>, memref<f32>): passed as a plain JSON number,
// loaded and stored with no indices, updated in place, returned as an
// allocated rank-0 result, and filled by a reduction over a rank-1 array.
//
// RUN: scale0 [2.5, -3.0]
// EXPECT: []
// EXPECT-ARG 0: -7.5
// RUN: make0 [1.0]
// EXPECT: [2.718281828459045]
// RUN: make0 [-2.5]
// EXPECT: [0.0820849986238988]
// RUN: sum_into0 [[1.25, 2.5, -3.75, 4.0, 0.125, 7.0, -1.5], 9.0]
// EXPECT: [9.0]
// EXPECT-ARG 1: 9.625
// RUN: swap0 [1.5, -4.0]
// EXPECT: [-6.0]
// EXPECT-ARG 0: -4.0
// EXPECT-ARG 1: 1.5

func.func @scale0(%a: memref<f64>, %s: f64) {
  %x = memref.load %a[] : memref<f64>
  %y = arith.mulf %x, %s : f64
  memref.store %y, %a[] : memref<f64>
  return
}

func.func @make0(%x: f64) -> memref<f64> {
  %r = memref.alloc() : memref<f64>
  %y = math.exp %x : f64
  memref.store %y, %r[] : memref<f64>
  return %r : memref<f64>
}

// out = sum(v), returns the old value of out.
func.func @sum_into0(%v: memref<?xf32>, %out: memref<f32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  %old = memref.load %out[] : memref<f32>
  %zero = arith.constant 0.0 : f32
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %x = memref.load %v[%i] : memref<?xf32>
    %next = arith.addf %acc, %x : f32
    scf.yield %next : f32
  }
  memref.store %s, %out[] : memref<f32>
  return %old : f32
}

// Two rank-0 arguments: returns a*b and swaps their contents.
func.func @swap0(%a: memref<f64>, %b: memref<f64>) -> f64 {
  %x = memref.load %a[] : memref<f64>
  %y = memref.load %b[] : memref<f64>
  memref.store %y, %a[] : memref<f64>
  memref.store %x, %b[] : memref<f64>
  %p = arith.mulf %x, %y : f64
  return %p : f64
}
