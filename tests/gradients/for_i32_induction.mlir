// scf.for over an i32 induction variable (not index), with an active
// iter_arg and the IV converted to a float weight and to an index for a
// load: f = sum_{i=1,3,5} a[i] * sin(i * x) + acc * 0.1 a[i].
// GRAD: int_iv
// ARG: array 7
// ARG: scalar -1.0 1.0
func.func @int_iv(%a: memref<?xf64>, %x: f64) -> f64 {
  %lo = arith.constant 1 : i32
  %hi = arith.constant 7 : i32
  %st = arith.constant 2 : i32
  %zero = arith.constant 0.0 : f64
  %tenth = arith.constant 0.1 : f64
  %s = scf.for %i = %lo to %hi step %st iter_args(%acc = %zero) -> (f64) : i32 {
    %ix = arith.index_cast %i : i32 to index
    %v = memref.load %a[%ix] : memref<?xf64>
    %fi = arith.sitofp %i : i32 to f64
    %ixf = arith.mulf %fi, %x : f64
    %sn = math.sin %ixf : f64
    %p = arith.mulf %v, %sn : f64
    %q = arith.mulf %acc, %tenth : f64
    %qv = arith.mulf %q, %v : f64
    %t = arith.addf %p, %qv : f64
    %next = arith.addf %acc, %t : f64
    scf.yield %next : f64
  }
  return %s : f64
}
