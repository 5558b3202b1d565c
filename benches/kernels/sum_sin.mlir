// sum_i sin(x_i) * x_i^2: a reduction whose gradient needs no tape
// beyond the input itself.
func.func @sum_sin(%x: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %v = memref.load %x[%i] : memref<?xf64>
    %sv = math.sin %v : f64
    %v2 = arith.mulf %v, %v : f64
    %t = arith.mulf %sv, %v2 : f64
    %next = arith.addf %acc, %t : f64
    scf.yield %next : f64
  }
  return %s : f64
}
