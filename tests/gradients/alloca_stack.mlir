// memref.alloca (a stack buffer, static and dynamic sizes) holding
// intermediate active values: a 4-tap moving average of exp(a_i) into a
// stack array, then f = sum of squares of the averages times x.
// GRAD: moving_average
// ARG: array 13
// ARG: scalar 0.5 1.5
func.func @moving_average(%a: memref<?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f64
  %quarter = arith.constant 0.25 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %e = memref.alloca(%n) : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %a[%i] : memref<?xf64>
    %ev = math.exp %v : f64
    memref.store %ev, %e[%i] : memref<?xf64>
  }
  %m = arith.subi %n, %c3 : index
  %avg = memref.alloca(%m) : memref<?xf64>
  scf.for %i = %c0 to %m step %c1 {
    %s = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f64) {
      %j = arith.addi %i, %k : index
      %v = memref.load %e[%j] : memref<?xf64>
      %acc2 = arith.addf %acc, %v : f64
      scf.yield %acc2 : f64
    }
    %q = arith.mulf %s, %quarter : f64
    memref.store %q, %avg[%i] : memref<?xf64>
  }
  %ss = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %avg[%i] : memref<?xf64>
    %vv = arith.mulf %v, %v : f64
    %acc2 = arith.addf %acc, %vv : f64
    scf.yield %acc2 : f64
  }
  %fixed = memref.alloca() : memref<2xf64>
  memref.store %ss, %fixed[%c0] : memref<2xf64>
  memref.store %x, %fixed[%c1] : memref<2xf64>
  %p = memref.load %fixed[%c0] : memref<2xf64>
  %q = memref.load %fixed[%c1] : memref<2xf64>
  %f = arith.mulf %p, %q : f64
  return %f : f64
}
