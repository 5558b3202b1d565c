// A range that spans most of the index type with a huge step: 3 iterations
// (-2^62, -2^62 + 2^62·... ), trip count (ub - lb - 1) / step + 1 computed
// without overflow: ub - lb exceeds the largest signed index.
// GRAD: f
// ARG: scalar -1.0 1.0
// ARG: index -4611686018427387904
// ARG: index 4611686018427387905
// ARG: index 3074457345618258603
func.func @f(%x: f64, %lb: index, %ub: index, %st: index) -> f64 {
  %r = scf.for %i = %lb to %ub step %st iter_args(%a = %x) -> (f64) {
    %s = math.tanh %a : f64
    %t = arith.mulf %s, %x : f64
    scf.yield %t : f64
  }
  return %r : f64
}
