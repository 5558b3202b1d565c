// scf.if inside an scf.while body: a damped iteration that takes one of
// two updates depending on the sign of the iterate, until 12 steps or
// |y| > 4: y <- y > 0 ? y * (1 + 0.2 x) - 0.1 : y + x * cos(y).
// GRAD: switching_iteration
// ARG: scalar 0.3 0.9
// ARG: scalar -0.5 0.5
func.func @switching_iteration(%x: f64, %y0: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %fifth = arith.constant 0.2 : f64
  %tenth = arith.constant 0.1 : f64
  %four = arith.constant 4.0 : f64
  %y, %k = scf.while (%y1 = %y0, %k1 = %c0) : (f64, index) -> (f64, index) {
    %ay = math.absf %y1 : f64
    %small = arith.cmpf ole, %ay, %four : f64
    %more = arith.cmpi slt, %k1, %c12 : index
    %go = arith.andi %small, %more : i1
    scf.condition(%go) %y1, %k1 : f64, index
  } do {
  ^bb0(%y2: f64, %k2: index):
    %pos = arith.cmpf ogt, %y2, %zero : f64
    %y3 = scf.if %pos -> (f64) {
      %g = arith.mulf %fifth, %x : f64
      %g1 = arith.addf %one, %g : f64
      %p = arith.mulf %y2, %g1 : f64
      %q = arith.subf %p, %tenth : f64
      scf.yield %q : f64
    } else {
      %c = math.cos %y2 : f64
      %p = arith.mulf %x, %c : f64
      %q = arith.addf %y2, %p : f64
      scf.yield %q : f64
    }
    %k3 = arith.addi %k2, %c1 : index
    scf.yield %y3, %k3 : f64, index
  }
  return %y : f64
}
