// A result-less scf.while (its state lives in memory: a counter in a
// stack buffer) nested in an scf.for: for each i, u[i] <- sin(u[i]) x is
// applied i times in place; f = sum_i u[i]. The while's trip count is
// recorded inside the for loop and must be read back per iteration.
// GRAD: memory_counted
// ARG: array 5
// ARG: scalar 0.5 1.0
func.func @memory_counted(%u: memref<?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %cnt = memref.alloca() : memref<1xindex>
  %n = memref.dim %u, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    memref.store %c0, %cnt[%c0] : memref<1xindex>
    scf.while : () -> () {
      %k = memref.load %cnt[%c0] : memref<1xindex>
      %go = arith.cmpi slt, %k, %i : index
      scf.condition(%go)
    } do {
      %k = memref.load %cnt[%c0] : memref<1xindex>
      %k1 = arith.addi %k, %c1 : index
      memref.store %k1, %cnt[%c0] : memref<1xindex>
      %v = memref.load %u[%i] : memref<?xf64>
      %w = math.sin %v : f64
      %wx = arith.mulf %w, %x : f64
      memref.store %wx, %u[%i] : memref<?xf64>
      scf.yield
    }
    %v = memref.load %u[%i] : memref<?xf64>
    %a2 = arith.addf %acc, %v : f64
    scf.yield %a2 : f64
  }
  return %s : f64
}
