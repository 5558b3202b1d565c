// A value that is both the initial value of an scf.for iter_arg and used
// inside the loop body: y0 = x, y <- y cos(a_i) + x a_i^2, f = y^2. Both
// paths from x must reach its gradient.
// GRAD: init_and_free
// ARG: array 7
// ARG: scalar 0.2 1.2
func.func @init_and_free(%a: memref<?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%y = %x) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %c = math.cos %v : f64
    %yc = arith.mulf %y, %c : f64
    %vv = arith.mulf %v, %v : f64
    %xv = arith.mulf %x, %vv : f64
    %next = arith.addf %yc, %xv : f64
    scf.yield %next : f64
  }
  %f = arith.mulf %s, %s : f64
  return %f : f64
}
