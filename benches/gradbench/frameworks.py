#!/usr/bin/env python3
"""Time a GradBench-style eval in JAX or PyTorch, for `make bench`.

Usage:

    python3 benches/gradbench/frameworks.py <jax|torch> <eval> <input.json>
        [--min-runs N] [--min-seconds S]

where <eval> is one of gmm, lstm, ode, lse, llsq, det, kmeans, lorenz96,
heat2d, saddle, particle and <input.json> holds that eval's input (the
GradBench input format; see the definitions below).  det, kmeans, saddle and
particle are implemented for JAX only.

Everything runs in float64 on the CPU.  JAX: the primal is `jax.jit(f)` and
the gradient `jax.jit(jax.grad(f))`, written as ordinary vectorised JAX with
`lax.scan` for time loops.  PyTorch: plain eager mode plus
`torch.autograd.grad`, with PyTorch's default thread count.

After one warm-up call (for JAX this call includes tracing and XLA
compilation, and its time is reported as compile_*_ns), each function is
called until at least --min-runs runs (default 5) and --min-seconds seconds
(default 0.5) have been spent; JAX results are always block_until_ready()'d.
One JSON line is printed on stdout:

    {"framework", "eval", "primal_ns", "gradient_ns", "compile_primal_ns",
     "compile_gradient_ns", "runs_primal", "runs_gradient", "primal_value",
     "gradient_sum", "gradient_norm"}

saddle and particle have no primal/gradient split but four functions (the
mode pairs ff, fr, rf, rr); for them the line is

    {"framework", "eval", "modes": {"ff": {"ns", "compile_ns", "runs",
     "output"}, ...}}

with each function's fastest run, first call and output (saddle: the
four coordinates of the two points; particle: [w]).

primal_ns / gradient_ns are the fastest of the runs (the machines these
run on are shared and noisy; the minimum is what the code costs).  primal_value is the
scalar objective (for ode, the last element y[n-1] of the solution);
gradient_sum / gradient_norm are the sum and 2-norm of all gradient entries
(for lorenz96 and heat2d including the forcing / kappa derivative; for
kmeans, of the Newton direction).

Eval definitions (all sums over every index shown):

  lse       max(x) + log(sum(exp(x - max(x)))); gradient wrt x.
  llsq      t_i = -1 + 2i/(n-1), 0.5 * sum_i (sign(t_i) - sum_j x_j t_i^j)^2;
            gradient wrt x.
  ode       RK4, s steps of h = 2/s, y(0) = 0, f(y)_0 = x_0,
            f(y)_i = x_i y_{i-1}; primal is y(2), gradient is d y_{n-1}/dx.
  gmm       GradBench gmm log posterior (with all constant terms);
            gradient wrt alpha, mu, q, l.
  lstm      ADBench LSTM loss (diagonal weights, log(sum(exp) + 2));
            gradient wrt main_params, extra_params.
  det       GradBench det: the determinant of the ell x ell matrix A (row-
            major) by expansion by minors along the top row, each minor
            computed once: the minor on the column set S spans the last
            |S| rows; level by level, |S| = 1 .. ell; gradient wrt A.
  kmeans    sum_i min_j |C_j - P_i|^2 (as |P_i|^2 + |C_j|^2 - 2 P_i.C_j, a
            matrix product, as JAX users write it); the "gradient" is
            GradBench's Newton direction J / diag(H), H's diagonal as the
            forward derivative (jvp) of the gradient along ones.
  saddle    GradBench saddle: min over p1 of max over p2 of
            |p1|^2 - |p2|^2, both by GradBench's gradient descent from
            `start`, then the argmax at the p1 found; mode pair YX: Y
            (f: jax.jacfwd, r: jax.grad) for the argmin and the last
            argmax, X for the argmax nested in the argmin's objective.
  particle  GradBench particle: the w minimising x_0(t_f)^2 for the naive
            Euler path of a particle in the field of charges at (10, 10-w)
            and (10, 0), by gradient descent from `w`; mode pair YX: Y for
            the descent over w, X for the gradient of the potential in the
            Euler loop.
            Each of the four functions is one jax.jit.  Descents and the
            Euler loop are lax.while_loop, except where reverse mode
            differentiates them (the nested argmax of saddle's rf and rr,
            the Euler loop of particle's rf and rr): JAX cannot reverse a
            while_loop, so there they are a lax.scan over a fixed number of
            iterations (NESTED_BOUNDS, just above what the loop needs), each
            a lax.cond that does nothing once the loop has ended.
  lorenz96  `steps` Jacobi forward-Euler steps of
            x_i += dt ((x_{i+1} - x_{i-2}) x_{i-1} - x_i + F) (periodic);
            0.5 * |x|^2; gradient wrt x0 and F.
  heat2d    r = kappa dt / h^2, `steps` explicit 5-point steps on the
            interior, boundary fixed; 0.5 h^2 |u - u_obs|^2;
            gradient wrt u0 and kappa.
"""

