// Kernels that call foreign functions, which the test programs
// (foreign_functions.c, .cpp, .f90) define and register: a scalar equation
// of state, and a smoother that works on a buffer in place (it receives
// MLIR's memref descriptor).
func.func private @eos_pressure(f64, f64) -> f64
func.func private @smooth(memref<?xf64>, f64)

// sum_i p(rho_i, t)
func.func @total_pressure(%rho: memref<?xf64>, %t: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %rho, %c0 : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %r = memref.load %rho[%i] : memref<?xf64>
    %p = func.call @eos_pressure(%r, %t) : (f64, f64) -> f64
    %next = arith.addf %acc, %p : f64
    scf.yield %next : f64
  }
  return %sum : f64
}

// Smooths u in place (the foreign function), then returns u[n - 1].
func.func @smoothed_last(%u: memref<?xf64>, %w: f64) -> f64 {
  func.call @smooth(%u, %w) : (memref<?xf64>, f64) -> ()
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %u, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %v = memref.load %u[%last] : memref<?xf64>
  return %v : f64
}

// A routine nobody defines: only the kernels that call it are refused.
func.func private @legacy_flux(f64) -> f64
func.func @uses_legacy_flux(%x: f64) -> f64 {
  %y = func.call @legacy_flux(%x) : (f64) -> f64
  return %y : f64
}

// u[i], for a run-time error with bounds checks.
func.func @element(%u: memref<?xf64>, %i: index) -> f64 {
  %v = memref.load %u[%i] : memref<?xf64>
  return %v : f64
}
