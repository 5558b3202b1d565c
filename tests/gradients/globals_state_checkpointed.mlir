// As globals_state_in_loop, with the time loop checkpointed: the global is
// part of the state each snapshot keeps.
// GRAD: f
// ARG: scalar 0.1 0.9
// ARG: index 9
memref.global "private" @state : memref<f64> = dense<0.0>
func.func @f(%x: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %g0 = memref.get_global @state : memref<f64>
  memref.store %x, %g0[] : memref<f64>
  scf.for %i = %c0 to %n step %c1 {
    %g = memref.get_global @state : memref<f64>
    %v = memref.load %g[] : memref<f64>
    %c = math.cos %v : f64
    %w = arith.addf %c, %x : f64
    memref.store %w, %g[] : memref<f64>
  } {zad.checkpoint = "binomial", zad.snapshots = 2 : i64}
  %g1 = memref.get_global @state : memref<f64>
  %r = memref.load %g1[] : memref<f64>
  return %r : f64
}