import argparse
import json
import math
import os
import sys
import time

EVALS = ("gmm", "lstm", "ode", "lse", "llsq", "det", "kmeans", "lorenz96", "heat2d", "saddle", "particle")
NESTED = ("saddle", "particle")
# Iterations of the lax.scan that stands for a while_loop where reverse mode
# differentiates it: saddle's nested argmax takes 170 (from any p1, since
# its gradient does not depend on p1), particle's Euler loop 352 to 355 for
# the w the descent visits from w = 0.  The results are checked against
# zad's, so a bound that is too small shows as a disagreement.
NESTED_BOUNDS = {"saddle": 192, "particle": 384}


def tril_indices_by_column(d):
    """Row and column indices of the strictly lower triangle of a d x d
    matrix, in column-major order (the order of GradBench's `l` vectors)."""
    rows, cols = [], []
    for col in range(d):
        for row in range(col + 1, d):
            rows.append(row)
            cols.append(col)
    return rows, cols


def llsq_t(n):
    """The llsq sample points t_i = -1 + i*2/(n-1), computed with IEEE
    semantics in NumPy.  They are passed to the jitted function as data
    rather than computed inside it because XLA rewrites i*2/(n-1) into
    i*(2/(n-1)) and contracts the -1 + ... into an FMA, which makes the
    middle point t = 0 come out as +2e-17 and flips sign(t_i) there."""
    import numpy as np

    return -1.0 + np.arange(n, dtype=np.float64) * 2.0 / (n - 1)


def gmm_constant(d, k, n, m, gamma):
    """The parameter-independent part of the gmm log posterior."""
    nw = d + m + 1
    log_multigamma = 0.25 * d * (d - 1) * math.log(math.pi) + sum(
        math.lgamma(0.5 * nw + 0.5 * (1 - j)) for j in range(1, d + 1)
    )
    wishart = k * (nw * d * (math.log(gamma) - 0.5 * math.log(2.0)) - log_multigamma)
    return -n * 0.5 * d * math.log(2.0 * math.pi) + wishart


# --------------------------------------------------------------------------
# JAX
# --------------------------------------------------------------------------


