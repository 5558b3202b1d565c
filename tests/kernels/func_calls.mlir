// func.call between functions of one module: a callee with several results,
// a private helper, recursion (factorial, Fibonacci through scf.if), a
// memref passed down a call chain, a callee that returns a freshly
// allocated memref, and a public function both called and called directly.
//
// RUN: rotate [3.0, -1.25, 0.7]
// EXPECT: [3.099798670900579, 0.9766003276074625, 3.25, -0.3947911196997615]
// RUN: rotate [-0.5, 2.0, -2.0]
// EXPECT: [2.0266682719249345, -0.3776449596814439, 2.0615528128088303, 1.8157749899217608]
// RUN: factorial [20]
// EXPECT: [2432902008176640000]
// RUN: factorial [1]
// EXPECT: [1]
// RUN: factorial [0]
// EXPECT: [1]
// RUN: fib [23]
// EXPECT: [28657]
// RUN: fib [10]
// EXPECT: [55]
// RUN: fib [1]
// EXPECT: [1]
// RUN: fib [0]
// EXPECT: [0]
// RUN: series [0.9, 13]
// EXPECT: [41.53708594843301]
// RUN: series [-1.3, 7]
// EXPECT: [20.472583000000004]
// RUN: powers [1.5, 7]
// EXPECT: [[1.0, 1.5, 2.25, 3.375, 5.0625, 7.59375, 11.390625]]
// RUN: powers [-0.5, 0]
// EXPECT: [[]]

func.func private @square(%x: f64) -> f64 {
  %r = arith.mulf %x, %x : f64
  return %r : f64
}

// (x, y) -> (r, theta)
func.func @to_polar(%x: f64, %y: f64) -> (f64, f64) {
  %xx = func.call @square(%x) : (f64) -> f64
  %yy = func.call @square(%y) : (f64) -> f64
  %s = arith.addf %xx, %yy : f64
  %r = math.sqrt %s : f64
  %t = math.atan2 %y, %x : f64
  return %r, %t : f64, f64
}

// (r, theta) -> (x, y)
func.func @from_polar(%r: f64, %t: f64) -> (f64, f64) {
  %c = math.cos %t : f64
  %s = math.sin %t : f64
  %x = arith.mulf %r, %c : f64
  %y = arith.mulf %r, %s : f64
  return %x, %y : f64, f64
}

// Rotates (x, y) by alpha through polar coordinates; also returns r, theta.
func.func @rotate(%x: f64, %y: f64, %alpha: f64) -> (f64, f64, f64, f64) {
  %r, %t = func.call @to_polar(%x, %y) : (f64, f64) -> (f64, f64)
  %t2 = arith.addf %t, %alpha : f64
  %x2, %y2 = func.call @from_polar(%r, %t2) : (f64, f64) -> (f64, f64)
  return %x2, %y2, %r, %t : f64, f64, f64, f64
}

func.func @factorial(%n: i64) -> i64 {
  %one = arith.constant 1 : i64
  %small = arith.cmpi sle, %n, %one : i64
  %r = scf.if %small -> (i64) {
    scf.yield %one : i64
  } else {
    %m = arith.subi %n, %one : i64
    %f = func.call @factorial(%m) : (i64) -> i64
    %p = arith.muli %n, %f : i64
    scf.yield %p : i64
  }
  return %r : i64
}

func.func @fib(%n: i64) -> i64 {
  %one = arith.constant 1 : i64
  %two = arith.constant 2 : i64
  %small = arith.cmpi sle, %n, %one : i64
  %r = scf.if %small -> (i64) {
    scf.yield %n : i64
  } else {
    %a = arith.subi %n, %one : i64
    %b = arith.subi %n, %two : i64
    %fa = func.call @fib(%a) : (i64) -> i64
    %fb = func.call @fib(%b) : (i64) -> i64
    %s = arith.addi %fa, %fb : i64
    scf.yield %s : i64
  }
  return %r : i64
}

// sum_i w(i) * v[i] with w(i) = i + 1, via a helper taking the memref.
func.func private @weighted_sum(%v: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %v[%i] : memref<?xf64>
    %i1 = arith.addi %i, %c1 : index
    %ii = arith.index_cast %i1 : index to i64
    %w = arith.sitofp %ii : i64 to f64
    %t = arith.mulf %w, %x : f64
    %next = arith.addf %acc, %t : f64
    scf.yield %next : f64
  }
  return %s : f64
}

// Allocates v[i] = x^i, i < n.
func.func @powers(%x: f64, %n: index) -> memref<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %v = memref.alloc(%n) : memref<?xf64>
  %last = scf.for %i = %c0 to %n step %c1 iter_args(%p = %one) -> (f64) {
    memref.store %p, %v[%i] : memref<?xf64>
    %next = arith.mulf %p, %x : f64
    scf.yield %next : f64
  }
  return %v : memref<?xf64>
}

// sum_{i<n} (i + 1) x^i, checked against its closed form
// (1 - (n + 1) x^n + n x^(n+1)) / (1 - x)^2.
func.func @series(%x: f64, %n: index) -> f64 {
  %v = func.call @powers(%x, %n) : (f64, index) -> memref<?xf64>
  %s = func.call @weighted_sum(%v) : (memref<?xf64>) -> f64
  memref.dealloc %v : memref<?xf64>
  return %s : f64
}
