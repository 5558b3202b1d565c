// Logistic regression negative log-likelihood with L2 penalty, 13 samples
// of 3 features (X const, labels y in {0,1} from a const array thresholded
// with arith.cmpf + select, weights w dup, bias b active):
// f = sum_i softplus(z_i) - y_i z_i + 0.01 |w|^2, z_i = X_i . w + b.
// ACTIVITY: const,const,dup,active
// GRAD: logreg
// ARG: array 13x3 -2.0 2.0
// ARG: array 13
// ARG: array 3
// ARG: scalar -0.5 0.5
func.func @logreg(%X: memref<?x?xf64>, %labels: memref<?xf64>, %w: memref<?xf64>, %b: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %reg = arith.constant 0.01 : f64
  %n = memref.dim %X, %c0 : memref<?x?xf64>
  %d = memref.dim %X, %c1 : memref<?x?xf64>
  %nll = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %dot = scf.for %j = %c0 to %d step %c1 iter_args(%s = %b) -> (f64) {
      %x = memref.load %X[%i, %j] : memref<?x?xf64>
      %wj = memref.load %w[%j] : memref<?xf64>
      %p = arith.mulf %x, %wj : f64
      %s2 = arith.addf %s, %p : f64
      scf.yield %s2 : f64
    }
    %e = math.exp %dot : f64
    %e1 = arith.addf %one, %e : f64
    %sp = math.log %e1 : f64
    %l = memref.load %labels[%i] : memref<?xf64>
    %pos = arith.cmpf ogt, %l, %zero : f64
    %y = arith.select %pos, %one, %zero : f64
    %yz = arith.mulf %y, %dot : f64
    %t = arith.subf %sp, %yz : f64
    %acc2 = arith.addf %acc, %t : f64
    scf.yield %acc2 : f64
  }
  %ww = scf.for %j = %c0 to %d step %c1 iter_args(%s = %zero) -> (f64) {
    %wj = memref.load %w[%j] : memref<?xf64>
    %q = arith.mulf %wj, %wj : f64
    %s2 = arith.addf %s, %q : f64
    scf.yield %s2 : f64
  }
  %r = arith.mulf %reg, %ww : f64
  %f = arith.addf %nll, %r : f64
  return %f : f64
}
