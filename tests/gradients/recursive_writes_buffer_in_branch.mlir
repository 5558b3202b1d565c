// A recursive routine that overwrites its buffer argument (a prefix scan,
// u[i] = u[i-1]·a + u[i], done for i = n-1 first... recursively from the
// top) inside scf.if, followed by a read of the result.
// GRAD: f
// ARG: array 5
// ARG: scalar 0.3 0.9
func.func @scan(%u: memref<?xf64>, %a: f64, %i: index) {
  %c1 = arith.constant 1 : index
  %more = arith.cmpi sge, %i, %c1 : index
  scf.if %more {
    %j = arith.subi %i, %c1 : index
    func.call @scan(%u, %a, %j) : (memref<?xf64>, f64, index) -> ()
    %p = memref.load %u[%j] : memref<?xf64>
    %c = memref.load %u[%i] : memref<?xf64>
    %t = arith.mulf %p, %a : f64
    %s = arith.addf %t, %c : f64
    %h = math.tanh %s : f64
    memref.store %h, %u[%i] : memref<?xf64>
  }
  return
}
func.func @f(%u: memref<?xf64>, %a: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %u, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  func.call @scan(%u, %a, %last) : (memref<?xf64>, f64, index) -> ()
  %v = memref.load %u[%last] : memref<?xf64>
  %w = memref.load %u[%c1] : memref<?xf64>
  %r = arith.mulf %v, %w : f64
  return %r : f64
}
