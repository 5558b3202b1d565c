// Several memref results that share one allocation: the same memref
// returned twice, and an allocation returned together with a strided view
// of it. zad copies each result out
// and must free the allocation exactly once, after every result that
// refers to it has been copied.
//
// RUN: same_twice [5, 1.5]
// EXPECT: [[1.5, 2.25, 3.375, 5.0625, 7.59375], [1.5, 2.25, 3.375, 5.0625, 7.59375]]
// RUN: whole_and_view [6]
// EXPECT: [[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 3.0, 5.0]]

func.func @same_twice(%n: index, %x: f64) -> (memref<?xf64>, memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc(%n) : memref<?xf64>
  %last = scf.for %i = %c0 to %n step %c1 iter_args(%v = %x) -> (f64) {
    memref.store %v, %a[%i] : memref<?xf64>
    %next = arith.mulf %v, %x : f64
    scf.yield %next : f64
  }
  return %a, %a : memref<?xf64>, memref<?xf64>
}

// a[i] = i for i < n, and the view a[1::2].
func.func @whole_and_view(%n: index) -> (memref<?xf64>, memref<?xf64, strided<[2], offset: 1>>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %a = memref.alloc(%n) : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %ii = arith.index_cast %i : index to i64
    %f = arith.sitofp %ii : i64 to f64
    memref.store %f, %a[%i] : memref<?xf64>
  }
  %half = arith.divui %n, %c2 : index
  %view = memref.subview %a[1] [%half] [2] : memref<?xf64> to memref<?xf64, strided<[2], offset: 1>>
  return %a, %view : memref<?xf64>, memref<?xf64, strided<[2], offset: 1>>
}
