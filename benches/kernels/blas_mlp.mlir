// A two-layer dense network's loss on a batch, its products on OpenBLAS:
// H = X W1 (dgemm), Z = tanh(H), Y = Z W2 (dgemm), loss = sum (Y - T)^2.
// X: batch x inputs, W1: inputs x hidden, W2: hidden x outputs, T: batch x
// outputs. benches/blas.rs differentiates it with respect to W1 and W2.
func.func private @dgemm(i1, i1, f64, memref<?x?xf64>, memref<?x?xf64>, f64, memref<?x?xf64>)
func.func @mlp_loss(%x: memref<?x?xf64>, %w1: memref<?x?xf64>, %w2: memref<?x?xf64>, %t: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %no = arith.constant false
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %batch = memref.dim %x, %c0 : memref<?x?xf64>
  %hidden = memref.dim %w1, %c1 : memref<?x?xf64>
  %outputs = memref.dim %w2, %c1 : memref<?x?xf64>
  %h = memref.alloc(%batch, %hidden) : memref<?x?xf64>
  func.call @dgemm(%no, %no, %one, %x, %w1, %zero, %h)
      : (i1, i1, f64, memref<?x?xf64>, memref<?x?xf64>, f64, memref<?x?xf64>) -> ()
  %z = memref.alloc(%batch, %hidden) : memref<?x?xf64>
  scf.for %i = %c0 to %batch step %c1 {
    scf.for %j = %c0 to %hidden step %c1 {
      %v = memref.load %h[%i, %j] : memref<?x?xf64>
      %a = math.tanh %v : f64
      memref.store %a, %z[%i, %j] : memref<?x?xf64>
    }
  }
  %y = memref.alloc(%batch, %outputs) : memref<?x?xf64>
  func.call @dgemm(%no, %no, %one, %z, %w2, %zero, %y)
      : (i1, i1, f64, memref<?x?xf64>, memref<?x?xf64>, f64, memref<?x?xf64>) -> ()
  %loss = scf.for %i = %c0 to %batch step %c1 iter_args(%acc = %zero) -> (f64) {
    %row = scf.for %j = %c0 to %outputs step %c1 iter_args(%inner = %acc) -> (f64) {
      %p = memref.load %y[%i, %j] : memref<?x?xf64>
      %q = memref.load %t[%i, %j] : memref<?x?xf64>
      %d = arith.subf %p, %q : f64
      %dd = arith.mulf %d, %d : f64
      %next = arith.addf %inner, %dd : f64
      scf.yield %next : f64
    }
    scf.yield %row : f64
  }
  memref.dealloc %h : memref<?x?xf64>
  memref.dealloc %z : memref<?x?xf64>
  memref.dealloc %y : memref<?x?xf64>
  return %loss : f64
}
