// A custom adjoint of a helper with buffer arguments: it accumulates into
// the shadow of each float memref and returns the gradient of the scalar.
// The third call passes constant weights (a constant global, never
// active): zad gives the adjoint a zeroed scratch shadow for them.
// GRAD: custom_memref
// ARG: array 6
// ARG: array 6
// ARG: scalar
func.func private @wsum(%u: memref<?xf64>, %v: memref<?xf64>, %w: f64) -> f64 attributes {zad.adjoint = @wsum_adjoint} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %a = memref.load %u[%i] : memref<?xf64>
    %b = memref.load %v[%i] : memref<?xf64>
    %p = arith.mulf %a, %b : f64
    %q = arith.mulf %p, %a : f64
    %next = arith.addf %acc, %q : f64
    scf.yield %next : f64
  }
  %r = arith.mulf %s, %w : f64
  return %r : f64
}
// f = w * sum u_i^2 v_i: du_i += seed w 2 u_i v_i, dv_i += seed w u_i^2,
// dw = seed sum u_i^2 v_i.
func.func private @wsum_adjoint(%u: memref<?xf64>, %du: memref<?xf64>, %v: memref<?xf64>, %dv: memref<?xf64>, %w: f64, %seed: f64) -> (f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %two = arith.constant 2.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %sw = arith.mulf %seed, %w : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %a = memref.load %u[%i] : memref<?xf64>
    %b = memref.load %v[%i] : memref<?xf64>
    %ab = arith.mulf %a, %b : f64
    %aab = arith.mulf %ab, %a : f64
    %g = arith.mulf %ab, %two : f64
    %gu = arith.mulf %g, %sw : f64
    %old_u = memref.load %du[%i] : memref<?xf64>
    %new_u = arith.addf %old_u, %gu : f64
    memref.store %new_u, %du[%i] : memref<?xf64>
    %aa = arith.mulf %a, %a : f64
    %gv = arith.mulf %aa, %sw : f64
    %old_v = memref.load %dv[%i] : memref<?xf64>
    %new_v = arith.addf %old_v, %gv : f64
    memref.store %new_v, %dv[%i] : memref<?xf64>
    %next = arith.addf %acc, %aab : f64
    scf.yield %next : f64
  }
  %r = arith.mulf %s, %w : f64
  %dw = arith.mulf %s, %seed : f64
  return %r, %dw : f64, f64
}
memref.global "private" constant @weights : memref<6xf64> = dense<[0.5, -1.0, 2.0, 0.25, 1.5, -0.75]>
func.func @custom_memref(%u: memref<?xf64>, %v: memref<?xf64>, %w: f64) -> f64 {
  %a = func.call @wsum(%u, %v, %w) : (memref<?xf64>, memref<?xf64>, f64) -> f64
  %b = func.call @wsum(%v, %u, %a) : (memref<?xf64>, memref<?xf64>, f64) -> f64
  %g = memref.get_global @weights : memref<6xf64>
  %weights = memref.cast %g : memref<6xf64> to memref<?xf64>
  %c = func.call @wsum(%u, %weights, %b) : (memref<?xf64>, memref<?xf64>, f64) -> f64
  %ab = arith.addf %a, %b : f64
  %r = arith.addf %ab, %c : f64
  return %r : f64
}
