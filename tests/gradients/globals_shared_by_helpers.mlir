// Two helpers share a mutable global (issue 9, class 3): one stores into it,
// the other loads from it; after inlining the function holds two
// memref.get_global ops of one global. f = (x·w)² + sum of the stored
// array read back.
// GRAD: f
// ARG: scalar -1.0 1.0
// ARG: array 4
memref.global "private" @cell : memref<f64> = dense<0.0>
memref.global "private" @work : memref<4xf64> = dense<0.0>
func.func @put(%x: f64, %u: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %g = memref.get_global @cell : memref<f64>
  memref.store %x, %g[] : memref<f64>
  %w = memref.get_global @work : memref<4xf64>
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %u[%i] : memref<?xf64>
    %s = math.sin %v : f64
    %t = arith.mulf %s, %x : f64
    memref.store %t, %w[%i] : memref<4xf64>
  }
  return
}
func.func @get() -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %g = memref.get_global @cell : memref<f64>
  %y = memref.load %g[] : memref<f64>
  %sq = arith.mulf %y, %y : f64
  %w = memref.get_global @work : memref<4xf64>
  %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %sq) -> (f64) {
    %v = memref.load %w[%i] : memref<4xf64>
    %b = arith.addf %a, %v : f64
    scf.yield %b : f64
  }
  return %sum : f64
}
func.func @f(%x: f64, %u: memref<?xf64>) -> f64 {
  func.call @put(%x, %u) : (f64, memref<?xf64>) -> ()
  %r = func.call @get() : () -> f64
  return %r : f64
}
