// func.call of helpers taking memref arguments: one reads two arrays
// (a weighted dot product), one writes its output argument (y = tanh(A x)),
// then f = dot(y, y, w) + dot(x, x, w)[0..5].
// GRAD: uses_buffer_helpers
// ARG: array 5x7
// ARG: array 7
// ARG: array 5
func.func private @wdot(%a: memref<?xf64>, %b: memref<?xf64>, %w: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %w, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %y = memref.load %b[%i] : memref<?xf64>
    %z = memref.load %w[%i] : memref<?xf64>
    %p = arith.mulf %x, %y : f64
    %q = arith.mulf %p, %z : f64
    %next = arith.addf %acc, %q : f64
    scf.yield %next : f64
  }
  return %s : f64
}
func.func private @tanh_layer(%A: memref<?x?xf64>, %x: memref<?xf64>, %y: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %m = memref.dim %A, %c0 : memref<?x?xf64>
  %n = memref.dim %A, %c1 : memref<?x?xf64>
  scf.for %i = %c0 to %m step %c1 {
    %s = scf.for %j = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
      %a = memref.load %A[%i, %j] : memref<?x?xf64>
      %v = memref.load %x[%j] : memref<?xf64>
      %p = arith.mulf %a, %v : f64
      %next = arith.addf %acc, %p : f64
      scf.yield %next : f64
    }
    %t = math.tanh %s : f64
    memref.store %t, %y[%i] : memref<?xf64>
  }
  return
}
func.func @uses_buffer_helpers(%A: memref<?x?xf64>, %x: memref<?xf64>, %w: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %m = memref.dim %A, %c0 : memref<?x?xf64>
  %y = memref.alloc(%m) : memref<?xf64>
  func.call @tanh_layer(%A, %x, %y) : (memref<?x?xf64>, memref<?xf64>, memref<?xf64>) -> ()
  %yy = func.call @wdot(%y, %y, %w) : (memref<?xf64>, memref<?xf64>, memref<?xf64>) -> f64
  %xx = func.call @wdot(%x, %x, %w) : (memref<?xf64>, memref<?xf64>, memref<?xf64>) -> f64
  %f = arith.addf %yy, %xx : f64
  memref.dealloc %y : memref<?xf64>
  return %f : f64
}
