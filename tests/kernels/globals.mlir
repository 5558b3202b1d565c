// memref.global: a constant table read through memref.get_global (Taylor
// coefficients of exp, evaluated with Horner's rule), a global returned
// directly as a memref result (zad must not free it), and a mutable
// global used as a call counter across calls within one invocation.
//
// RUN: exp_taylor8 [0.5]
// EXPECT: [1.6487212650359624]
// RUN: exp_taylor8 [-1.25]
// EXPECT: [0.2865230261333405]
// RUN: get_table []
// EXPECT: [[[1.5, -2.0, 3.25], [4.0, 0.125, -6.5]]]
// RUN: count_calls [2.5]
// EXPECT: [15.0, 3.0]
// RUN: count_calls [-1.0]
// EXPECT: [-6.0, 3.0]

memref.global "private" constant @exp_taylor : memref<9xf64> = dense<[1.0, 1.0, 0.5, 0.16666666666666666, 0.041666666666666664, 0.008333333333333333, 0.001388888888888889, 1.984126984126984e-4, 2.48015873015873e-5]>

memref.global "private" constant @table : memref<2x3xf64> = dense<[[1.5, -2.0, 3.25], [4.0, 0.125, -6.5]]>

memref.global "private" @counter : memref<f64> = dense<0.0>

// exp(x) ~ sum_{k<9} x^k / k!
func.func @exp_taylor8(%x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c9 = arith.constant 9 : index
  %c8 = arith.constant 8 : index
  %g = memref.get_global @exp_taylor : memref<9xf64>
  %zero = arith.constant 0.0 : f64
  %p = scf.for %i = %c0 to %c9 step %c1 iter_args(%acc = %zero) -> (f64) {
    %k = arith.subi %c8, %i : index
    %ck = memref.load %g[%k] : memref<9xf64>
    %m = arith.mulf %acc, %x : f64
    %next = arith.addf %m, %ck : f64
    scf.yield %next : f64
  }
  return %p : f64
}

func.func @get_table() -> memref<2x3xf64> {
  %g = memref.get_global @table : memref<2x3xf64>
  return %g : memref<2x3xf64>
}

func.func private @bump(%x: f64) -> f64 {
  %g = memref.get_global @counter : memref<f64>
  %c = memref.load %g[] : memref<f64>
  %one = arith.constant 1.0 : f64
  %c2 = arith.addf %c, %one : f64
  memref.store %c2, %g[] : memref<f64>
  %r = arith.mulf %x, %c2 : f64
  return %r : f64
}

// Resets the counter, then returns bump(x) + bump(x) + bump(x) = 6x and
// the counter's final value 3.
func.func @count_calls(%x: f64) -> (f64, f64) {
  %g = memref.get_global @counter : memref<f64>
  %zero = arith.constant 0.0 : f64
  memref.store %zero, %g[] : memref<f64>
  %a = func.call @bump(%x) : (f64) -> f64
  %b = func.call @bump(%x) : (f64) -> f64
  %c = func.call @bump(%x) : (f64) -> f64
  %ab = arith.addf %a, %b : f64
  %s = arith.addf %ab, %c : f64
  %n = memref.load %g[] : memref<f64>
  return %s, %n : f64, f64
}
