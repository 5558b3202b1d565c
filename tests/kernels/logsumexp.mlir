// Numerically stable log-sum-exp, m + log(sum_i exp(x_i - m)) with
// m = max_i x_i: a max reduction (arith.maximumf) then an exp/log
// reduction, both scf.for with iter_args. Inputs near +-1000 overflow or
// underflow a naive implementation; 13 elements. f64 and f32 versions, and
// a variant that also writes the softmax weights into an argument.
//
// RUN: logsumexp_f64 [[998.962, 1002.924, 998.912, 1001.731, 1002.219, 999.347, 999.627, 999.236,
// ... 997.642, 999.874, 998.448, 998.543, 998.108]]
// EXPECT: [1003.621611271424]
// RUN: logsumexp_f64 [[-997.779, -1001.279, -999.381, -998.335, -998.704, -997.508, -997.838,
// ... -997.491, -1002.84, -1000.377, -1000.09, -1002.609, -1002.966]]
// EXPECT: [-995.9900848468757]
// RUN: logsumexp_f64 [[18.24, -11.693, 13.138, -14.029, 0.512, -14.563, 7.561, 13.67, -2.98,
// ... 18.277, 13.013, -6.471, 3.03]]
// EXPECT: [18.96247704774944]
// RUN: logsumexp_f64 [[3.5]]
// EXPECT: [3.5]
// RUN: logsumexp_f64 [[]]
// EXPECT: ["-inf"]
// RUN: logsumexp_f32 [[998.962, 1002.924, 998.912, 1001.731, 1002.219, 999.347, 999.627, 999.236,
// ... 997.642, 999.874, 998.448, 998.543, 998.108]]
// EXPECT: [1003.6216188176672]
// RUN: logsumexp_f32 [[18.24, -11.693, 13.138, -14.029, 0.512, -14.563, 7.561, 13.67, -2.98,
// ... 18.277, 13.013, -6.471, 3.03]]
// EXPECT: [18.96247714967818]
// RUN: softmax_f64 [[18.24, -11.693, 13.138, -14.029, 0.512, -14.563, 7.561, 13.67, -2.98, 18.277,
// ... 13.013, -6.471, 3.03], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
// EXPECT: [18.96247704774944]
// EXPECT-ARG 1: [0.48554803944644365, 4.8584247223518006e-14, 0.002954348731785823,
// ... 4.698763303425211e-15, 9.706432297531344e-09, 2.754674666263376e-15, 1.117896078331672e-05,
// ... 0.005029287033552579, 2.954631331588485e-10, 0.503849811815226, 0.0026072036049557164,
// ... 9.002875876969686e-12, 1.2039629851809743e-07]

func.func @logsumexp_f64(%x: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %ninf = arith.constant 0xFFF0000000000000 : f64
  %m = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %ninf) -> (f64) {
    %xi = memref.load %x[%i] : memref<?xf64>
    %next = arith.maximumf %acc, %xi : f64
    scf.yield %next : f64
  }
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %xi = memref.load %x[%i] : memref<?xf64>
    %d = arith.subf %xi, %m : f64
    %e = math.exp %d : f64
    %next = arith.addf %acc, %e : f64
    scf.yield %next : f64
  }
  %l = math.log %s : f64
  %r = arith.addf %m, %l : f64
  return %r : f64
}

func.func @logsumexp_f32(%x: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %m = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %ninf) -> (f32) {
    %xi = memref.load %x[%i] : memref<?xf32>
    %next = arith.maximumf %acc, %xi : f32
    scf.yield %next : f32
  }
  %zero = arith.constant 0.0 : f32
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %xi = memref.load %x[%i] : memref<?xf32>
    %d = arith.subf %xi, %m : f32
    %e = math.exp %d : f32
    %next = arith.addf %acc, %e : f32
    scf.yield %next : f32
  }
  %l = math.log %s : f32
  %r = arith.addf %m, %l : f32
  return %r : f32
}

// Returns log-sum-exp and writes softmax(x) into %w.
func.func @softmax_f64(%x: memref<?xf64>, %w: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %lse = func.call @logsumexp_f64(%x) : (memref<?xf64>) -> f64
  scf.for %i = %c0 to %n step %c1 {
    %xi = memref.load %x[%i] : memref<?xf64>
    %d = arith.subf %xi, %lse : f64
    %e = math.exp %d : f64
    memref.store %e, %w[%i] : memref<?xf64>
  }
  return %lse : f64
}
