// GradBench eval `ba` (ADBench's bundle adjustment). n cameras of 11
// parameters (%cams, n x 11: Rodrigues rotation r, centre C, focal length
// f, principal point u0 v0, radial distortion k1 k2), m points (%points,
// m x 3), p observations: observation i sees point obs[i, 1] from camera
// obs[i, 0] (%obs, p x 2, indices as floats), with weight w[i] and feature
// feats[i, :]. Its residuals:
//   reproj_err[i, :] = w[i] (proj(cam, X) - feat),   w_err[i] = 1 - w[i]^2,
//   proj = distort(Xcam_xy / Xcam_z) f + (u0, v0),  Xcam = R(r) (X - C),
//   distort(q) = q (1 + k1 |q|^2 + k2 |q|^4).
// Both kernels take the same arguments (the eval's input decoded once):
// the data, the objective's outputs (%reproj p x 2, %werr p), and the
// Jacobian's, a sparse matrix of 3p rows and 11n + 3m + p columns in CSR
// form (%rows 3p + 1 offsets, %cols and %vals 31p entries, columns as
// floats), laid out as ADBench's BASparseMat: rows 2i and 2i + 1 hold
// observation i's 15 derivatives (its camera's 11, its point's 3, its
// weight's), row 2p + i the derivative of w_err[i].

