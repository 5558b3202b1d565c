// A recursive function, which the inliner leaves as a call: zad generates
// an adjoint for the callee too and calls it from the reverse sweep.
// p(x, n) = x * p(x, n - 1) + 1 with p(x, 0) = 1 (= 1 + x + ... + x^n).
// ADJOINT: f active,const
// ARGS: [0.8, 4]

func.func @p(%x: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %done = arith.cmpi eq, %n, %c0 : index
  %result = scf.if %done -> (f64) {
    scf.yield %one : f64
  } else {
    %m = arith.subi %n, %c1 : index
    %rest = func.call @p(%x, %m) : (f64, index) -> f64
    %scaled = arith.mulf %x, %rest : f64
    %sum = arith.addf %scaled, %one : f64
    scf.yield %sum : f64
  }
  return %result : f64
}

func.func @f(%x: f64, %n: index) -> f64 {
  %value = func.call @p(%x, %n) : (f64, index) -> f64
  %square = arith.mulf %value, %x : f64
  return %square : f64
}
