// zad.hook with a hook that returns its adjoint unchanged (a logging hook
// that does nothing but pass): derivatives equal those without the hook,
// in a loop and on a value used twice.
// GRAD: hooked
// ARG: array 5
// ARG: scalar 0.5 1.5
func.func @identity_hook(%a: f64) -> f64 {
  return %a : f64
}
func.func @hooked(%u: memref<?xf64>, %w: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %u, %c0 : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %u[%i] : memref<?xf64>
    %h = zad.hook @identity_hook(%v) : f64
    %p = arith.mulf %h, %w : f64
    %e = math.sin %p : f64
    %q = arith.mulf %e, %h : f64
    %acc2 = arith.addf %acc, %q : f64
    scf.yield %acc2 : f64
  }
  return %s : f64
}
