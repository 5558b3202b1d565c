// The tangent of @energy (custom_derivatives.mlir) through the tangents of
// its foreign routines, registered by custom_derivatives.c.
func.func private @eos(f64, f64) -> f64
func.func private @wnorm(memref<?xf64>, f64) -> f64
func.func @energy(%u: memref<?xf64>, %rho: f64, %t: f64) -> f64 {
  %p = func.call @eos(%rho, %t) : (f64, f64) -> f64
  %s = func.call @wnorm(%u, %p) : (memref<?xf64>, f64) -> f64
  %r = arith.mulf %s, %p : f64
  return %r : f64
}
func.func @energy_tangent(%u: memref<?xf64>, %du: memref<?xf64>, %rho: f64, %drho: f64, %t: f64, %dt: f64) -> f64 {
  %r:2 = zad.tangent @energy(%u, %du, %rho, %drho, %t, %dt) {activity = ["dup", "dup", "dup"]}
      : (memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> (f64, f64)
  return %r#1 : f64
}