def jax_problem(name, inp):
    """Return (primal, gradient, args): jitted functions and their inputs.
    `primal(*args)` is the primal output; `gradient(*args)` a pytree."""
    import jax
    import jax.numpy as jnp
    from jax import lax
    from jax.scipy.special import logsumexp

    jax.config.update("jax_platforms", "cpu")
    jax.config.update("jax_enable_x64", True)
    f64 = jnp.float64

    if name == "lse":

        def f(x):
            mx = jnp.max(x)
            return mx + jnp.log(jnp.sum(jnp.exp(x - mx)))

        return jax.jit(f), jax.jit(jax.grad(f)), (jnp.asarray(inp["x"], f64),)

    if name == "llsq":

        def f(x, t):
            powers = jnp.vander(t, x.shape[0], increasing=True)  # t_i^j
            r = jnp.sign(t) - powers @ x
            return 0.5 * jnp.sum(r * r)

        args = (jnp.asarray(inp["x"], f64), jnp.asarray(llsq_t(int(inp["n"]))))
        return jax.jit(f), jax.jit(jax.grad(f)), args

    if name == "ode":
        s = int(inp["s"])
        h = 2.0 / s

        def solve(x):
            def rhs(y):
                return jnp.concatenate([x[:1], x[1:] * y[:-1]])

            def step(y, _):
                k1 = rhs(y)
                k2 = rhs(y + 0.5 * h * k1)
                k3 = rhs(y + 0.5 * h * k2)
                k4 = rhs(y + h * k3)
                return y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4), None

            y, _ = lax.scan(step, jnp.zeros_like(x), None, length=s)
            return y

        grad = jax.grad(lambda x: solve(x)[-1])
        return jax.jit(solve), jax.jit(grad), (jnp.asarray(inp["x"], f64),)

    if name == "gmm":
        d, k, n, m = int(inp["d"]), int(inp["k"]), int(inp["n"]), int(inp["m"])
        gamma = float(inp["gamma"])
        const = gmm_constant(d, k, n, m, gamma)
        rows, cols = tril_indices_by_column(d)
        x = jnp.asarray(inp["x"], f64).reshape(n, d)

        def f(alpha, mu, q, l):
            # Q_k: exp(q_k) on the diagonal, l_k below it (column by column).
            Q = jnp.zeros((k, d, d), f64).at[:, rows, cols].set(l)
            Q = Q + jax.vmap(jnp.diag)(jnp.exp(q))
            sum_q = jnp.sum(q, axis=1)
            xc = x[:, None, :] - mu[None, :, :]  # (n, k, d)
            qx = jnp.einsum("kij,nkj->nki", Q, xc)
            beta = alpha + sum_q - 0.5 * jnp.sum(qx * qx, axis=-1)  # (n, k)
            loglik = jnp.sum(logsumexp(beta, axis=1)) - n * logsumexp(alpha)
            prior = -0.5 * gamma * gamma * (
                jnp.sum(jnp.exp(2.0 * q)) + jnp.sum(l * l)
            ) + m * jnp.sum(sum_q)
            return const + loglik + prior

        args = (
            jnp.asarray(inp["alpha"], f64),
            jnp.asarray(inp["mu"], f64).reshape(k, d),
            jnp.asarray(inp["q"], f64).reshape(k, d),
            jnp.asarray(inp["l"], f64).reshape(k, d * (d - 1) // 2),
        )
        return jax.jit(f), jax.jit(jax.grad(f, argnums=(0, 1, 2, 3))), args

    if name == "lstm":
        main = jnp.asarray(inp["main_params"], f64)
        extra = jnp.asarray(inp["extra_params"], f64)
        state0 = jnp.asarray(inp["state"], f64)
        seq = jnp.asarray(inp["sequence"], f64)
        n_layers = main.shape[0] // 2
        b = main.shape[1] // 4
        c = seq.shape[0]

        def f(main, extra):
            # (layer, weight|bias, forget|ingate|outgate|change, b)
            params = main.reshape(n_layers, 2, 4, b)
            in_w, out_w, out_b = extra[0], extra[1], extra[2]

            def step(state, xy):
                x, y_gold = xy
                inp_ = x * in_w
                new_state = []
                for i in range(n_layers):
                    w, bias = params[i, 0], params[i, 1]
                    hidden, cell = state[2 * i], state[2 * i + 1]
                    forget = jax.nn.sigmoid(inp_ * w[0] + bias[0])
                    ingate = jax.nn.sigmoid(hidden * w[1] + bias[1])
                    outgate = jax.nn.sigmoid(inp_ * w[2] + bias[2])
                    change = jnp.tanh(hidden * w[3] + bias[3])
                    cell = cell * forget + ingate * change
                    hidden = outgate * jnp.tanh(cell)
                    new_state += [hidden, cell]
                    inp_ = hidden
                ypred = inp_ * out_w + out_b
                ynorm = ypred - jnp.log(jnp.sum(jnp.exp(ypred)) + 2.0)
                return jnp.stack(new_state), jnp.sum(y_gold * ynorm)

            _, terms = lax.scan(step, state0, (seq[:-1], seq[1:]))
            return -jnp.sum(terms) / ((c - 1) * b)

        return jax.jit(f), jax.jit(jax.grad(f, argnums=(0, 1))), (main, extra)

    if name == "det":
        ell = int(inp["ell"])
        levels = det_levels(ell)

        def f(a):
            a = a.reshape(ell, ell)
            minors = jnp.ones((1,), f64)
            for size, (prev, cols, signs) in enumerate(levels, start=1):
                row = a[ell - size]
                minors = jnp.sum(signs * row[cols] * minors[prev], axis=1)
            return minors[0]

        return jax.jit(f), jax.jit(jax.grad(f)), (jnp.asarray(inp["A"], f64),)

    if name == "kmeans":

        def cost(points, centroids):
            squared = (
                jnp.sum(points * points, axis=1)[:, None]
                + jnp.sum(centroids * centroids, axis=1)[None, :]
                - 2.0 * points @ centroids.T
            )  # (n, k)
            return jnp.sum(jnp.min(squared, axis=1))

        def direction(points, centroids):
            gradient = jax.grad(cost, argnums=1)
            g, h = jax.jvp(
                lambda c: gradient(points, c), (centroids,), (jnp.ones_like(centroids),)
            )
            return g / h

        args = (jnp.asarray(inp["points"], f64), jnp.asarray(inp["centroids"], f64))
        return jax.jit(cost), jax.jit(direction), args

    if name == "lorenz96":
        dt, steps = float(inp["dt"]), int(inp["steps"])

        def f(x0, forcing):
            def step(x, _):
                dx = (jnp.roll(x, -1) - jnp.roll(x, 2)) * jnp.roll(x, 1) - x + forcing
                return x + dt * dx, None

            x, _ = lax.scan(step, x0, None, length=steps)
            return 0.5 * jnp.sum(x * x)

        args = (jnp.asarray(inp["x0"], f64), jnp.asarray(float(inp["forcing"]), f64))
        return jax.jit(f), jax.jit(jax.grad(f, argnums=(0, 1))), args

    if name == "heat2d":
        dt, h, steps = float(inp["dt"]), float(inp["h"]), int(inp["steps"])
        u_obs = jnp.asarray(inp["u_obs"], f64)

        def f(u0, kappa):
            r = kappa * dt / (h * h)

            def step(u, _):
                lap = (
                    u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
                    - 4.0 * u[1:-1, 1:-1]
                )
                return u.at[1:-1, 1:-1].add(r * lap), None

            u, _ = lax.scan(step, u0, None, length=steps)
            e = u - u_obs
            return 0.5 * h * h * jnp.sum(e * e)

        args = (jnp.asarray(inp["u0"], f64), jnp.asarray(float(inp["kappa"]), f64))
        return jax.jit(f), jax.jit(jax.grad(f, argnums=(0, 1))), args

    raise ValueError(name)


def det_levels(ell):
    """For det's expansion by minors: per minor size m = 1 .. ell, the
    column sets S of that size (bit masks, ascending) and, for each S and
    each column j in S (ascending), the index of the minor on S - {j}
    among the sets of size m-1, j, and the sign (-1)^(position of j in S).
    As index arrays (prev, cols, signs), each of shape (sets, m)."""
    import numpy as np

    by_size = [[] for _ in range(ell + 1)]
    for mask in range(1 << ell):
        by_size[bin(mask).count("1")].append(mask)
    index = {}
    for masks in by_size:
        for i, mask in enumerate(masks):
            index[mask] = i
    levels = []
    for m in range(1, ell + 1):
        prev, cols, signs = [], [], []
        for mask in by_size[m]:
            members = [j for j in range(ell) if mask >> j & 1]
            prev.append([index[mask & ~(1 << j)] for j in members])
            cols.append(members)
            signs.append([(-1.0) ** p for p in range(m)])
        levels.append((np.array(prev), np.array(cols), np.array(signs)))
    return levels


# --------------------------------------------------------------------------
# JAX, nested AD: saddle and particle
# --------------------------------------------------------------------------


def jax_nested(name, inp):
    """Return {mode pair: (jitted function, args)} for saddle or particle."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    jax.config.update("jax_platforms", "cpu")
    jax.config.update("jax_enable_x64", True)
    f64 = jnp.float64
    bound = NESTED_BOUNDS[name]

    def gradient_in(mode, f):
        """The gradient of scalar f of a vector: jax.grad or jax.jacfwd."""
        return jax.grad(f) if mode == "r" else jax.jacfwd(f)

    def loop(cond, body, state, bounded):
        """while cond(state): state = body(state); as a lax.scan of `bound`
        lax.cond steps when `bounded` (for reverse mode)."""
        if not bounded:
            return lax.while_loop(cond, body, state)

        def step(s, _):
            return lax.cond(cond(s), body, lambda s: s, s), None

        return lax.scan(step, state, None, length=bound)[0]

    def argmin(f, gradient, start, bounded=False):
        """GradBench's multivariate_argmin: from x, while |g| > 1e-5, step
        y = x - eta g; take it if f(y) < f(x) (and double eta after 10
        steps taken in a row), else halve eta; stop when the step is no
        longer than 1e-5."""
        tolerance = 1e-5

        def body(s):
            x, fx, g, eta, i, _ = s
            flat = jnp.sqrt(jnp.sum(g * g)) <= tolerance
            ten = i == 10
            y = x - eta * g
            short = jnp.sqrt(jnp.sum((x - y) ** 2)) <= tolerance

            def trial(_):
                fy = f(y)
                return lax.cond(
                    fy < fx,
                    lambda: (y, fy, gradient(y), eta, i + 1, yes),
                    lambda: (x, fx, g, eta / 2.0, jnp.zeros_like(i), yes),
                )

            def no_trial(_):
                doubling = ten & ~flat
                return (x, fx, g, jnp.where(doubling, 2.0 * eta, eta), jnp.where(doubling, jnp.zeros_like(i), i), doubling)

            return lax.cond(~flat & ~ten & ~short, trial, no_trial, None)

        yes = jnp.asarray(True)
        state = (start, f(start), gradient(start), jnp.asarray(1e-5, f64), jnp.asarray(0, jnp.int32), yes)
        return loop(lambda s: s[5], body, state, bounded)[0]

    if name == "saddle":

        def f(p1, p2):
            return jnp.sum(p1 * p1) - jnp.sum(p2 * p2)

        def saddle(outer, inner, start):
            def argmax(p1, mode, bounded):
                negated = lambda p2: -f(p1, p2)
                return argmin(negated, gradient_in(mode, negated), start, bounded)

            def r1_cost(p1, bounded):
                return f(p1, argmax(p1, inner, bounded))

            # The objective's nested argmax is differentiated only in the
            # gradient, and reversed only when the outer mode is r.
            r1_gradient = gradient_in(outer, lambda p1: r1_cost(p1, outer == "r"))
            p1 = argmin(lambda p1: r1_cost(p1, False), r1_gradient, start)
            p2 = argmax(p1, outer, False)
            return jnp.concatenate([p1, p2])

        start = jnp.asarray(inp["start"], f64)
        return {
            outer + inner: (jax.jit(lambda s, o=outer, i=inner: saddle(o, i, s)), (start,))
            for outer in "fr" for inner in "fr"
        }

    if name == "particle":
        dt = 0.1

        def potential(w, x):
            top = jnp.stack([10.0, 10.0 - w])
            bottom = jnp.asarray([10.0, 0.0], f64)
            return 1.0 / jnp.sqrt(jnp.sum((x - top) ** 2)) + 1.0 / jnp.sqrt(
                jnp.sum((x - bottom) ** 2)
            )

        def euler(w, inner, bounded):
            """x_0(t_f)^2: naive Euler steps of dt while the next position
            stays above the x axis, then the crossing by interpolation."""
            force = gradient_in(inner, lambda x: potential(w, x))

            def body(s):
                x, v, _ = s
                g = force(x)
                x_new = x + dt * v
                above = x_new[1] > 0.0
                return (
                    jnp.where(above, x_new, x),
                    jnp.where(above, v - dt * g, v),
                    above,
                )

            state = (jnp.asarray([0.0, 8.0], f64), jnp.asarray([0.75, 0.0], f64), jnp.asarray(True))
            x, v, _ = loop(lambda s: s[2], body, state, bounded)
            t_f = -x[1] / v[1]
            return (x[0] + t_f * v[0]) ** 2

        def particle(outer, inner, w0):
            gradient = gradient_in(outer, lambda w: euler(w[0], inner, outer == "r"))
            w = argmin(lambda w: euler(w[0], inner, False), gradient, jnp.reshape(w0, (1,)))
            return w[0]

        w0 = jnp.asarray(float(inp["w"]), f64)
        return {
            outer + inner: (jax.jit(lambda w, o=outer, i=inner: particle(o, i, w)), (w0,))
            for outer in "fr" for inner in "fr"
        }

    raise ValueError(name)


# --------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------


def torch_problem(name, inp):
    """Return (primal, gradient, args) in eager PyTorch.  `gradient(*args)`
    returns a tuple of gradients wrt the differentiable arguments."""
    import torch

    f64 = torch.float64

    def t(v):
        return torch.tensor(v, dtype=f64)

    def grad_of(f, nargs=None):
        """Gradient of scalar f wrt its first `nargs` (default all) args."""

        def g(*args):
            k = len(args) if nargs is None else nargs
            leaves = [a.detach().requires_grad_() for a in args[:k]]
            out = f(*leaves, *args[k:])
            return torch.autograd.grad(out, leaves)

        return g

    if name == "lse":

        def f(x):
            mx = torch.max(x)
            return mx + torch.log(torch.sum(torch.exp(x - mx)))

        return f, grad_of(f), (t(inp["x"]),)

    if name == "llsq":

        def f(x, tt):
            powers = torch.vander(tt, x.shape[0], increasing=True)  # t_i^j
            r = torch.sign(tt) - powers @ x
            return 0.5 * torch.sum(r * r)

        return f, grad_of(f, 1), (t(inp["x"]), torch.from_numpy(llsq_t(int(inp["n"]))))

    if name == "ode":
        s = int(inp["s"])
        h = 2.0 / s

        def solve(x):
            def rhs(y):
                return torch.cat([x[:1], x[1:] * y[:-1]])

            y = torch.zeros_like(x)
            for _ in range(s):
                k1 = rhs(y)
                k2 = rhs(y + 0.5 * h * k1)
                k3 = rhs(y + 0.5 * h * k2)
                k4 = rhs(y + h * k3)
                y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            return y

        return solve, grad_of(lambda x: solve(x)[-1]), (t(inp["x"]),)

    if name == "gmm":
        d, k, n, m = int(inp["d"]), int(inp["k"]), int(inp["n"]), int(inp["m"])
        gamma = float(inp["gamma"])
        const = gmm_constant(d, k, n, m, gamma)
        rows, cols = tril_indices_by_column(d)
        x = t(inp["x"]).reshape(n, d)

        def f(alpha, mu, q, l):
            Q = torch.zeros((k, d, d), dtype=f64)
            Q[:, rows, cols] = l
            Q = Q + torch.diag_embed(torch.exp(q))
            sum_q = torch.sum(q, dim=1)
            xc = x[:, None, :] - mu[None, :, :]  # (n, k, d)
            qx = torch.einsum("kij,nkj->nki", Q, xc)
            beta = alpha + sum_q - 0.5 * torch.sum(qx * qx, dim=-1)  # (n, k)
            loglik = torch.sum(torch.logsumexp(beta, dim=1)) - n * torch.logsumexp(
                alpha, dim=0
            )
            prior = -0.5 * gamma * gamma * (
                torch.sum(torch.exp(2.0 * q)) + torch.sum(l * l)
            ) + m * torch.sum(sum_q)
            return const + loglik + prior

        args = (
            t(inp["alpha"]),
            t(inp["mu"]).reshape(k, d),
            t(inp["q"]).reshape(k, d),
            t(inp["l"]).reshape(k, d * (d - 1) // 2),
        )
        return f, grad_of(f), args

    if name == "lstm":
        state0 = t(inp["state"])
        seq = t(inp["sequence"])
        main0 = t(inp["main_params"])
        n_layers = main0.shape[0] // 2
        b = main0.shape[1] // 4
        c = seq.shape[0]

        def f(main, extra):
            params = main.reshape(n_layers, 2, 4, b)
            in_w, out_w, out_b = extra[0], extra[1], extra[2]
            hidden = [state0[2 * i] for i in range(n_layers)]
            cell = [state0[2 * i + 1] for i in range(n_layers)]
            total = 0.0
            for step in range(c - 1):
                inp_ = seq[step] * in_w
                for i in range(n_layers):
                    w, bias = params[i, 0], params[i, 1]
                    forget = torch.sigmoid(inp_ * w[0] + bias[0])
                    ingate = torch.sigmoid(hidden[i] * w[1] + bias[1])
                    outgate = torch.sigmoid(inp_ * w[2] + bias[2])
                    change = torch.tanh(hidden[i] * w[3] + bias[3])
                    cell[i] = cell[i] * forget + ingate * change
                    hidden[i] = outgate * torch.tanh(cell[i])
                    inp_ = hidden[i]
                ypred = inp_ * out_w + out_b
                ynorm = ypred - torch.log(torch.sum(torch.exp(ypred)) + 2.0)
                total = total + torch.sum(seq[step + 1] * ynorm)
            return -total / ((c - 1) * b)

        return f, grad_of(f), (main0, t(inp["extra_params"]))

    if name == "lorenz96":
        dt, steps = float(inp["dt"]), int(inp["steps"])

        def f(x0, forcing):
            x = x0
            for _ in range(steps):
                dx = (torch.roll(x, -1) - torch.roll(x, 2)) * torch.roll(x, 1) - x + forcing
                x = x + dt * dx
            return 0.5 * torch.sum(x * x)

        return f, grad_of(f), (t(inp["x0"]), t(float(inp["forcing"])))

    if name == "heat2d":
        dt, h, steps = float(inp["dt"]), float(inp["h"]), int(inp["steps"])
        u_obs = t(inp["u_obs"])

        def f(u0, kappa):
            r = kappa * dt / (h * h)
            u = u0
            for _ in range(steps):
                lap = (
                    u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
                    - 4.0 * u[1:-1, 1:-1]
                )
                interior = u[1:-1, 1:-1] + r * lap
                u = torch.cat(
                    [u[:1], torch.cat([u[1:-1, :1], interior, u[1:-1, -1:]], dim=1), u[-1:]],
                    dim=0,
                )
            e = u - u_obs
            return 0.5 * h * h * torch.sum(e * e)

        return f, grad_of(f), (t(inp["u0"]), t(float(inp["kappa"])))

    raise ValueError(name)


# --------------------------------------------------------------------------
# Timing and main
# --------------------------------------------------------------------------


def time_calls(fn, args, sync, min_runs, min_seconds):
    """Warm up once, then time fn(*args) repeatedly.
    Returns (warm-up ns, fastest ns, number of timed runs, last result)."""
    start = time.perf_counter_ns()
    out = sync(fn(*args))
    first = time.perf_counter_ns() - start
    times = []
    begin = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - begin < min_seconds:
        start = time.perf_counter_ns()
        out = sync(fn(*args))
        times.append(time.perf_counter_ns() - start)
    return first, min(times), len(times), out


def main():
    parser = argparse.ArgumentParser(
        description="Time a GradBench-style eval in JAX or PyTorch (CPU, float64)."
    )
    parser.add_argument("framework", choices=("jax", "torch"))
    parser.add_argument("eval", choices=EVALS)
    parser.add_argument("input", help="JSON input file")
    parser.add_argument("--min-runs", type=int, default=5)
    parser.add_argument("--min-seconds", type=float, default=0.5)
    opts = parser.parse_args()

    module = "jax" if opts.framework == "jax" else "torch"
    if module == "jax":
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    try:
        __import__(module)
    except ImportError as e:
        print(
            f"frameworks.py: cannot import {module} ({e}); "
            f"install it (e.g. `pip install {module}`) to benchmark it",
            file=sys.stderr,
        )
        sys.exit(2)

    import numpy as np

    with open(opts.input) as fh:
        inp = json.load(fh)

    if opts.eval in NESTED or opts.eval in ("det", "kmeans"):
        if opts.framework != "jax":
            print(f"frameworks.py: {opts.eval} is implemented for JAX only", file=sys.stderr)
            sys.exit(2)

    if opts.eval in NESTED:
        import jax

        modes = {}
        for mode, (fn, args) in jax_nested(opts.eval, inp).items():
            first, fastest, runs, out = time_calls(
                fn, args, jax.block_until_ready, opts.min_runs, opts.min_seconds
            )
            modes[mode] = {
                "ns": fastest,
                "compile_ns": first,
                "runs": runs,
                "output": [float(v) for v in np.ravel(np.asarray(out))],
            }
        print(json.dumps({"framework": opts.framework, "eval": opts.eval, "modes": modes}))
        return

    if opts.framework == "jax":
        import jax

        primal, gradient, args = jax_problem(opts.eval, inp)
        sync = jax.block_until_ready

        def to_numpy(v):
            return np.asarray(v)

        def leaves(tree):
            return jax.tree_util.tree_leaves(tree)

    else:
        primal, gradient, args = torch_problem(opts.eval, inp)

        def sync(v):
            return v

        def to_numpy(v):
            return v.detach().numpy()

        def leaves(tree):
            return list(tree)

    c_primal, t_primal, n_primal, value = time_calls(
        primal, args, sync, opts.min_runs, opts.min_seconds
    )
    c_grad, t_grad, n_grad, grad = time_calls(
        gradient, args, sync, opts.min_runs, opts.min_seconds
    )

    value = to_numpy(value)
    primal_value = float(value[-1] if opts.eval == "ode" else value)
    g = np.concatenate([to_numpy(v).ravel() for v in leaves(grad)])

    print(
        json.dumps(
            {
                "framework": opts.framework,
                "eval": opts.eval,
                "primal_ns": t_primal,
                "gradient_ns": t_grad,
                "compile_primal_ns": c_primal if opts.framework == "jax" else None,
                "compile_gradient_ns": c_grad if opts.framework == "jax" else None,
                "runs_primal": n_primal,
                "runs_gradient": n_grad,
                "primal_value": primal_value,
                "gradient_sum": float(np.sum(g)),
                "gradient_norm": float(np.linalg.norm(g)),
            }
        )
    )


if __name__ == "__main__":
    main()
