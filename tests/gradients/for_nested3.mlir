// Three nested scf.for loops: a contraction of a 3 x 5 x 7 tensor with
// three vectors through a product nonlinearity, the innermost value also
// depending on the outer iter_arg: f = sum_ijk T_ijk x_i y_j sin(z_k + acc_i).
// GRAD: contraction3
// ARG: array 3x5x7
// ARG: array 3
// ARG: array 5
// ARG: array 7
func.func @contraction3(%T: memref<?x?x?xf64>, %x: memref<?xf64>, %y: memref<?xf64>, %z: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f64
  %tenth = arith.constant 0.1 : f64
  %l = memref.dim %T, %c0 : memref<?x?x?xf64>
  %m = memref.dim %T, %c1 : memref<?x?x?xf64>
  %n = memref.dim %T, %c2 : memref<?x?x?xf64>
  %s = scf.for %i = %c0 to %l step %c1 iter_args(%acc = %zero) -> (f64) {
    %xi = memref.load %x[%i] : memref<?xf64>
    %shift = arith.mulf %acc, %tenth : f64
    %si = scf.for %j = %c0 to %m step %c1 iter_args(%accj = %zero) -> (f64) {
      %yj = memref.load %y[%j] : memref<?xf64>
      %sj = scf.for %k = %c0 to %n step %c1 iter_args(%acck = %zero) -> (f64) {
        %t = memref.load %T[%i, %j, %k] : memref<?x?x?xf64>
        %zk = memref.load %z[%k] : memref<?xf64>
        %zs = arith.addf %zk, %shift : f64
        %sz = math.sin %zs : f64
        %p = arith.mulf %t, %sz : f64
        %next = arith.addf %acck, %p : f64
        scf.yield %next : f64
      }
      %w = arith.mulf %yj, %sj : f64
      %nj = arith.addf %accj, %w : f64
      scf.yield %nj : f64
    }
    %w = arith.mulf %xi, %si : f64
    %ni = arith.addf %acc, %w : f64
    scf.yield %ni : f64
  }
  return %s : f64
}
