// A nonlinear recurrence x_{k+1} = a sin(x_k) + x_k / 2 carried by an
// scf.for: the reverse sweep needs every x_k, which the forward sweep
// records on a tape indexed by the iteration (the trip count is known
// before the loop runs).
// ADJOINT: f active,active,const
// ARGS: [0.3, 1.9, 25]

func.func @f(%x0: f64, %a: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %half = arith.constant 0.5 : f64
  %x = scf.for %k = %c0 to %steps step %c1 iter_args(%xk = %x0) -> (f64) {
    %s = math.sin %xk : f64
    %forced = arith.mulf %a, %s : f64
    %damped = arith.mulf %xk, %half : f64
    %next = arith.addf %forced, %damped : f64
    scf.yield %next : f64
  }
  return %x : f64
}
