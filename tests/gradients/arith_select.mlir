// arith.select between two active values on an arith.cmpf of active
// values (a Huber loss; the switch |r| = delta is missed by the points):
// f = sum_i huber(a_i - t * b_i), with t active and b const.
// ACTIVITY: dup,active,const
// GRAD: huber
// ARG: array 13 -2.0 2.0
// ARG: scalar 0.5 1.5
// ARG: array 13 -1.0 1.0
func.func @huber(%a: memref<?xf64>, %t: f64, %b: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %delta = arith.constant 0.8 : f64
  %half = arith.constant 0.5 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %y = memref.load %b[%i] : memref<?xf64>
    %ty = arith.mulf %t, %y : f64
    %r = arith.subf %x, %ty : f64
    %abs = math.absf %r : f64
    %small = arith.cmpf olt, %abs, %delta : f64
    %rr = arith.mulf %r, %r : f64
    %quad = arith.mulf %half, %rr : f64
    %hd = arith.mulf %half, %delta : f64
    %excess = arith.subf %abs, %hd : f64
    %lin = arith.mulf %delta, %excess : f64
    %h = arith.select %small, %quad, %lin : f64
    %next = arith.addf %acc, %h : f64
    scf.yield %next : f64
  }
  return %s : f64
}
