// GradBench's multivariate_argmin (the solver shared by saddle and
// particle) over a point (x0, x1), instantiated per objective and gradient
// by replacing ARGMIN, OBJECTIVE and GRADIENT: from x, while |g(x)| > 1e-5,
// step x' = x - eta g(x); accept x' when f(x') < f(x) (and double eta
// after 10 accepted steps in a row), else halve eta; stop when the step is
// no longer than 1e-5. The objective and its gradient take parameters
// (a0, a1) that the descent does not move.
func.func private @ARGMIN(%a0: f64, %a1: f64, %s0: f64, %s1: f64) -> (f64, f64) {
  %tolerance = arith.constant 1.0e-5 : f64
  %eta0 = arith.constant 1.0e-5 : f64
  %two = arith.constant 2.0 : f64
  %zero_steps = arith.constant 0 : i64
  %one_step = arith.constant 1 : i64
  %ten_steps = arith.constant 10 : i64
  %true = arith.constant true
  %false = arith.constant false
  %f0 = func.call @OBJECTIVE(%a0, %a1, %s0, %s1) : (f64, f64, f64, f64) -> f64
  %g0_0, %g1_0 = func.call @GRADIENT(%a0, %a1, %s0, %s1) : (f64, f64, f64, f64) -> (f64, f64)
  %r:8 = scf.while (%x0 = %s0, %x1 = %s1, %fx = %f0, %g0 = %g0_0, %g1 = %g1_0, %eta = %eta0, %i = %zero_steps, %go = %true)
      : (f64, f64, f64, f64, f64, f64, i64, i1) -> (f64, f64, f64, f64, f64, f64, i64, i1) {
    scf.condition(%go) %x0, %x1, %fx, %g0, %g1, %eta, %i, %go : f64, f64, f64, f64, f64, f64, i64, i1
  } do {
  ^bb0(%x0: f64, %x1: f64, %fx: f64, %g0: f64, %g1: f64, %eta: f64, %i: i64, %go: i1):
    %gg0 = arith.mulf %g0, %g0 : f64
    %gg1 = arith.mulf %g1, %g1 : f64
    %gg = arith.addf %gg0, %gg1 : f64
    %magnitude = math.sqrt %gg : f64
    %flat = arith.cmpf ole, %magnitude, %tolerance : f64
    %n:8 = scf.if %flat -> (f64, f64, f64, f64, f64, f64, i64, i1) {
      scf.yield %x0, %x1, %fx, %g0, %g1, %eta, %i, %false : f64, f64, f64, f64, f64, f64, i64, i1
    } else {
      %ten = arith.cmpi eq, %i, %ten_steps : i64
      %m:8 = scf.if %ten -> (f64, f64, f64, f64, f64, f64, i64, i1) {
        %doubled = arith.mulf %eta, %two : f64
        scf.yield %x0, %x1, %fx, %g0, %g1, %doubled, %zero_steps, %true : f64, f64, f64, f64, f64, f64, i64, i1
      } else {
        %e0 = arith.mulf %eta, %g0 : f64
        %e1 = arith.mulf %eta, %g1 : f64
        %y0 = arith.subf %x0, %e0 : f64
        %y1 = arith.subf %x1, %e1 : f64
        %d0 = arith.subf %x0, %y0 : f64
        %d1 = arith.subf %x1, %y1 : f64
        %dd0 = arith.mulf %d0, %d0 : f64
        %dd1 = arith.mulf %d1, %d1 : f64
        %dd = arith.addf %dd0, %dd1 : f64
        %distance = math.sqrt %dd : f64
        %short = arith.cmpf ole, %distance, %tolerance : f64
        %k:8 = scf.if %short -> (f64, f64, f64, f64, f64, f64, i64, i1) {
          scf.yield %x0, %x1, %fx, %g0, %g1, %eta, %i, %false : f64, f64, f64, f64, f64, f64, i64, i1
        } else {
          %fy = func.call @OBJECTIVE(%a0, %a1, %y0, %y1) : (f64, f64, f64, f64) -> f64
          %better = arith.cmpf olt, %fy, %fx : f64
          %j:8 = scf.if %better -> (f64, f64, f64, f64, f64, f64, i64, i1) {
            %h0, %h1 = func.call @GRADIENT(%a0, %a1, %y0, %y1) : (f64, f64, f64, f64) -> (f64, f64)
            %next = arith.addi %i, %one_step : i64
            scf.yield %y0, %y1, %fy, %h0, %h1, %eta, %next, %true : f64, f64, f64, f64, f64, f64, i64, i1
          } else {
            %halved = arith.divf %eta, %two : f64
            scf.yield %x0, %x1, %fx, %g0, %g1, %halved, %zero_steps, %true : f64, f64, f64, f64, f64, f64, i64, i1
          }
          scf.yield %j#0, %j#1, %j#2, %j#3, %j#4, %j#5, %j#6, %j#7 : f64, f64, f64, f64, f64, f64, i64, i1
        }
        scf.yield %k#0, %k#1, %k#2, %k#3, %k#4, %k#5, %k#6, %k#7 : f64, f64, f64, f64, f64, f64, i64, i1
      }
      scf.yield %m#0, %m#1, %m#2, %m#3, %m#4, %m#5, %m#6, %m#7 : f64, f64, f64, f64, f64, f64, i64, i1
    }
    scf.yield %n#0, %n#1, %n#2, %n#3, %n#4, %n#5, %n#6, %n#7 : f64, f64, f64, f64, f64, f64, i64, i1
  }
  return %r#0, %r#1 : f64, f64
}
