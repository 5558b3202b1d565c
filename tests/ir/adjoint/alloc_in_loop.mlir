// A scratch buffer allocated (and freed) inside a loop: each iteration
// fills a fresh buffer with exp(s k x_j) and reduces it. The reverse sweep
// allocates the buffer's shadow per iteration too; what it needs from the
// primal buffer, freed by then, comes from tapes.
// ADJOINT: f dup,active
// ARGS: [[0.1, -0.4, 0.3], 0.5]

func.func @f(%x: memref<?xf64>, %s: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %total = scf.for %k = %c0 to %c3 step %c1 iter_args(%acc = %zero) -> (f64) {
    %scratch = memref.alloc(%n) : memref<?xf64>
    %k_i64 = arith.index_cast %k : index to i64
    %k_f64 = arith.sitofp %k_i64 : i64 to f64
    %rate = arith.mulf %s, %k_f64 : f64
    scf.for %j = %c0 to %n step %c1 {
      %v = memref.load %x[%j] : memref<?xf64>
      %scaled = arith.mulf %rate, %v : f64
      %e = math.exp %scaled : f64
      memref.store %e, %scratch[%j] : memref<?xf64>
    }
    %sum = scf.for %j = %c0 to %n step %c1 iter_args(%inner = %zero) -> (f64) {
      %e = memref.load %scratch[%j] : memref<?xf64>
      %v = memref.load %x[%j] : memref<?xf64>
      %product = arith.mulf %e, %v : f64
      %next = arith.addf %inner, %product : f64
      scf.yield %next : f64
    }
    memref.dealloc %scratch : memref<?xf64>
    %next = arith.addf %acc, %sum : f64
    scf.yield %next : f64
  }
  return %total : f64
}