// The two reprojection errors of one observation.
func.func private @residual(%r0: f64, %r1: f64, %r2: f64, %cx: f64, %cy: f64, %cz: f64, %f: f64, %u0: f64,
                            %v0: f64, %k1: f64, %k2: f64, %x0: f64, %x1: f64, %x2: f64, %w: f64,
                            %feat0: f64, %feat1: f64) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %p0 = arith.subf %x0, %cx : f64
  %p1 = arith.subf %x1, %cy : f64
  %p2 = arith.subf %x2, %cz : f64
  %rr0 = arith.mulf %r0, %r0 : f64
  %rr1 = arith.mulf %r1, %r1 : f64
  %rr2 = arith.mulf %r2, %r2 : f64
  %rr01 = arith.addf %rr0, %rr1 : f64
  %sqtheta = arith.addf %rr01, %rr2 : f64
  %rotating = arith.cmpf one, %sqtheta, %zero : f64
  // Rodrigues' formula; for a zero angle, its first-order form p + r x p.
  %q0, %q1, %q2 = scf.if %rotating -> (f64, f64, f64) {
    %theta = math.sqrt %sqtheta : f64
    %cos = math.cos %theta : f64
    %sin = math.sin %theta : f64
    %inverse = arith.divf %one, %theta : f64
    %a0 = arith.mulf %r0, %inverse : f64
    %a1 = arith.mulf %r1, %inverse : f64
    %a2 = arith.mulf %r2, %inverse : f64
    %c0a = arith.mulf %a1, %p2 : f64
    %c0b = arith.mulf %a2, %p1 : f64
    %cross0 = arith.subf %c0a, %c0b : f64
    %c1a = arith.mulf %a2, %p0 : f64
    %c1b = arith.mulf %a0, %p2 : f64
    %cross1 = arith.subf %c1a, %c1b : f64
    %c2a = arith.mulf %a0, %p1 : f64
    %c2b = arith.mulf %a1, %p0 : f64
    %cross2 = arith.subf %c2a, %c2b : f64
    %d0 = arith.mulf %a0, %p0 : f64
    %d1 = arith.mulf %a1, %p1 : f64
    %d2 = arith.mulf %a2, %p2 : f64
    %d01 = arith.addf %d0, %d1 : f64
    %dot = arith.addf %d01, %d2 : f64
    %versine = arith.subf %one, %cos : f64
    %tmp = arith.mulf %dot, %versine : f64
    %s0a = arith.mulf %p0, %cos : f64
    %s0b = arith.mulf %cross0, %sin : f64
    %s0c = arith.mulf %a0, %tmp : f64
    %s0ab = arith.addf %s0a, %s0b : f64
    %s0 = arith.addf %s0ab, %s0c : f64
    %s1a = arith.mulf %p1, %cos : f64
    %s1b = arith.mulf %cross1, %sin : f64
    %s1c = arith.mulf %a1, %tmp : f64
    %s1ab = arith.addf %s1a, %s1b : f64
    %s1 = arith.addf %s1ab, %s1c : f64
    %s2a = arith.mulf %p2, %cos : f64
    %s2b = arith.mulf %cross2, %sin : f64
    %s2c = arith.mulf %a2, %tmp : f64
    %s2ab = arith.addf %s2a, %s2b : f64
    %s2 = arith.addf %s2ab, %s2c : f64
    scf.yield %s0, %s1, %s2 : f64, f64, f64
  } else {
    %c0a = arith.mulf %r1, %p2 : f64
    %c0b = arith.mulf %r2, %p1 : f64
    %cross0 = arith.subf %c0a, %c0b : f64
    %c1a = arith.mulf %r2, %p0 : f64
    %c1b = arith.mulf %r0, %p2 : f64
    %cross1 = arith.subf %c1a, %c1b : f64
    %c2a = arith.mulf %r0, %p1 : f64
    %c2b = arith.mulf %r1, %p0 : f64
    %cross2 = arith.subf %c2a, %c2b : f64
    %s0 = arith.addf %p0, %cross0 : f64
    %s1 = arith.addf %p1, %cross1 : f64
    %s2 = arith.addf %p2, %cross2 : f64
    scf.yield %s0, %s1, %s2 : f64, f64, f64
  }
  %e0 = arith.divf %q0, %q2 : f64
  %e1 = arith.divf %q1, %q2 : f64
  %ee0 = arith.mulf %e0, %e0 : f64
  %ee1 = arith.mulf %e1, %e1 : f64
  %rsq = arith.addf %ee0, %ee1 : f64
  %l1 = arith.mulf %k1, %rsq : f64
  %l2a = arith.mulf %k2, %rsq : f64
  %l2 = arith.mulf %l2a, %rsq : f64
  %l1a = arith.addf %one, %l1 : f64
  %distortion = arith.addf %l1a, %l2 : f64
  %g0 = arith.mulf %e0, %distortion : f64
  %g1 = arith.mulf %e1, %distortion : f64
  %h0 = arith.mulf %g0, %f : f64
  %h1 = arith.mulf %g1, %f : f64
  %proj0 = arith.addf %h0, %u0 : f64
  %proj1 = arith.addf %h1, %v0 : f64
  %o0 = arith.subf %proj0, %feat0 : f64
  %o1 = arith.subf %proj1, %feat1 : f64
  %err0 = arith.mulf %w, %o0 : f64
  %err1 = arith.mulf %w, %o1 : f64
  return %err0, %err1 : f64, f64
}

// seed0 err0 + seed1 err1: its gradient is the seeds' combination of the
// rows of @residual's Jacobian.
func.func private @seeded_residual(%r0: f64, %r1: f64, %r2: f64, %cx: f64, %cy: f64, %cz: f64, %f: f64, %u0: f64,
                                   %v0: f64, %k1: f64, %k2: f64, %x0: f64, %x1: f64, %x2: f64, %w: f64,
                                   %feat0: f64, %feat1: f64, %seed0: f64, %seed1: f64) -> f64 {
  %err0, %err1 = func.call @residual(%r0, %r1, %r2, %cx, %cy, %cz, %f, %u0, %v0, %k1, %k2, %x0, %x1, %x2, %w,
                                     %feat0, %feat1)
      : (f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64) -> (f64, f64)
  %a = arith.mulf %seed0, %err0 : f64
  %b = arith.mulf %seed1, %err1 : f64
  %sum = arith.addf %a, %b : f64
  return %sum : f64
}

func.func private @weight_error(%w: f64) -> f64 {
  %one = arith.constant 1.0 : f64
  %ww = arith.mulf %w, %w : f64
  %e = arith.subf %one, %ww : f64
  return %e : f64
}

