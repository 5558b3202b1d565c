// memref.alloc before a loop (dynamic size from memref.dim), filled with
// values depending on the active input, read back in a second loop, and
// memref.dealloc at the end: f = sum_i t_i * t_{n-1-i}, t_i = sin(a_i) + x.
// GRAD: scratch_buffer
// ARG: array 13
// ARG: scalar -1.0 1.0
func.func @scratch_buffer(%a: memref<?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %t = memref.alloc(%n) : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %a[%i] : memref<?xf64>
    %s = math.sin %v : f64
    %w = arith.addf %s, %x : f64
    memref.store %w, %t[%i] : memref<?xf64>
  }
  %last = arith.subi %n, %c1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %j = arith.subi %last, %i : index
    %p = memref.load %t[%i] : memref<?xf64>
    %q = memref.load %t[%j] : memref<?xf64>
    %pq = arith.mulf %p, %q : f64
    %next = arith.addf %acc, %pq : f64
    scf.yield %next : f64
  }
  memref.dealloc %t : memref<?xf64>
  return %r : f64
}
