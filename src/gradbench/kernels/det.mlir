// GradBench eval `det`: the determinant of an l x l matrix A by expansion
// by minors (cmpad's det_by_minor), iterative rather than recursive: the
// minor on column set S (a bit mask) spans the last |S| rows, and is
// expanded along its top row r = l - |S|:
//   minor(S) = sum_{j in S} (-1)^(#{i in S : i < j}) A[r, j] minor(S - {j}),
//   minor({}) = 1,  det A = minor({0..l-1}).
// Every mask is larger than its subsets, so one pass over the masks in
// increasing order computes each minor once, after the minors it needs
// (the recursion evaluates the same minors, repeatedly).
func.func @det(%a: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %l = memref.dim %a, %c0 : memref<?x?xf64>
  %masks = arith.shli %c1, %l : index
  %minors = memref.alloc(%masks) : memref<?xf64>
  memref.store %one, %minors[%c0] : memref<?xf64>
  scf.for %mask = %c1 to %masks step %c1 {
    %size = scf.for %j = %c0 to %l step %c1 iter_args(%count = %c0) -> (index) {
      %shifted = arith.shrui %mask, %j : index
      %bit = arith.andi %shifted, %c1 : index
      %more = arith.addi %count, %bit : index
      scf.yield %more : index
    }
    %row = arith.subi %l, %size : index
    %minor:2 = scf.for %j = %c0 to %l step %c1 iter_args(%sum = %zero, %parity = %c0) -> (f64, index) {
      %shifted = arith.shrui %mask, %j : index
      %bit = arith.andi %shifted, %c1 : index
      %in_set = arith.cmpi ne, %bit, %c0 : index
      // For j outside S the term is dropped; its minor is read at mask 0
      // (S + {j} is not computed yet: uninitialised memory, possibly NaN,
      // which the gradient would multiply by the term's zero adjoint).
      %column = arith.shli %c1, %j : index
      %without = arith.xori %mask, %column : index
      %known = arith.select %in_set, %without, %c0 : index
      %entry = memref.load %a[%row, %j] : memref<?x?xf64>
      %sub = memref.load %minors[%known] : memref<?xf64>
      %product = arith.mulf %entry, %sub : f64
      %negated = arith.negf %product : f64
      %odd = arith.cmpi ne, %parity, %c0 : index
      %signed = arith.select %odd, %negated, %product : f64
      %term = arith.select %in_set, %signed, %zero : f64
      %next = arith.addf %sum, %term : f64
      %next_parity = arith.xori %parity, %bit : index
      scf.yield %next, %next_parity : f64, index
    }
    memref.store %minor#0, %minors[%mask] : memref<?xf64>
  }
  %full = arith.subi %masks, %c1 : index
  %det = memref.load %minors[%full] : memref<?xf64>
  memref.dealloc %minors : memref<?xf64>
  return %det : f64
}
