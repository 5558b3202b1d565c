// Straight-line scalar code: one use of each common arith and math rule
// (mulf, divf, subf, negf, sin, cos, exp, log, tanh, atan, powf), with
// values used more than once so that adjoints are summed.
// ADJOINT: f active,active
// ARGS: [0.7, 1.3]

func.func @f(%x: f64, %y: f64) -> f64 {
  %xy = arith.mulf %x, %y : f64
  %s = math.sin %xy : f64
  %c = math.cos %x : f64
  %e = math.exp %c : f64
  %q = arith.divf %x, %y : f64
  %l = math.log %y : f64
  %r = math.atan %xy : f64
  %t = math.tanh %q : f64
  %p = math.powf %y, %x : f64
  %a = arith.addf %s, %e : f64
  %b = arith.subf %a, %l : f64
  %d = arith.mulf %b, %r : f64
  %g = arith.negf %t : f64
  %h = arith.addf %d, %g : f64
  %result = arith.addf %h, %p : f64
  return %result : f64
}
