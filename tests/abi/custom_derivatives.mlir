// Foreign routines whose derivatives the host program registers
// (zad_context_register_derivative): custom_derivatives.{c,f90}.
func.func private @eos(f64, f64) -> f64
func.func private @wnorm(memref<?xf64>, f64) -> f64
func.func private @opaque(f64) -> f64
func.func @energy(%u: memref<?xf64>, %rho: f64, %t: f64) -> f64 {
  %p = func.call @eos(%rho, %t) : (f64, f64) -> f64
  %s = func.call @wnorm(%u, %p) : (memref<?xf64>, f64) -> f64
  %r = arith.mulf %s, %p : f64
  return %r : f64
}
func.func @uses_opaque(%x: f64) -> f64 {
  %y = func.call @opaque(%x) : (f64) -> f64
  return %y : f64
}
