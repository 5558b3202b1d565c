// A call of a private function, inlined before differentiation, so that
// the callee is differentiated with the activity of the call site (here its
// second argument is const at the call).
// ADJOINT: f active,active
// ARGS: [0.9, -0.4]

// epsilon log(cosh(v / epsilon)), a smooth |v|.
func.func private @smooth_abs(%v: f64, %epsilon: f64) -> f64 {
  %scaled = arith.divf %v, %epsilon : f64
  %up = math.exp %scaled : f64
  %minus = arith.negf %scaled : f64
  %down = math.exp %minus : f64
  %sum = arith.addf %up, %down : f64
  %half = arith.constant 0.5 : f64
  %cosh = arith.mulf %sum, %half : f64
  %log = math.log %cosh : f64
  %result = arith.mulf %log, %epsilon : f64
  return %result : f64
}

func.func @f(%x: f64, %y: f64) -> f64 {
  %epsilon = arith.constant 0.25 : f64
  %difference = arith.subf %x, %y : f64
  %a = func.call @smooth_abs(%difference, %epsilon) : (f64, f64) -> f64
  %b = func.call @smooth_abs(%y, %epsilon) : (f64, f64) -> f64
  %product = arith.mulf %a, %b : f64
  return %product : f64
}
