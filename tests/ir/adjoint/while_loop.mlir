// scf.while with a data-dependent trip count: replace x by log(x) + 1
// until it drops below 2 (four times from 300), then scale by y. The forward sweep counts the
// iterations; the reverse sweep is an scf.for over that count, reading the
// iterates back from a stack tape.
// ADJOINT: f active,active
// ARGS: [300.0, 1.7]

func.func @f(%x: f64, %y: f64) -> f64 {
  %two = arith.constant 2.0 : f64
  %root = scf.while (%v = %x) : (f64) -> f64 {
    %big = arith.cmpf oge, %v, %two : f64
    scf.condition(%big) %v : f64
  } do {
  ^bb0(%v: f64):
    %l = math.log %v : f64
    %one = arith.constant 1.0 : f64
    %next = arith.addf %l, %one : f64
    scf.yield %next : f64
  }
  %result = arith.mulf %root, %y : f64
  return %result : f64
}
