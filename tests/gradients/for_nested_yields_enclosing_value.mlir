// The inner loop yields a value of the enclosing loop's body (defined
// outside the inner loop, inside the outer one): q_i = sin(x·i) for every
// inner iteration, summed over the outer loop.
// GRAD: f
// ARG: scalar -1.0 1.0
// ARG: index 3
// ARG: index 2
func.func @f(%x: f64, %n: index, %m: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %total = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %ii = arith.index_cast %i : index to i64
    %fi = arith.sitofp %ii : i64 to f64
    %xi = arith.mulf %x, %fi : f64
    %q = math.sin %xi : f64
    %inner = scf.for %j = %c0 to %m step %c1 iter_args(%b = %zero) -> (f64) {
      scf.yield %q : f64
    }
    %acc2 = arith.addf %acc, %inner : f64
    scf.yield %acc2 : f64
  }
  return %total : f64
}
