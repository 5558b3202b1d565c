// Arguments reach the kernel exactly as written: identity functions on an
// f64 scalar and an f64 array, checked with TOLERANCE 0 on values whose
// shortest decimal form needs 17 significant digits (what zad itself
// prints). A float parser that is not correctly rounded changes them by an
// ulp.
//
// RUN: id_f64 [0.1]
// EXPECT: [0.1]
// TOLERANCE: 0
// RUN: id_f64 [1.4901161138336505e-09]
// EXPECT: [1.4901161138336505e-09]
// TOLERANCE: 0
// RUN: id_f64 [123456789.12345679]
// EXPECT: [123456789.12345679]
// TOLERANCE: 0
// RUN: id_f64 [0.6931471805599453]
// EXPECT: [0.6931471805599453]
// TOLERANCE: 0
// RUN: id_f64 [2.2250738585072014e-308]
// EXPECT: [2.2250738585072014e-308]
// TOLERANCE: 0
// RUN: first [[0.1, 1.4901161138336505e-09, 123456789.12345679, 0.6931471805599453,
// ... 2.2250738585072014e-308]]
// EXPECT: [0.1]
// EXPECT-ARG 0: [0.1, 1.4901161138336505e-09, 123456789.12345679, 0.6931471805599453,
// ... 2.2250738585072014e-308]
// TOLERANCE: 0
// RUN: first [[1.4901161138336505e-09, 123456789.12345679, 0.6931471805599453,
// ... 2.2250738585072014e-308]]
// EXPECT: [1.4901161138336505e-09]
// EXPECT-ARG 0: [1.4901161138336505e-09, 123456789.12345679, 0.6931471805599453,
// ... 2.2250738585072014e-308]
// TOLERANCE: 0

func.func @id_f64(%x: f64) -> f64 {
  return %x : f64
}

// Returns the array's first element; the array itself is checked as an
// argument after the call (untouched).
func.func @first(%v: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %x = memref.load %v[%c0] : memref<?xf64>
  return %x : f64
}
