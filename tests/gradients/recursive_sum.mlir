// A recursive sum over an index range with scalar arguments:
// S(lo, hi, x) = lo == hi ? 0 : sin(lo x) / (lo + 1) + S(lo + 1, hi, x),
// and a tree recursion (two recursive calls per level),
// T(n, x) = n < 2 ? x : T(n-1, x) * 0.5 + cos(T(n-2, x)); f = S(0, 6, x) + T(5, y).
// GRAD: recursive_series
// ARG: scalar -1.5 1.5
// ARG: scalar -1.0 1.0
func.func @series(%lo: index, %hi: index, %x: f64) -> f64 {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %done = arith.cmpi eq, %lo, %hi : index
  %r = scf.if %done -> (f64) {
    scf.yield %zero : f64
  } else {
    %li = arith.index_cast %lo : index to i64
    %lf = arith.sitofp %li : i64 to f64
    %lx = arith.mulf %lf, %x : f64
    %s = math.sin %lx : f64
    %one = arith.constant 1.0 : f64
    %l1 = arith.addf %lf, %one : f64
    %t = arith.divf %s, %l1 : f64
    %next = arith.addi %lo, %c1 : index
    %rest = func.call @series(%next, %hi, %x) : (index, index, f64) -> f64
    %sum = arith.addf %t, %rest : f64
    scf.yield %sum : f64
  }
  return %r : f64
}
func.func @tree(%n: index, %x: f64) -> f64 {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %half = arith.constant 0.5 : f64
  %small = arith.cmpi ult, %n, %c2 : index
  %r = scf.if %small -> (f64) {
    scf.yield %x : f64
  } else {
    %n1 = arith.subi %n, %c1 : index
    %n2 = arith.subi %n, %c2 : index
    %a = func.call @tree(%n1, %x) : (index, f64) -> f64
    %b = func.call @tree(%n2, %x) : (index, f64) -> f64
    %ha = arith.mulf %a, %half : f64
    %cb = math.cos %b : f64
    %s = arith.addf %ha, %cb : f64
    scf.yield %s : f64
  }
  return %r : f64
}
func.func @recursive_series(%x: f64, %y: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c5 = arith.constant 5 : index
  %c6 = arith.constant 6 : index
  %s = func.call @series(%c0, %c6, %x) : (index, index, f64) -> f64
  %t = func.call @tree(%c5, %y) : (index, f64) -> f64
  %f = arith.addf %s, %t : f64
  return %f : f64
}
