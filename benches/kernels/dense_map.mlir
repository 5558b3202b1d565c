// A map whose Jacobian is dense (benches/jacobian.rs): every output
// depends on every input, through a transcendental function.
//   y_i = sum_j sin(x_i x_j) / (1 + j)
func.func @dense_map(%x: memref<?xf64>, %y: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %xi = memref.load %x[%i] : memref<?xf64>
    %s = scf.for %j = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
      %xj = memref.load %x[%j] : memref<?xf64>
      %p = arith.mulf %xi, %xj : f64
      %sn = math.sin %p : f64
      %ji = arith.index_cast %j : index to i64
      %jf = arith.sitofp %ji : i64 to f64
      %d = arith.addf %jf, %one : f64
      %t = arith.divf %sn, %d : f64
      %next = arith.addf %acc, %t : f64
      scf.yield %next : f64
    }
    memref.store %s, %y[%i] : memref<?xf64>
  }
  return
}