// An index stored as a float in %obs.
func.func private @index_at(%obs: memref<?x?xf64>, %i: index, %j: index) -> index {
  %x = memref.load %obs[%i, %j] : memref<?x?xf64>
  %n = arith.fptoui %x : f64 to i64
  %k = arith.index_cast %n : i64 to index
  return %k : index
}

func.func private @as_float(%k: index) -> f64 {
  %n = arith.index_cast %k : index to i64
  %x = arith.uitofp %n : i64 to f64
  return %x : f64
}

// The 17 arguments of @residual for observation %i: its camera's 11
// parameters, its point, its weight, then its feature.
func.func private @observation(%cams: memref<?x?xf64>, %points: memref<?x?xf64>, %w: memref<?xf64>,
                               %obs: memref<?x?xf64>, %feats: memref<?x?xf64>, %i: index)
    -> (index, index, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c6 = arith.constant 6 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %c9 = arith.constant 9 : index
  %c10 = arith.constant 10 : index
  %cam = func.call @index_at(%obs, %i, %c0) : (memref<?x?xf64>, index, index) -> index
  %pt = func.call @index_at(%obs, %i, %c1) : (memref<?x?xf64>, index, index) -> index
  %a0 = memref.load %cams[%cam, %c0] : memref<?x?xf64>
  %a1 = memref.load %cams[%cam, %c1] : memref<?x?xf64>
  %a2 = memref.load %cams[%cam, %c2] : memref<?x?xf64>
  %a3 = memref.load %cams[%cam, %c3] : memref<?x?xf64>
  %a4 = memref.load %cams[%cam, %c4] : memref<?x?xf64>
  %a5 = memref.load %cams[%cam, %c5] : memref<?x?xf64>
  %a6 = memref.load %cams[%cam, %c6] : memref<?x?xf64>
  %a7 = memref.load %cams[%cam, %c7] : memref<?x?xf64>
  %a8 = memref.load %cams[%cam, %c8] : memref<?x?xf64>
  %a9 = memref.load %cams[%cam, %c9] : memref<?x?xf64>
  %a10 = memref.load %cams[%cam, %c10] : memref<?x?xf64>
  %x0 = memref.load %points[%pt, %c0] : memref<?x?xf64>
  %x1 = memref.load %points[%pt, %c1] : memref<?x?xf64>
  %x2 = memref.load %points[%pt, %c2] : memref<?x?xf64>
  %wi = memref.load %w[%i] : memref<?xf64>
  %f0 = memref.load %feats[%i, %c0] : memref<?x?xf64>
  %f1 = memref.load %feats[%i, %c1] : memref<?x?xf64>
  return %cam, %pt, %a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %x0, %x1, %x2, %wi, %f0, %f1
      : index, index, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64
}

func.func @ba_objective(%cams: memref<?x?xf64>, %points: memref<?x?xf64>, %w: memref<?xf64>,
                        %obs: memref<?x?xf64>, %feats: memref<?x?xf64>, %reproj: memref<?x?xf64>,
                        %werr: memref<?xf64>, %rows: memref<?xf64>, %cols: memref<?xf64>, %vals: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %p = memref.dim %w, %c0 : memref<?xf64>
  scf.for %i = %c0 to %p step %c1 {
    %cam, %pt, %a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %x0, %x1, %x2, %wi, %f0, %f1
        = func.call @observation(%cams, %points, %w, %obs, %feats, %i)
        : (memref<?x?xf64>, memref<?x?xf64>, memref<?xf64>, memref<?x?xf64>, memref<?x?xf64>, index)
        -> (index, index, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64)
    %e0, %e1 = func.call @residual(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %x0, %x1, %x2, %wi, %f0, %f1)
        : (f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64) -> (f64, f64)
    memref.store %e0, %reproj[%i, %c0] : memref<?x?xf64>
    memref.store %e1, %reproj[%i, %c1] : memref<?x?xf64>
  }
  scf.for %i = %c0 to %p step %c1 {
    %wi = memref.load %w[%i] : memref<?xf64>
    %e = func.call @weight_error(%wi) : (f64) -> f64
    memref.store %e, %werr[%i] : memref<?xf64>
  }
  return
}

