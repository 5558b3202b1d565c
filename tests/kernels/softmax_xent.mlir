// Row-wise softmax of a 3 x 7 logit matrix written into an output argument,
// and the mean cross-entropy against given labels (class indices stored as
// floats in a rank-1 array, converted with fptosi + index_cast). Each row
// has a different scale (one near 500), so a softmax without the max shift
// would overflow.
//
// RUN: softmax_rows [[[-0.067, -2.125, -3.459, 1.703, 2.505, 0.387, 1.074], [497.354, 500.435,
// ... 497.406, 500.053, 498.736, 503.699, 500.158], [-23.81, -19.419999999999998, 4.03, 27.86,
// ... -13.03, 32.35, -20.77]], [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0,
// ... 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]]
// EXPECT: []
// EXPECT-ARG 1: [[0.040276002171279156, 0.005143613314479001, 0.001354938156002321,
// ... 0.2364545027303072, 0.5272927050800881, 0.06341851236519566, 0.12605972618264885],
// ... [0.001590256908000392, 0.034636068473816096, 0.0016751380512519556, 0.023638945395862532,
// ... 0.006333769651950959, 0.905869794050295, 0.02625602746880414], [4.0288024197821447e-25,
// ... 3.2488431512079194e-23, 4.965172546991406e-13, 0.011096137997452018, 1.935844568021586e-20,
// ... 0.9889038620020498, 8.422309453167593e-24]]
// RUN: cross_entropy [[[-0.067, -2.125, -3.459, 1.703, 2.505, 0.387, 1.074], [497.354, 500.435,
// ... 497.406, 500.053, 498.736, 503.699, 500.158], [-23.81, -19.419999999999998, 4.03, 27.86,
// ... -13.03, 32.35, -20.77]], [2.0, 6.0, 0.0]]
// EXPECT: [22.13833910827486]

func.func @softmax_rows(%z: memref<?x?xf64>, %p: memref<?x?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %z, %c0 : memref<?x?xf64>
  %n = memref.dim %z, %c1 : memref<?x?xf64>
  %ninf = arith.constant 0xFFF0000000000000 : f64
  %zero = arith.constant 0.0 : f64
  scf.for %i = %c0 to %m step %c1 {
    %mx = scf.for %j = %c0 to %n step %c1 iter_args(%acc = %ninf) -> (f64) {
      %x = memref.load %z[%i, %j] : memref<?x?xf64>
      %next = arith.maximumf %acc, %x : f64
      scf.yield %next : f64
    }
    %s = scf.for %j = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
      %x = memref.load %z[%i, %j] : memref<?x?xf64>
      %d = arith.subf %x, %mx : f64
      %e = math.exp %d : f64
      memref.store %e, %p[%i, %j] : memref<?x?xf64>
      %next = arith.addf %acc, %e : f64
      scf.yield %next : f64
    }
    scf.for %j = %c0 to %n step %c1 {
      %e = memref.load %p[%i, %j] : memref<?x?xf64>
      %q = arith.divf %e, %s : f64
      memref.store %q, %p[%i, %j] : memref<?x?xf64>
    }
  }
  return
}

func.func @cross_entropy(%z: memref<?x?xf64>, %labels: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %z, %c0 : memref<?x?xf64>
  %n = memref.dim %z, %c1 : memref<?x?xf64>
  %p = memref.alloc(%m, %n) : memref<?x?xf64>
  func.call @softmax_rows(%z, %p) : (memref<?x?xf64>, memref<?x?xf64>) -> ()
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f64) {
    %lf = memref.load %labels[%i] : memref<?xf64>
    %li = arith.fptosi %lf : f64 to i64
    %l = arith.index_cast %li : i64 to index
    %q = memref.load %p[%i, %l] : memref<?x?xf64>
    %lq = math.log %q : f64
    %next = arith.subf %acc, %lq : f64
    scf.yield %next : f64
  }
  memref.dealloc %p : memref<?x?xf64>
  %mi = arith.index_cast %m : index to i64
  %mf = arith.sitofp %mi : i64 to f64
  %mean = arith.divf %s, %mf : f64
  return %mean : f64
}
