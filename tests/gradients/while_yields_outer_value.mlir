// An scf.while whose body yields a value defined outside the loop (issue 9,
// class 1): after n ≥ 1 iterations the carried value is exp(x).
// GRAD: f
// ARG: scalar -1.0 1.0
// ARG: index 3
func.func @f(%x: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %e = math.exp %x : f64
  %r:2 = scf.while (%a = %one, %i = %c0) : (f64, index) -> (f64, index) {
    %go = arith.cmpi slt, %i, %n : index
    scf.condition(%go) %a, %i : f64, index
  } do {
  ^bb0(%a2: f64, %i2: index):
    %j = arith.addi %i2, %c1 : index
    scf.yield %e, %j : f64, index
  }
  %y = arith.mulf %r#0, %x : f64
  return %y : f64
}
