// GradBench eval `gmm`: the log posterior of a Gaussian mixture with a
// Wishart prior on the precision matrices (ADBench's GMM objective, with
// GradBench's fixes), in the algebraically simplified form of the eval's
// README:
//
//   sum_i logsumexp_k(beta_ik) - N logsumexp(alpha)
//     - sum_k (gamma^2 / 2 ||Q_k||_F^2 - m sum_j q_kj) + constant,
//   beta_ik = alpha_k + sum_j q_kj - 1/2 ||Q_k (x_i - mu_k)||^2,
//
// where Q_k is lower triangular with diagonal exp(q_k) and its strictly
// lower part filled from l_k column by column. `constant` gathers the
// terms that depend on sizes and hyper-parameters only (-N D/2 log 2 pi and
// the Wishart normalisation, which needs log-gamma); the caller computes it.
//
// Shapes: alpha K, mu K x D, q K x D, l K x D(D-1)/2, and the points
// transposed, xt D x N (point i is column i).
func.func @gmm(%alpha: memref<?xf64>, %mu: memref<?x?xf64>, %q: memref<?x?xf64>,
               %l: memref<?x?xf64>, %xt: memref<?x?xf64>, %gamma: f64, %m: f64,
               %constant: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %k_count = memref.dim %mu, %c0 : memref<?x?xf64>
  %d = memref.dim %mu, %c1 : memref<?x?xf64>
  %n = memref.dim %xt, %c1 : memref<?x?xf64>
  %n_i64 = arith.index_cast %n : index to i64
  %n_f = arith.sitofp %n_i64 : i64 to f64

  // The diagonals of the Q_k and the sums of their logarithms.
  %diagonal = memref.alloc(%k_count, %d) : memref<?x?xf64>
  %sum_q = memref.alloc(%k_count) : memref<?xf64>
  scf.for %k = %c0 to %k_count step %c1 {
    %total = scf.for %j = %c0 to %d step %c1 iter_args(%acc = %zero) -> (f64) {
      %qkj = memref.load %q[%k, %j] : memref<?x?xf64>
      %e = math.exp %qkj : f64
      memref.store %e, %diagonal[%k, %j] : memref<?x?xf64>
      %more = arith.addf %acc, %qkj : f64
      scf.yield %more : f64
    }
    memref.store %total, %sum_q[%k] : memref<?xf64>
  }

  // beta_ik for all points at once, component by component: the points
  // are the innermost loops (contiguous in %xt), so each loop is a long
  // vector loop whatever D and K, and nothing but the products is stored.
  %product = memref.alloc(%d, %n) : memref<?x?xf64>
  %beta = memref.alloc(%k_count, %n) : memref<?x?xf64>
  scf.for %k = %c0 to %k_count step %c1 {
    // product = Q_k (x_i - mu_k): the diagonal, then column by column.
    scf.for %j = %c0 to %d step %c1 {
      %mukj = memref.load %mu[%k, %j] : memref<?x?xf64>
      %qd = memref.load %diagonal[%k, %j] : memref<?x?xf64>
      scf.for %i = %c0 to %n step %c1 {
        %xji = memref.load %xt[%j, %i] : memref<?x?xf64>
        %c = arith.subf %xji, %mukj : f64
        %p = arith.mulf %qd, %c : f64
        memref.store %p, %product[%j, %i] : memref<?x?xf64>
      }
    }
    scf.for %col = %c0 to %d step %c1 {
      %mu_col = memref.load %mu[%k, %col] : memref<?x?xf64>
      // Column `col` of the strict lower part starts at
      // col (2D - col - 1) / 2 in l_k.
      %twice_d = arith.addi %d, %d : index
      %span = arith.subi %twice_d, %col : index
      %span1 = arith.subi %span, %c1 : index
      %start2 = arith.muli %col, %span1 : index
      %start = arith.divui %start2, %c2 : index
      %below = arith.addi %col, %c1 : index
      scf.for %row = %below to %d step %c1 {
        %offset = arith.subi %row, %below : index
        %at = arith.addi %start, %offset : index
        %lkr = memref.load %l[%k, %at] : memref<?x?xf64>
        scf.for %i = %c0 to %n step %c1 {
          %x_col = memref.load %xt[%col, %i] : memref<?x?xf64>
          %c = arith.subf %x_col, %mu_col : f64
          %term = arith.mulf %lkr, %c : f64
          %old = memref.load %product[%row, %i] : memref<?x?xf64>
          %new = arith.addf %old, %term : f64
          memref.store %new, %product[%row, %i] : memref<?x?xf64>
        }
      }
    }
    // beta_ik = alpha_k + sum_j q_kj - 1/2 ||product_i||^2.
    %ak = memref.load %alpha[%k] : memref<?xf64>
    %sqk = memref.load %sum_q[%k] : memref<?xf64>
    %a_plus_q = arith.addf %ak, %sqk : f64
    scf.for %i = %c0 to %n step %c1 {
      memref.store %a_plus_q, %beta[%k, %i] : memref<?x?xf64>
    }
    scf.for %j = %c0 to %d step %c1 {
      scf.for %i = %c0 to %n step %c1 {
        %pj = memref.load %product[%j, %i] : memref<?x?xf64>
        %sq = arith.mulf %pj, %pj : f64
        %half_sq = arith.mulf %half, %sq : f64
        %b = memref.load %beta[%k, %i] : memref<?x?xf64>
        %less = arith.subf %b, %half_sq : f64
        memref.store %less, %beta[%k, %i] : memref<?x?xf64>
      }
    }
  }

  // The likelihood: sum_i logsumexp_k(beta_ik), with the maximum over k
  // and the sum of exponentials kept per point.
  %largest = memref.alloc(%n) : memref<?xf64>
  %sum_exp = memref.alloc(%n) : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %b0 = memref.load %beta[%c0, %i] : memref<?x?xf64>
    memref.store %b0, %largest[%i] : memref<?xf64>
    memref.store %zero, %sum_exp[%i] : memref<?xf64>
  }
  scf.for %k = %c1 to %k_count step %c1 {
    scf.for %i = %c0 to %n step %c1 {
      %mx = memref.load %largest[%i] : memref<?xf64>
      %b = memref.load %beta[%k, %i] : memref<?x?xf64>
      %larger = arith.maxnumf %mx, %b : f64
      memref.store %larger, %largest[%i] : memref<?xf64>
    }
  }
  scf.for %k = %c0 to %k_count step %c1 {
    scf.for %i = %c0 to %n step %c1 {
      %mx = memref.load %largest[%i] : memref<?xf64>
      %b = memref.load %beta[%k, %i] : memref<?x?xf64>
      %shifted = arith.subf %b, %mx : f64
      %e = math.exp %shifted : f64
      %s = memref.load %sum_exp[%i] : memref<?xf64>
      %more = arith.addf %s, %e : f64
      memref.store %more, %sum_exp[%i] : memref<?xf64>
    }
  }
  %likelihood = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %s = memref.load %sum_exp[%i] : memref<?xf64>
    %mx = memref.load %largest[%i] : memref<?xf64>
    %log = math.log %s : f64
    %lse_i = arith.addf %log, %mx : f64
    %more = arith.addf %acc, %lse_i fastmath<reassoc> : f64
    scf.yield %more : f64
  }
  %lse_alpha = func.call @logsumexp(%alpha) : (memref<?xf64>) -> f64
  %normaliser = arith.mulf %n_f, %lse_alpha : f64
  %log_likelihood = arith.subf %likelihood, %normaliser : f64

  // The Wishart prior: sum_k gamma^2/2 ||Q_k||_F^2 - m sum_j q_kj.
  %gamma2 = arith.mulf %gamma, %gamma : f64
  %gamma2_2 = arith.mulf %gamma2, %half : f64
  %l_size = memref.dim %l, %c1 : memref<?x?xf64>
  %penalty = scf.for %k = %c0 to %k_count step %c1 iter_args(%acc = %zero) -> (f64) {
    %diag2 = scf.for %j = %c0 to %d step %c1 iter_args(%s = %zero) -> (f64) {
      %qd = memref.load %diagonal[%k, %j] : memref<?x?xf64>
      %sq = arith.mulf %qd, %qd : f64
      %more = arith.addf %s, %sq : f64
      scf.yield %more : f64
    }
    %frobenius = scf.for %j = %c0 to %l_size step %c1 iter_args(%s = %diag2) -> (f64) {
      %lkj = memref.load %l[%k, %j] : memref<?x?xf64>
      %sq = arith.mulf %lkj, %lkj : f64
      %more = arith.addf %s, %sq : f64
      scf.yield %more : f64
    }
    %sqk = memref.load %sum_q[%k] : memref<?xf64>
    %weighted = arith.mulf %gamma2_2, %frobenius : f64
    %m_sum_q = arith.mulf %m, %sqk : f64
    %term = arith.subf %weighted, %m_sum_q : f64
    %more = arith.addf %acc, %term : f64
    scf.yield %more : f64
  }
  memref.dealloc %diagonal : memref<?x?xf64>
  memref.dealloc %sum_q : memref<?xf64>
  memref.dealloc %product : memref<?x?xf64>
  memref.dealloc %beta : memref<?x?xf64>
  memref.dealloc %largest : memref<?xf64>
  memref.dealloc %sum_exp : memref<?xf64>
  %posterior = arith.subf %log_likelihood, %penalty : f64
  %result = arith.addf %posterior, %constant : f64
  return %result : f64
}

// log sum_k exp(v_k), computed stably from the maximum.
func.func private @logsumexp(%v: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %size = memref.dim %v, %c0 : memref<?xf64>
  %v0 = memref.load %v[%c0] : memref<?xf64>
  %max = scf.for %k = %c1 to %size step %c1 iter_args(%mx = %v0) -> (f64) {
    %vk = memref.load %v[%k] : memref<?xf64>
    %larger = arith.maxnumf %mx, %vk : f64
    scf.yield %larger : f64
  }
  %sum = scf.for %k = %c0 to %size step %c1 iter_args(%acc = %zero) -> (f64) {
    %vk = memref.load %v[%k] : memref<?xf64>
    %shifted = arith.subf %vk, %max : f64
    %e = math.exp %shifted : f64
    %more = arith.addf %acc, %e : f64
    scf.yield %more : f64
  }
  %log = math.log %sum : f64
  %lse = arith.addf %log, %max : f64
  return %lse : f64
}
