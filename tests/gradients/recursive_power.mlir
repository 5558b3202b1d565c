// A recursive function (not inlined: zad gives it an adjoint of its own):
// power by squaring, pow(x, n) = n == 0 ? 1 : (n odd ? x pow(x, n-1)
// : pow(x, n/2)^2), with n a const index; f = pow(x, 7) + pow(y, 4) * x.
// GRAD: powers
// ARG: scalar -1.5 1.5
// ARG: scalar -1.5 1.5
func.func @pow(%x: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %one = arith.constant 1.0 : f64
  %done = arith.cmpi eq, %n, %c0 : index
  %r = scf.if %done -> (f64) {
    scf.yield %one : f64
  } else {
    %rem = arith.remui %n, %c2 : index
    %odd = arith.cmpi eq, %rem, %c1 : index
    %v = scf.if %odd -> (f64) {
      %m = arith.subi %n, %c1 : index
      %p = func.call @pow(%x, %m) : (f64, index) -> f64
      %q = arith.mulf %x, %p : f64
      scf.yield %q : f64
    } else {
      %h = arith.divui %n, %c2 : index
      %p = func.call @pow(%x, %h) : (f64, index) -> f64
      %q = arith.mulf %p, %p : f64
      scf.yield %q : f64
    }
    scf.yield %v : f64
  }
  return %r : f64
}
func.func @powers(%x: f64, %y: f64) -> f64 {
  %c7 = arith.constant 7 : index
  %c4 = arith.constant 4 : index
  %a = func.call @pow(%x, %c7) : (f64, index) -> f64
  %b = func.call @pow(%y, %c4) : (f64, index) -> f64
  %bx = arith.mulf %b, %x : f64
  %f = arith.addf %a, %bx : f64
  return %f : f64
}
