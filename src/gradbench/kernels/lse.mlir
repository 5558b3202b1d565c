// GradBench eval `lse`: LogSumExp with the max trick,
//   lse(x) = a + log sum_i exp(x_i - a),  a = max_i x_i,
// written from its primitives (a max and a sum), as the eval asks.
func.func @lse(%x: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %x0 = memref.load %x[%c0] : memref<?xf64>
  %a = scf.for %i = %c1 to %n step %c1 iter_args(%max = %x0) -> (f64) {
    %xi = memref.load %x[%i] : memref<?xf64>
    %larger = arith.maxnumf %max, %xi : f64
    scf.yield %larger : f64
  }
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %xi = memref.load %x[%i] : memref<?xf64>
    %shifted = arith.subf %xi, %a : f64
    %e = math.exp %shifted : f64
    %more = arith.addf %acc, %e fastmath<reassoc> : f64
    scf.yield %more : f64
  }
  %log = math.log %sum : f64
  %lse = arith.addf %a, %log : f64
  return %lse : f64
}
