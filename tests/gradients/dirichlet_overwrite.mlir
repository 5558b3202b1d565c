// Stores of constants (inactive values) into a dup argument: boundary
// values are overwritten with 0 and 1 before a smoothing pass, so the
// gradient w.r.t. the initial u_0 and u_{n-1} must be exactly zero; the
// interior is then mapped in place and reduced: f = sum_i exp(u_i / 2) u_i.
// GRAD: dirichlet
// ARG: array 7
func.func @dirichlet(%u: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %half = arith.constant 0.5 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  memref.store %zero, %u[%c0] : memref<?xf64>
  memref.store %one, %u[%last] : memref<?xf64>
  scf.for %i = %c1 to %last step %c1 {
    %im1 = arith.subi %i, %c1 : index
    %ip1 = arith.addi %i, %c1 : index
    %a = memref.load %u[%im1] : memref<?xf64>
    %b = memref.load %u[%i] : memref<?xf64>
    %c = memref.load %u[%ip1] : memref<?xf64>
    %ac = arith.addf %a, %c : f64
    %s = arith.addf %ac, %b : f64
    %m = arith.mulf %s, %half : f64
    memref.store %m, %u[%i] : memref<?xf64>
  }
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %u[%i] : memref<?xf64>
    %h = arith.mulf %v, %half : f64
    %e = math.exp %h : f64
    %p = arith.mulf %e, %v : f64
    %acc2 = arith.addf %acc, %p : f64
    scf.yield %acc2 : f64
  }
  return %r : f64
}