// Observation i's block of the Jacobian by two reverse sweeps of zad's
// gradient of @residual with respect to its 15 parameters, seeding one
// error, then the other (zad.gradient seeds its result with 1: the seeds
// are arguments of @seeded_residual); w_err's derivatives by zad's gradient of
// @weight_error. Each block goes into the sparse matrix as it is computed.
func.func @ba_jacobian(%cams: memref<?x?xf64>, %points: memref<?x?xf64>, %w: memref<?xf64>,
                       %obs: memref<?x?xf64>, %feats: memref<?x?xf64>, %reproj: memref<?x?xf64>,
                       %werr: memref<?xf64>, %rows: memref<?xf64>, %cols: memref<?xf64>, %vals: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c11 = arith.constant 11 : index
  %c14 = arith.constant 14 : index
  %c15 = arith.constant 15 : index
  %c30 = arith.constant 30 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %n = memref.dim %cams, %c0 : memref<?x?xf64>
  %m = memref.dim %points, %c0 : memref<?x?xf64>
  %p = memref.dim %w, %c0 : memref<?xf64>
  %n11 = arith.muli %n, %c11 : index
  %m3 = arith.muli %m, %c3 : index
  %weights = arith.addi %n11, %m3 : index
  // One observation's derivatives, before they are scattered: row r's
  // derivative by parameter j at [r, j].
  %block = memref.alloca() : memref<2x15xf64>
  memref.store %zero, %rows[%c0] : memref<?xf64>
  scf.for %i = %c0 to %p step %c1 {
    %cam, %pt, %a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %x0, %x1, %x2, %wi, %f0, %f1
        = func.call @observation(%cams, %points, %w, %obs, %feats, %i)
        : (memref<?x?xf64>, memref<?x?xf64>, memref<?xf64>, memref<?x?xf64>, memref<?x?xf64>, index)
        -> (index, index, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64)
    scf.for %r = %c0 to %c2 step %c1 {
      %first = arith.cmpi eq, %r, %c0 : index
      %seed0 = arith.select %first, %one, %zero : f64
      %seed1 = arith.select %first, %zero, %one : f64
      %e, %d0, %d1, %d2, %d3, %d4, %d5, %d6, %d7, %d8, %d9, %d10, %d11, %d12, %d13, %d14
          = zad.gradient @seeded_residual(%a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %x0, %x1, %x2, %wi,
                                   %f0, %f1, %seed0, %seed1)
          {activity = ["active", "active", "active", "active", "active", "active", "active", "active", "active",
                       "active", "active", "active", "active", "active", "active", "const", "const", "const", "const"]}
          : (f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64)
          -> (f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64)
      %j0 = arith.constant 0 : index
      %j1 = arith.constant 1 : index
      %j2 = arith.constant 2 : index
      %j3 = arith.constant 3 : index
      %j4 = arith.constant 4 : index
      %j5 = arith.constant 5 : index
      %j6 = arith.constant 6 : index
      %j7 = arith.constant 7 : index
      %j8 = arith.constant 8 : index
      %j9 = arith.constant 9 : index
      %j10 = arith.constant 10 : index
      %j11 = arith.constant 11 : index
      %j12 = arith.constant 12 : index
      %j13 = arith.constant 13 : index
      %j14 = arith.constant 14 : index
      memref.store %d0, %block[%r, %j0] : memref<2x15xf64>
      memref.store %d1, %block[%r, %j1] : memref<2x15xf64>
      memref.store %d2, %block[%r, %j2] : memref<2x15xf64>
      memref.store %d3, %block[%r, %j3] : memref<2x15xf64>
      memref.store %d4, %block[%r, %j4] : memref<2x15xf64>
      memref.store %d5, %block[%r, %j5] : memref<2x15xf64>
      memref.store %d6, %block[%r, %j6] : memref<2x15xf64>
      memref.store %d7, %block[%r, %j7] : memref<2x15xf64>
      memref.store %d8, %block[%r, %j8] : memref<2x15xf64>
      memref.store %d9, %block[%r, %j9] : memref<2x15xf64>
      memref.store %d10, %block[%r, %j10] : memref<2x15xf64>
      memref.store %d11, %block[%r, %j11] : memref<2x15xf64>
      memref.store %d12, %block[%r, %j12] : memref<2x15xf64>
      memref.store %d13, %block[%r, %j13] : memref<2x15xf64>
      memref.store %d14, %block[%r, %j14] : memref<2x15xf64>
    }
    // Rows 2i and 2i + 1: 15 entries each, from 30 i on.
    %base = arith.muli %i, %c30 : index
    %camera_column = arith.muli %cam, %c11 : index
    %pt3 = arith.muli %pt, %c3 : index
    %point_column = arith.addi %n11, %pt3 : index
    %point_start = arith.subi %point_column, %c11 : index
    %weight_column = arith.addi %weights, %i : index
    %weight_float = func.call @as_float(%weight_column) : (index) -> f64
    scf.for %r = %c0 to %c2 step %c1 {
      %r15 = arith.muli %r, %c15 : index
      %row_start = arith.addi %base, %r15 : index
      %row_end = arith.addi %row_start, %c15 : index
      %row_end_float = func.call @as_float(%row_end) : (index) -> f64
      %i2 = arith.muli %i, %c2 : index
      %row = arith.addi %i2, %r : index
      %next_row = arith.addi %row, %c1 : index
      memref.store %row_end_float, %rows[%next_row] : memref<?xf64>
      scf.for %j = %c0 to %c11 step %c1 {
        %at = arith.addi %row_start, %j : index
        %column = arith.addi %camera_column, %j : index
        %column_float = func.call @as_float(%column) : (index) -> f64
        %value = memref.load %block[%r, %j] : memref<2x15xf64>
        memref.store %column_float, %cols[%at] : memref<?xf64>
        memref.store %value, %vals[%at] : memref<?xf64>
      }
      scf.for %j = %c11 to %c14 step %c1 {
        %at = arith.addi %row_start, %j : index
        %column = arith.addi %point_start, %j : index
        %column_float = func.call @as_float(%column) : (index) -> f64
        %value = memref.load %block[%r, %j] : memref<2x15xf64>
        memref.store %column_float, %cols[%at] : memref<?xf64>
        memref.store %value, %vals[%at] : memref<?xf64>
      }
      %at = arith.addi %row_start, %c14 : index
      %value = memref.load %block[%r, %c14] : memref<2x15xf64>
      memref.store %weight_float, %cols[%at] : memref<?xf64>
      memref.store %value, %vals[%at] : memref<?xf64>
    }
  }
  // Rows 2p + i: one entry each, from 30 p on.
  %p30 = arith.muli %p, %c30 : index
  %p2 = arith.muli %p, %c2 : index
  scf.for %i = %c0 to %p step %c1 {
    %wi = memref.load %w[%i] : memref<?xf64>
    %e, %d = zad.gradient @weight_error(%wi) {activity = ["active"]} : (f64) -> (f64, f64)
    %at = arith.addi %p30, %i : index
    %row = arith.addi %p2, %i : index
    %next_row = arith.addi %row, %c1 : index
    %row_end = arith.addi %at, %c1 : index
    %row_end_float = func.call @as_float(%row_end) : (index) -> f64
    %column = arith.addi %weights, %i : index
    %column_float = func.call @as_float(%column) : (index) -> f64
    memref.store %row_end_float, %rows[%next_row] : memref<?xf64>
    memref.store %column_float, %cols[%at] : memref<?xf64>
    memref.store %d, %vals[%at] : memref<?xf64>
  }
  return
}
