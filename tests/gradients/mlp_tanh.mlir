// A two-layer perceptron with tanh hidden units and a squared-error loss:
// h = tanh(W1 x + b1) (5 hidden, 3 inputs) into an allocated buffer,
// y = w2 . h, f = (y - t)^2 with t const. W1, b1, w2 dup; x const.
// ACTIVITY: dup,dup,dup,const,const
// GRAD: mlp
// ARG: array 5x3
// ARG: array 5
// ARG: array 5
// ARG: array 3
// ARG: fixed 0.3
func.func @mlp(%W1: memref<5x3xf64>, %b1: memref<5xf64>, %w2: memref<5xf64>, %x: memref<3xf64>, %t: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f64
  %h = memref.alloc() : memref<5xf64>
  scf.for %i = %c0 to %c5 step %c1 {
    %b = memref.load %b1[%i] : memref<5xf64>
    %z = scf.for %j = %c0 to %c3 step %c1 iter_args(%s = %b) -> (f64) {
      %w = memref.load %W1[%i, %j] : memref<5x3xf64>
      %xj = memref.load %x[%j] : memref<3xf64>
      %p = arith.mulf %w, %xj : f64
      %s2 = arith.addf %s, %p : f64
      scf.yield %s2 : f64
    }
    %a = math.tanh %z : f64
    memref.store %a, %h[%i] : memref<5xf64>
  }
  %y = scf.for %i = %c0 to %c5 step %c1 iter_args(%s = %zero) -> (f64) {
    %hi = memref.load %h[%i] : memref<5xf64>
    %wi = memref.load %w2[%i] : memref<5xf64>
    %p = arith.mulf %hi, %wi : f64
    %s2 = arith.addf %s, %p : f64
    scf.yield %s2 : f64
  }
  memref.dealloc %h : memref<5xf64>
  %d = arith.subf %y, %t : f64
  %f = arith.mulf %d, %d : f64
  return %f : f64
}
