// Constant weights from a memref.global (memref.get_global, never active)
// combined with an active array: f = sum_i g_i * tanh(a_i + g_{6-i}).
// GRAD: global_weights
// ARG: array 7
memref.global "private" constant @weights : memref<7xf64> = dense<[0.5, -1.25, 2.0, 0.75, -0.3, 1.1, 0.9]>
func.func @global_weights(%a: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f64
  %g = memref.get_global @weights : memref<7xf64>
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %gi = memref.load %g[%i] : memref<7xf64>
    %j = arith.subi %c6, %i : index
    %gj = memref.load %g[%j] : memref<7xf64>
    %t = arith.addf %v, %gj : f64
    %th = math.tanh %t : f64
    %p = arith.mulf %gi, %th : f64
    %acc2 = arith.addf %acc, %p : f64
    scf.yield %acc2 : f64
  }
  return %s : f64
}
