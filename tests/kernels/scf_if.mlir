// scf.if with results: a piecewise function (Huber loss and its
// derivative, two results from one scf.if), nested scf.if classifying a
// value (an integer and a float result), scf.if without results inside a
// loop (conditional store), and scf.if selecting iter_args updates.
//
// RUN: huber [0.5, 1.0]
// EXPECT: [0.125, 0.5]
// RUN: huber [-3.0, 1.0]
// EXPECT: [2.5, -1.0]
// RUN: huber [2.0, 2.0]
// EXPECT: [2.0, 2.0]
// RUN: huber [7.5, 0.5]
// EXPECT: [3.625, 0.5]
// RUN: classify [-1.5]
// EXPECT: [-1, 0.22313016014842982]
// RUN: classify [0.25]
// EXPECT: [0, 0.5]
// RUN: classify [1.0]
// EXPECT: [1, 0.0]
// RUN: classify [9.99]
// EXPECT: [1, 2.301584592660462]
// RUN: classify [25.0]
// EXPECT: [2, 0.04]
// RUN: clip_count [[-1.32, -0.233, -2.27, 0.136, -0.545, -2.57, -2.406, 2.918, 1.164, -0.308,
// ... 0.841, -1.377, -1.189], -1.0, 1.5]
// EXPECT: [6, 1, 1.055]
// EXPECT-ARG 0: [-1.0, -0.233, -1.0, 0.136, -0.545, -1.0, -1.0, 1.5, 1.164, -0.308, 0.841, -1.0,
// ... -1.0]

func.func @huber(%x: f64, %delta: f64) -> (f64, f64) {
  %half = arith.constant 0.5 : f64
  %ax = math.absf %x : f64
  %small = arith.cmpf ole, %ax, %delta : f64
  %v, %d = scf.if %small -> (f64, f64) {
    %xx = arith.mulf %x, %x : f64
    %h = arith.mulf %half, %xx : f64
    scf.yield %h, %x : f64, f64
  } else {
    %hd = arith.mulf %half, %delta : f64
    %t = arith.subf %ax, %hd : f64
    %h = arith.mulf %delta, %t : f64
    %one = arith.constant 1.0 : f64
    %s = math.copysign %one, %x : f64
    %g = arith.mulf %delta, %s : f64
    scf.yield %h, %g : f64, f64
  }
  return %v, %d : f64, f64
}

// class: -1 for x < 0, 0 for 0 <= x < 1, 1 for 1 <= x < 10, 2 otherwise;
// also returns a class-dependent transform of x.
func.func @classify(%x: f64) -> (i64, f64) {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %ten = arith.constant 10.0 : f64
  %neg = arith.cmpf olt, %x, %zero : f64
  %c, %y = scf.if %neg -> (i64, f64) {
    %m1 = arith.constant -1 : i64
    %e = math.exp %x : f64
    scf.yield %m1, %e : i64, f64
  } else {
    %lt1 = arith.cmpf olt, %x, %one : f64
    %c2, %y2 = scf.if %lt1 -> (i64, f64) {
      %k0 = arith.constant 0 : i64
      %s = math.sqrt %x : f64
      scf.yield %k0, %s : i64, f64
    } else {
      %lt10 = arith.cmpf olt, %x, %ten : f64
      %c3, %y3 = scf.if %lt10 -> (i64, f64) {
        %k1 = arith.constant 1 : i64
        %l = math.log %x : f64
        scf.yield %k1, %l : i64, f64
      } else {
        %k2 = arith.constant 2 : i64
        %r = arith.divf %one, %x : f64
        scf.yield %k2, %r : i64, f64
      }
      scf.yield %c3, %y3 : i64, f64
    }
    scf.yield %c2, %y2 : i64, f64
  }
  return %c, %y : i64, f64
}

// Clips a to [lo, hi] in place (stores only where a value changes) and
// returns how many were clipped below, above, and the sum of the
// unclipped values.
func.func @clip_count(%a: memref<?xf64>, %lo: f64, %hi: f64) -> (index, index, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %below, %above, %sum = scf.for %i = %c0 to %n step %c1
      iter_args(%b = %c0, %h = %c0, %s = %zero) -> (index, index, f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %isl = arith.cmpf olt, %x, %lo : f64
    %ish = arith.cmpf ogt, %x, %hi : f64
    scf.if %isl {
      memref.store %lo, %a[%i] : memref<?xf64>
    }
    scf.if %ish {
      memref.store %hi, %a[%i] : memref<?xf64>
    }
    %b2, %h2, %s2 = scf.if %isl -> (index, index, f64) {
      %bb = arith.addi %b, %c1 : index
      scf.yield %bb, %h, %s : index, index, f64
    } else {
      %r:3 = scf.if %ish -> (index, index, f64) {
        %hh = arith.addi %h, %c1 : index
        scf.yield %b, %hh, %s : index, index, f64
      } else {
        %ss = arith.addf %s, %x : f64
        scf.yield %b, %h, %ss : index, index, f64
      }
      scf.yield %r#0, %r#1, %r#2 : index, index, f64
    }
    scf.yield %b2, %h2, %s2 : index, index, f64
  }
  return %below, %above, %sum : index, index, f64
}
