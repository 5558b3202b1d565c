// Level-1 BLAS-like kernels on 13-element vectors (not a multiple of any
// SIMD width): dot product, Euclidean norm, axpy in place (y <- a x + y,
// returning nothing), and scal returning the scaled vector as a new array;
// f64 and f32 versions.
//
// RUN: dot_f64 [[-0.679, -0.379, 0.299, 0.026, 0.257, 0.279, 1.496, -1.654, 0.97, 1.281, 0.849,
// ... -0.36, 1.772], [-1.357, -1.999, -1.134, -0.528, -1.992, -1.228, 1.963, 1.148, -1.515,
// ... -1.097, 1.067, 1.667, -0.585]]
// EXPECT: [-2.0961339999999993]
// RUN: dot_f64 [[], []]
// EXPECT: [0.0]
// RUN: nrm2_f64 [[-0.679, -0.379, 0.299, 0.026, 0.257, 0.279, 1.496, -1.654, 0.97, 1.281, 0.849,
// ... -0.36, 1.772]]
// EXPECT: [3.5191798760506687]
// RUN: axpy_f64 [-1.75, [-0.679, -0.379, 0.299, 0.026, 0.257, 0.279, 1.496, -1.654, 0.97, 1.281,
// ... 0.849, -0.36, 1.772], [-1.357, -1.999, -1.134, -0.528, -1.992, -1.228, 1.963, 1.148, -1.515,
// ... -1.097, 1.067, 1.667, -0.585]]
// EXPECT: []
// EXPECT-ARG 2: [-0.16874999999999996, -1.33575, -1.65725, -0.5735, -2.44175, -1.71625,
// ... -0.6549999999999998, 4.0424999999999995, -3.2125, -3.3387499999999997, -0.41874999999999996,
// ... 2.297, -3.686]
// RUN: dot_f32 [[-0.679, -0.379, 0.299, 0.026, 0.257, 0.279, 1.496, -1.654, 0.97, 1.281, 0.849,
// ... -0.36, 1.772], [-1.357, -1.999, -1.134, -0.528, -1.992, -1.228, 1.963, 1.148, -1.515,
// ... -1.097, 1.067, 1.667, -0.585]]
// EXPECT: [-2.0961338749561316]
// RUN: axpy_f32 [0.3, [-0.679, -0.379, 0.299, 0.026, 0.257, 0.279, 1.496, -1.654, 0.97, 1.281,
// ... 0.849, -0.36, 1.772], [-1.357, -1.999, -1.134, -0.528, -1.992, -1.228, 1.963, 1.148, -1.515,
// ... -1.097, 1.067, 1.667, -0.585]]
// EXPECT: []
// EXPECT-ARG 2: [-1.560700007426739, -2.11269996021986, -1.0442999416708947, -0.5201999966681004,
// ... -1.9148999809384346, -1.1443000372767447, 2.411800092411042, 0.651799969029426,
// ... -1.223999965548515, -0.7126999821543691, 1.3217000347256658, 1.5590000467300413,
// ... -0.05339997086525017]
// RUN: scal_f32 [-2.5, [-0.679, -0.379, 0.299, 0.026, 0.257, 0.279, 1.496, -1.654, 0.97, 1.281,
// ... 0.849, -0.36, 1.772]]
// EXPECT: [[1.6975000500679016, 0.9475000202655792, -0.7474999874830246, -0.06500000134110451,
// ... -0.6424999982118607, -0.6975000351667404, -3.7400001287460327, 4.135000109672546,
// ... -2.4250000715255737, -3.20250004529953, -2.122499942779541, 0.9000000357627869,
// ... -4.429999887943268]]

func.func @dot_f64(%x: memref<?xf64>, %y: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %a = memref.load %x[%i] : memref<?xf64>
    %b = memref.load %y[%i] : memref<?xf64>
    %p = arith.mulf %a, %b : f64
    %next = arith.addf %acc, %p : f64
    scf.yield %next : f64
  }
  return %s : f64
}

func.func @nrm2_f64(%x: memref<?xf64>) -> f64 {
  %d = func.call @dot_f64(%x, %x) : (memref<?xf64>, memref<?xf64>) -> f64
  %r = math.sqrt %d : f64
  return %r : f64
}

func.func @axpy_f64(%a: f64, %x: memref<?xf64>, %y: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %xi = memref.load %x[%i] : memref<?xf64>
    %yi = memref.load %y[%i] : memref<?xf64>
    %t = arith.mulf %a, %xi : f64
    %v = arith.addf %t, %yi : f64
    memref.store %v, %y[%i] : memref<?xf64>
  }
  return
}

func.func @dot_f32(%x: memref<?xf32>, %y: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %zero = arith.constant 0.0 : f32
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %a = memref.load %x[%i] : memref<?xf32>
    %b = memref.load %y[%i] : memref<?xf32>
    %p = arith.mulf %a, %b : f32
    %next = arith.addf %acc, %p : f32
    scf.yield %next : f32
  }
  return %s : f32
}

func.func @axpy_f32(%a: f32, %x: memref<?xf32>, %y: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %xi = memref.load %x[%i] : memref<?xf32>
    %yi = memref.load %y[%i] : memref<?xf32>
    %t = arith.mulf %a, %xi : f32
    %v = arith.addf %t, %yi : f32
    memref.store %v, %y[%i] : memref<?xf32>
  }
  return
}

func.func @scal_f32(%a: f32, %x: memref<?xf32>) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %y = memref.alloc(%n) : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %xi = memref.load %x[%i] : memref<?xf32>
    %t = arith.mulf %a, %xi : f32
    memref.store %t, %y[%i] : memref<?xf32>
  }
  return %y : memref<?xf32>
}
