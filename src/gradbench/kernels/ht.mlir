// GradBench eval `ht` (hand tracking, from ADBench): the residuals between
// measured points and a posed, skinned hand mesh, as a function of the 26
// pose parameters theta (and, in the "complicated" variant, of each point's
// barycentric coordinates u on its triangle).
//
//   theta = [global rotation (angle-axis, 3), global translation (3),
//            per finger (5 of them): its first bone's x and z angles, its
//            second and third bones' x angle]
//   bone b's Euler angles (x, z, y): finger f's bones are 2 + 4f .. 4 + 4f;
//            every other angle is 0
//   relative_b = base_relative_b [Rz Ry Rx, 0; 0, 1]
//   absolute_b = relative_b (root) or absolute_parent(b) relative_b
//   transform_b = absolute_b inverse_base_absolute_b
//   vertex_v = sum_b weight_vb (transform_b base_position_v)[0..3],
//            its x negated for a mirrored hand, then rotated by the global
//            angle-axis rotation (identity below norm 1e-4) and translated
//   err_i = point_i - vertex_{c_i}                       (simple: us empty)
//   err_i = point_i - (u_i0 v_t0 + u_i1 v_t1 + (1 - u_i0 - u_i1) v_t2)
//            where t = triangle c_i                    (complicated)
//
// Indices (parents, triangles, correspondences) come as f64 (exact
// integers; a parent of -1 is a root); matrices are row-major. The mirror
// factor is -1 for a mirrored hand, else 1.
func.func @ht(%theta: memref<?xf64>, %us: memref<?x?xf64>, %err: memref<?x?xf64>,
              %parents: memref<?xf64>, %base_relatives: memref<?x?x?xf64>,
              %inverse_base_absolutes: memref<?x?x?xf64>, %base_positions: memref<?x?xf64>,
              %weights: memref<?x?xf64>, %triangles: memref<?x?xf64>,
              %correspondences: memref<?xf64>, %points: memref<?x?xf64>, %mirror: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %bones = memref.dim %parents, %c0 : memref<?xf64>
  %vertices = memref.dim %base_positions, %c0 : memref<?x?xf64>
  %n = memref.dim %points, %c0 : memref<?x?xf64>
  %n_us = memref.dim %us, %c0 : memref<?x?xf64>

  // Each bone's Euler angles (x, z, y), from theta.
  %pose = memref.alloc(%bones) : memref<?x3xf64>
  scf.for %b = %c0 to %bones step %c1 {
    scf.for %k = %c0 to %c3 step %c1 {
      memref.store %zero, %pose[%b, %k] : memref<?x3xf64>
    }
  }
  scf.for %f = %c0 to %c5 step %c1 {
    %f4 = arith.muli %f, %c4 : index
    %t = arith.addi %f4, %c6 : index
    %t1 = arith.addi %t, %c1 : index
    %t2 = arith.addi %t, %c2 : index
    %t3 = arith.addi %t, %c3 : index
    %bone = arith.addi %f4, %c2 : index
    %bone1 = arith.addi %bone, %c1 : index
    %bone2 = arith.addi %bone, %c2 : index
    %x0 = memref.load %theta[%t] : memref<?xf64>
    %z0 = memref.load %theta[%t1] : memref<?xf64>
    %x1 = memref.load %theta[%t2] : memref<?xf64>
    %x2 = memref.load %theta[%t3] : memref<?xf64>
    memref.store %x0, %pose[%bone, %c0] : memref<?x3xf64>
    memref.store %z0, %pose[%bone, %c1] : memref<?x3xf64>
    memref.store %x1, %pose[%bone1, %c0] : memref<?x3xf64>
    memref.store %x2, %pose[%bone2, %c0] : memref<?x3xf64>
  }

  // Relative transforms, then absolute ones down the hierarchy (a parent
  // comes before its children).
  %rotation = memref.alloc() : memref<3x3xf64>
  %relative = memref.alloc() : memref<4x4xf64>
  %absolutes = memref.alloc(%bones) : memref<?x4x4xf64>
  scf.for %b = %c0 to %bones step %c1 {
    func.call @euler_rotation(%pose, %b, %rotation) : (memref<?x3xf64>, index, memref<3x3xf64>) -> ()
    scf.for %r = %c0 to %c4 step %c1 {
      scf.for %c = %c0 to %c3 step %c1 {
        %sum = scf.for %k = %c0 to %c3 step %c1 iter_args(%acc = %zero) -> (f64) {
          %a = memref.load %base_relatives[%b, %r, %k] : memref<?x?x?xf64>
          %q = memref.load %rotation[%k, %c] : memref<3x3xf64>
          %p = arith.mulf %a, %q : f64
          %s = arith.addf %acc, %p : f64
          scf.yield %s : f64
        }
        memref.store %sum, %relative[%r, %c] : memref<4x4xf64>
      }
      %last = memref.load %base_relatives[%b, %r, %c3] : memref<?x?x?xf64>
      memref.store %last, %relative[%r, %c3] : memref<4x4xf64>
    }
    %parent_f = memref.load %parents[%b] : memref<?xf64>
    %parent_i = arith.fptosi %parent_f : f64 to i64
    %parent = arith.index_cast %parent_i : i64 to index
    %is_root = arith.cmpf olt, %parent_f, %zero : f64
    scf.if %is_root {
      scf.for %r = %c0 to %c4 step %c1 {
        scf.for %c = %c0 to %c4 step %c1 {
          %v = memref.load %relative[%r, %c] : memref<4x4xf64>
          memref.store %v, %absolutes[%b, %r, %c] : memref<?x4x4xf64>
        }
      }
    } else {
      scf.for %r = %c0 to %c4 step %c1 {
        scf.for %c = %c0 to %c4 step %c1 {
          %sum = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f64) {
            %a = memref.load %absolutes[%parent, %r, %k] : memref<?x4x4xf64>
            %q = memref.load %relative[%k, %c] : memref<4x4xf64>
            %p = arith.mulf %a, %q : f64
            %s = arith.addf %acc, %p : f64
            scf.yield %s : f64
          }
          memref.store %sum, %absolutes[%b, %r, %c] : memref<?x4x4xf64>
        }
      }
    }
  }

  // Bone transforms (their top three rows).
  %transforms = memref.alloc(%bones) : memref<?x3x4xf64>
  scf.for %b = %c0 to %bones step %c1 {
    scf.for %r = %c0 to %c3 step %c1 {
      scf.for %c = %c0 to %c4 step %c1 {
        %sum = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f64) {
          %a = memref.load %absolutes[%b, %r, %k] : memref<?x4x4xf64>
          %q = memref.load %inverse_base_absolutes[%b, %k, %c] : memref<?x?x?xf64>
          %p = arith.mulf %a, %q : f64
          %s = arith.addf %acc, %p : f64
          scf.yield %s : f64
        }
        memref.store %sum, %transforms[%b, %r, %c] : memref<?x3x4xf64>
      }
    }
  }

  // Skinned vertices, mirrored, then the global rotation and translation.
  %global = memref.alloc() : memref<3x3xf64>
  func.call @angle_axis_rotation(%theta, %global) : (memref<?xf64>, memref<3x3xf64>) -> ()
  %tx = memref.load %theta[%c3] : memref<?xf64>
  %ty = memref.load %theta[%c4] : memref<?xf64>
  %tz = memref.load %theta[%c5] : memref<?xf64>
  %positions = memref.alloc(%vertices) : memref<?x3xf64>
  scf.for %v = %c0 to %vertices step %c1 {
    %bx = memref.load %base_positions[%v, %c0] : memref<?x?xf64>
    %by = memref.load %base_positions[%v, %c1] : memref<?x?xf64>
    %bz = memref.load %base_positions[%v, %c2] : memref<?x?xf64>
    %bw = memref.load %base_positions[%v, %c3] : memref<?x?xf64>
    %skinned:3 = scf.for %b = %c0 to %bones step %c1 iter_args(%sx = %zero, %sy = %zero, %sz = %zero) -> (f64, f64, f64) {
      %w = memref.load %weights[%v, %b] : memref<?x?xf64>
      // Most weights are 0 (a vertex follows a few bones).
      %weighted = arith.cmpf one, %w, %zero : f64
      %next:3 = scf.if %weighted -> (f64, f64, f64) {
        %x = func.call @transform_row(%transforms, %b, %c0, %bx, %by, %bz, %bw) : (memref<?x3x4xf64>, index, index, f64, f64, f64, f64) -> f64
        %y = func.call @transform_row(%transforms, %b, %c1, %bx, %by, %bz, %bw) : (memref<?x3x4xf64>, index, index, f64, f64, f64, f64) -> f64
        %z = func.call @transform_row(%transforms, %b, %c2, %bx, %by, %bz, %bw) : (memref<?x3x4xf64>, index, index, f64, f64, f64, f64) -> f64
        %wx = arith.mulf %w, %x : f64
        %wy = arith.mulf %w, %y : f64
        %wz = arith.mulf %w, %z : f64
        %nx = arith.addf %sx, %wx : f64
        %ny = arith.addf %sy, %wy : f64
        %nz = arith.addf %sz, %wz : f64
        scf.yield %nx, %ny, %nz : f64, f64, f64
      } else {
        scf.yield %sx, %sy, %sz : f64, f64, f64
      }
      scf.yield %next#0, %next#1, %next#2 : f64, f64, f64
    }
    %mx = arith.mulf %skinned#0, %mirror : f64
    %gx = func.call @rotate_row(%global, %c0, %mx, %skinned#1, %skinned#2) : (memref<3x3xf64>, index, f64, f64, f64) -> f64
    %gy = func.call @rotate_row(%global, %c1, %mx, %skinned#1, %skinned#2) : (memref<3x3xf64>, index, f64, f64, f64) -> f64
    %gz = func.call @rotate_row(%global, %c2, %mx, %skinned#1, %skinned#2) : (memref<3x3xf64>, index, f64, f64, f64) -> f64
    %px = arith.addf %gx, %tx : f64
    %py = arith.addf %gy, %ty : f64
    %pz = arith.addf %gz, %tz : f64
    memref.store %px, %positions[%v, %c0] : memref<?x3xf64>
    memref.store %py, %positions[%v, %c1] : memref<?x3xf64>
    memref.store %pz, %positions[%v, %c2] : memref<?x3xf64>
  }

  // Residuals: to a vertex, or to a point on a triangle.
  %complicated = arith.cmpi ugt, %n_us, %c0 : index
  scf.if %complicated {
    scf.for %i = %c0 to %n step %c1 {
      %cf = memref.load %correspondences[%i] : memref<?xf64>
      %ci = arith.fptosi %cf : f64 to i64
      %triangle = arith.index_cast %ci : i64 to index
      %v0 = func.call @vertex_of(%triangles, %triangle, %c0) : (memref<?x?xf64>, index, index) -> index
      %v1 = func.call @vertex_of(%triangles, %triangle, %c1) : (memref<?x?xf64>, index, index) -> index
      %v2 = func.call @vertex_of(%triangles, %triangle, %c2) : (memref<?x?xf64>, index, index) -> index
      %u0 = memref.load %us[%i, %c0] : memref<?x?xf64>
      %u1 = memref.load %us[%i, %c1] : memref<?x?xf64>
      %u01 = arith.addf %u0, %u1 : f64
      %u2 = arith.subf %one, %u01 : f64
      scf.for %j = %c0 to %c3 step %c1 {
        %p0 = memref.load %positions[%v0, %j] : memref<?x3xf64>
        %p1 = memref.load %positions[%v1, %j] : memref<?x3xf64>
        %p2 = memref.load %positions[%v2, %j] : memref<?x3xf64>
        %a0 = arith.mulf %u0, %p0 : f64
        %a1 = arith.mulf %u1, %p1 : f64
        %a2 = arith.mulf %u2, %p2 : f64
        %a01 = arith.addf %a0, %a1 : f64
        %hand = arith.addf %a01, %a2 : f64
        %point = memref.load %points[%i, %j] : memref<?x?xf64>
        %e = arith.subf %point, %hand : f64
        memref.store %e, %err[%i, %j] : memref<?x?xf64>
      }
    }
  } else {
    scf.for %i = %c0 to %n step %c1 {
      %cf = memref.load %correspondences[%i] : memref<?xf64>
      %ci = arith.fptosi %cf : f64 to i64
      %vertex = arith.index_cast %ci : i64 to index
      scf.for %j = %c0 to %c3 step %c1 {
        %p = memref.load %positions[%vertex, %j] : memref<?x3xf64>
        %point = memref.load %points[%i, %j] : memref<?x?xf64>
        %e = arith.subf %point, %p : f64
        memref.store %e, %err[%i, %j] : memref<?x?xf64>
      }
    }
  }
  memref.dealloc %pose : memref<?x3xf64>
  memref.dealloc %rotation : memref<3x3xf64>
  memref.dealloc %relative : memref<4x4xf64>
  memref.dealloc %absolutes : memref<?x4x4xf64>
  memref.dealloc %transforms : memref<?x3x4xf64>
  memref.dealloc %global : memref<3x3xf64>
  memref.dealloc %positions : memref<?x3xf64>
  return
}

// Vertex k of a triangle, as an index.
func.func private @vertex_of(%triangles: memref<?x?xf64>, %t: index, %k: index) -> index {
  %f = memref.load %triangles[%t, %k] : memref<?x?xf64>
  %i = arith.fptosi %f : f64 to i64
  %v = arith.index_cast %i : i64 to index
  return %v : index
}

// Row r of bone b's transform times the homogeneous point (x, y, z, w).
func.func private @transform_row(%transforms: memref<?x3x4xf64>, %b: index, %r: index,
                                 %x: f64, %y: f64, %z: f64, %w: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %m0 = memref.load %transforms[%b, %r, %c0] : memref<?x3x4xf64>
  %m1 = memref.load %transforms[%b, %r, %c1] : memref<?x3x4xf64>
  %m2 = memref.load %transforms[%b, %r, %c2] : memref<?x3x4xf64>
  %m3 = memref.load %transforms[%b, %r, %c3] : memref<?x3x4xf64>
  %p0 = arith.mulf %m0, %x : f64
  %p1 = arith.mulf %m1, %y : f64
  %p2 = arith.mulf %m2, %z : f64
  %p3 = arith.mulf %m3, %w : f64
  %s01 = arith.addf %p0, %p1 : f64
  %s012 = arith.addf %s01, %p2 : f64
  %s = arith.addf %s012, %p3 : f64
  return %s : f64
}

// Row r of a rotation times (x, y, z).
func.func private @rotate_row(%rotation: memref<3x3xf64>, %r: index, %x: f64, %y: f64, %z: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %m0 = memref.load %rotation[%r, %c0] : memref<3x3xf64>
  %m1 = memref.load %rotation[%r, %c1] : memref<3x3xf64>
  %m2 = memref.load %rotation[%r, %c2] : memref<3x3xf64>
  %p0 = arith.mulf %m0, %x : f64
  %p1 = arith.mulf %m1, %y : f64
  %p2 = arith.mulf %m2, %z : f64
  %s01 = arith.addf %p0, %p1 : f64
  %s = arith.addf %s01, %p2 : f64
  return %s : f64
}

// Rz(tz) Ry(ty) Rx(tx) for bone b's angles (tx, tz, ty), written out:
// the product of the three elementary rotations.
func.func private @euler_rotation(%pose: memref<?x3xf64>, %b: index, %r: memref<3x3xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %tx = memref.load %pose[%b, %c0] : memref<?x3xf64>
  %tz = memref.load %pose[%b, %c1] : memref<?x3xf64>
  %ty = memref.load %pose[%b, %c2] : memref<?x3xf64>
  %cx = math.cos %tx : f64
  %sx = math.sin %tx : f64
  %cy = math.cos %ty : f64
  %sy = math.sin %ty : f64
  %cz = math.cos %tz : f64
  %sz = math.sin %tz : f64
  // Column 0: (cz cy, sz cy, -sy).
  %r00 = arith.mulf %cz, %cy : f64
  %r10 = arith.mulf %sz, %cy : f64
  %r20 = arith.negf %sy : f64
  // Column 1: cx (-sz, cz, 0) + sx (cz sy, sz sy, cy).
  %czsy = arith.mulf %cz, %sy : f64
  %szsy = arith.mulf %sz, %sy : f64
  %szcx = arith.mulf %sz, %cx : f64
  %czsysx = arith.mulf %czsy, %sx : f64
  %r01 = arith.subf %czsysx, %szcx : f64
  %czcx = arith.mulf %cz, %cx : f64
  %szsysx = arith.mulf %szsy, %sx : f64
  %r11 = arith.addf %czcx, %szsysx : f64
  %r21 = arith.mulf %cy, %sx : f64
  // Column 2: -sx (-sz, cz, 0) + cx (cz sy, sz sy, cy).
  %szsx = arith.mulf %sz, %sx : f64
  %czsycx = arith.mulf %czsy, %cx : f64
  %r02 = arith.addf %szsx, %czsycx : f64
  %czsx = arith.mulf %cz, %sx : f64
  %szsycx = arith.mulf %szsy, %cx : f64
  %r12 = arith.subf %szsycx, %czsx : f64
  %r22 = arith.mulf %cy, %cx : f64
  memref.store %r00, %r[%c0, %c0] : memref<3x3xf64>
  memref.store %r01, %r[%c0, %c1] : memref<3x3xf64>
  memref.store %r02, %r[%c0, %c2] : memref<3x3xf64>
  memref.store %r10, %r[%c1, %c0] : memref<3x3xf64>
  memref.store %r11, %r[%c1, %c1] : memref<3x3xf64>
  memref.store %r12, %r[%c1, %c2] : memref<3x3xf64>
  memref.store %r20, %r[%c2, %c0] : memref<3x3xf64>
  memref.store %r21, %r[%c2, %c1] : memref<3x3xf64>
  memref.store %r22, %r[%c2, %c2] : memref<3x3xf64>
  return
}

// The rotation of angle-axis theta[0..3] (Rodrigues), the identity when the
// angle is below 1e-4.
func.func private @angle_axis_rotation(%theta: memref<?xf64>, %r: memref<3x3xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %small = arith.constant 1.0e-4 : f64
  %a0 = memref.load %theta[%c0] : memref<?xf64>
  %a1 = memref.load %theta[%c1] : memref<?xf64>
  %a2 = memref.load %theta[%c2] : memref<?xf64>
  %q0 = arith.mulf %a0, %a0 : f64
  %q1 = arith.mulf %a1, %a1 : f64
  %q2 = arith.mulf %a2, %a2 : f64
  %q01 = arith.addf %q0, %q1 : f64
  %sq = arith.addf %q01, %q2 : f64
  %norm = math.sqrt %sq : f64
  %tiny = arith.cmpf olt, %norm, %small : f64
  scf.if %tiny {
    memref.store %zero, %r[%c0, %c1] : memref<3x3xf64>
    memref.store %zero, %r[%c0, %c2] : memref<3x3xf64>
    memref.store %zero, %r[%c1, %c0] : memref<3x3xf64>
    memref.store %zero, %r[%c1, %c2] : memref<3x3xf64>
    memref.store %zero, %r[%c2, %c0] : memref<3x3xf64>
    memref.store %zero, %r[%c2, %c1] : memref<3x3xf64>
    memref.store %one, %r[%c0, %c0] : memref<3x3xf64>
    memref.store %one, %r[%c1, %c1] : memref<3x3xf64>
    memref.store %one, %r[%c2, %c2] : memref<3x3xf64>
  } else {
    %x = arith.divf %a0, %norm : f64
    %y = arith.divf %a1, %norm : f64
    %z = arith.divf %a2, %norm : f64
    %s = math.sin %norm : f64
    %c = math.cos %norm : f64
    %omc = arith.subf %one, %c : f64
    %xx = arith.mulf %x, %x : f64
    %yy = arith.mulf %y, %y : f64
    %zz = arith.mulf %z, %z : f64
    %xy = arith.mulf %x, %y : f64
    %xz = arith.mulf %x, %z : f64
    %yz = arith.mulf %y, %z : f64
    %xs = arith.mulf %x, %s : f64
    %ys = arith.mulf %y, %s : f64
    %zs = arith.mulf %z, %s : f64
    %xyo = arith.mulf %xy, %omc : f64
    %xzo = arith.mulf %xz, %omc : f64
    %yzo = arith.mulf %yz, %omc : f64
    // Diagonal: x^2 + (1 - x^2) c.
    %oxx = arith.subf %one, %xx : f64
    %oyy = arith.subf %one, %yy : f64
    %ozz = arith.subf %one, %zz : f64
    %oxxc = arith.mulf %oxx, %c : f64
    %oyyc = arith.mulf %oyy, %c : f64
    %ozzc = arith.mulf %ozz, %c : f64
    %r00 = arith.addf %xx, %oxxc : f64
    %r11 = arith.addf %yy, %oyyc : f64
    %r22 = arith.addf %zz, %ozzc : f64
    %r01 = arith.subf %xyo, %zs : f64
    %r02 = arith.addf %xzo, %ys : f64
    %r10 = arith.addf %xyo, %zs : f64
    %r12 = arith.subf %yzo, %xs : f64
    %r20 = arith.subf %xzo, %ys : f64
    %r21 = arith.addf %yzo, %xs : f64
    memref.store %r00, %r[%c0, %c0] : memref<3x3xf64>
    memref.store %r01, %r[%c0, %c1] : memref<3x3xf64>
    memref.store %r02, %r[%c0, %c2] : memref<3x3xf64>
    memref.store %r10, %r[%c1, %c0] : memref<3x3xf64>
    memref.store %r11, %r[%c1, %c1] : memref<3x3xf64>
    memref.store %r12, %r[%c1, %c2] : memref<3x3xf64>
    memref.store %r20, %r[%c2, %c0] : memref<3x3xf64>
    memref.store %r21, %r[%c2, %c1] : memref<3x3xf64>
    memref.store %r22, %r[%c2, %c2] : memref<3x3xf64>
  }
  return
}
