// A Gaussian-mixture objective with diagonal covariances (K = 3 components,
// D = 2 dimensions, N = 5 points):
//   L = sum_i lse_k( alpha_k + sum_d q_kd - 1/2 sum_d (exp(q_kd) (x_id - mu_kd))^2 )
//       - N lse(alpha) - N D/2 log(2 pi) - gamma/2 sum_{k,d} exp(2 q_kd)
// where lse is log-sum-exp and q_kd the log inverse standard deviations.
// Rank-1 and rank-2 inputs of different shapes, a dynamically sized
// memref.alloca scratch buffer, a helper called in a loop, triple nesting.
//
// RUN: gmm_objective [[0.1, -0.3, 0.7], [[0.0, 1.0], [2.0, -1.0], [-1.0, 0.5]], [[0.1, 0.2],
// ... [-0.3, 0.0], [0.25, -0.1]], [[0.3, 0.9], [1.7, -0.4], [-1.2, 0.8], [0.5, 0.1], [2.2, -1.5]],
// ... 0.1]
// EXPECT: [-15.78723140577835]
// RUN: gmm_objective [[-0.743, -0.001, 0.203, -0.943], [[-0.997, 1.787, -1.243], [-1.283, -0.6,
// ... -1.078], [0.682, -1.54, 1.585], [1.433, -1.989, 0.166]], [[0.365, 0.355, 0.311], [-0.239,
// ... -0.423, 0.446], [0.114, -0.497, 0.41], [0.485, -0.214, 0.314]], [[1.986, -0.834, 1.216],
// ... [2.161, 0.848, 0.29], [1.574, 1.298, -0.197], [0.435, 1.478, -2.619], [0.881, 1.416,
// ... -0.607], [0.043, -1.628, 0.901]], 0.5]
// EXPECT: [-41.65403549165121]

func.func private @lse(%v: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xf64>
  %ninf = arith.constant 0xFFF0000000000000 : f64
  %m = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %ninf) -> (f64) {
    %vi = memref.load %v[%i] : memref<?xf64>
    %next = arith.maximumf %acc, %vi : f64
    scf.yield %next : f64
  }
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %vi = memref.load %v[%i] : memref<?xf64>
    %d = arith.subf %vi, %m : f64
    %e = math.exp %d : f64
    %next = arith.addf %acc, %e : f64
    scf.yield %next : f64
  }
  %l = math.log %s : f64
  %r = arith.addf %m, %l : f64
  return %r : f64
}

func.func @gmm_objective(%alphas: memref<?xf64>, %means: memref<?x?xf64>, %qs: memref<?x?xf64>,
                         %x: memref<?x?xf64>, %gamma: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %two = arith.constant 2.0 : f64
  %log2pi = arith.constant 1.8378770664093453 : f64
  %k = memref.dim %means, %c0 : memref<?x?xf64>
  %d = memref.dim %means, %c1 : memref<?x?xf64>
  %n = memref.dim %x, %c0 : memref<?x?xf64>
  %buf = memref.alloca(%k) : memref<?xf64>
  %loglik = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    scf.for %j = %c0 to %k step %c1 {
      %sq, %sumq = scf.for %e = %c0 to %d step %c1 iter_args(%s = %zero, %t = %zero) -> (f64, f64) {
        %q = memref.load %qs[%j, %e] : memref<?x?xf64>
        %mu = memref.load %means[%j, %e] : memref<?x?xf64>
        %xi = memref.load %x[%i, %e] : memref<?x?xf64>
        %diff = arith.subf %xi, %mu : f64
        %eq = math.exp %q : f64
        %z = arith.mulf %eq, %diff : f64
        %zz = arith.mulf %z, %z : f64
        %s2 = arith.addf %s, %zz : f64
        %t2 = arith.addf %t, %q : f64
        scf.yield %s2, %t2 : f64, f64
      }
      %a = memref.load %alphas[%j] : memref<?xf64>
      %hs = arith.mulf %half, %sq : f64
      %u = arith.addf %a, %sumq : f64
      %v = arith.subf %u, %hs : f64
      memref.store %v, %buf[%j] : memref<?xf64>
    }
    %l = func.call @lse(%buf) : (memref<?xf64>) -> f64
    %next = arith.addf %acc, %l : f64
    scf.yield %next : f64
  }
  %lse_alpha = func.call @lse(%alphas) : (memref<?xf64>) -> f64
  %n_i = arith.index_cast %n : index to i64
  %n_f = arith.sitofp %n_i : i64 to f64
  %d_i = arith.index_cast %d : index to i64
  %d_f = arith.sitofp %d_i : i64 to f64
  %norm = arith.mulf %n_f, %lse_alpha : f64
  %nd = arith.mulf %n_f, %d_f : f64
  %c = arith.mulf %nd, %half : f64
  %cst = arith.mulf %c, %log2pi : f64
  %reg = scf.for %j = %c0 to %k step %c1 iter_args(%acc = %zero) -> (f64) {
    %inner = scf.for %e = %c0 to %d step %c1 iter_args(%s = %acc) -> (f64) {
      %q = memref.load %qs[%j, %e] : memref<?x?xf64>
      %q2 = arith.mulf %two, %q : f64
      %eq = math.exp %q2 : f64
      %s2 = arith.addf %s, %eq : f64
      scf.yield %s2 : f64
    }
    scf.yield %inner : f64
  }
  %hg = arith.mulf %half, %gamma : f64
  %penalty = arith.mulf %hg, %reg : f64
  %r0 = arith.subf %loglik, %norm : f64
  %r1 = arith.subf %r0, %cst : f64
  %r = arith.subf %r1, %penalty : f64
  return %r : f64
}
