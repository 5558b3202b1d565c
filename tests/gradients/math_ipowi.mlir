// math.ipowi (integer power, never active) next to active arithmetic: the
// kernel must compile (MLIR lowers ipowi through convert-math-to-funcs).
// GRAD: f
// ARG: scalar -1.0 1.0
// ARG: index 3
func.func @f(%x: f64, %n: i32) -> f64 {
  %k = math.ipowi %n, %n : i32
  %fk = arith.sitofp %k : i32 to f64
  %p = math.fpowi %x, %n : f64, i32
  %r = arith.mulf %p, %fk : f64
  return %r : f64
}
