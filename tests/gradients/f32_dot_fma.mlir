// An f32 dot product with math.fma, a 2-D f32 matrix-vector product in a
// nested loop, and a softplus of the result: f = sum_i log(1 + exp((A x)_i))
// + fma-dot(x, x). (f32 version of a logistic-regression-like loss.)
// GRAD: softplus_layer32
// ARG: array 5x7
// ARG: array 7
func.func @softplus_layer32(%A: memref<?x?xf32>, %x: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %m = memref.dim %A, %c0 : memref<?x?xf32>
  %n = memref.dim %A, %c1 : memref<?x?xf32>
  %s = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f32) {
    %z = scf.for %j = %c0 to %n step %c1 iter_args(%zacc = %zero) -> (f32) {
      %a = memref.load %A[%i, %j] : memref<?x?xf32>
      %v = memref.load %x[%j] : memref<?xf32>
      %z2 = math.fma %a, %v, %zacc : f32
      scf.yield %z2 : f32
    }
    %e = math.exp %z : f32
    %e1 = arith.addf %one, %e : f32
    %l = math.log %e1 : f32
    %acc2 = arith.addf %acc, %l : f32
    scf.yield %acc2 : f32
  }
  %d = scf.for %j = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %v = memref.load %x[%j] : memref<?xf32>
    %acc2 = math.fma %v, %v, %acc : f32
    scf.yield %acc2 : f32
  }
  %f = arith.addf %s, %d : f32
  return %f : f32
}
