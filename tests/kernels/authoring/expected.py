#!/usr/bin/env python3
"""Computes the expected values of tests/kernels/*.mlir independently of zad
and writes them into the files as RUN / EXPECT / EXPECT-ARG / TOLERANCE
directives (see ../README.md). Authoring aid only: the test suite reads the
values from the .mlir files and never runs Python.

Every expectation below comes from plain Python integer/float arithmetic,
numpy (float64, or float32 where the kernel's f32 rounding is the point),
or mpmath at 50 significant digits; none is taken from zad's output.

    pip install numpy mpmath
    python3 tests/kernels/authoring/expected.py            # rewrite all files
    python3 tests/kernels/authoring/expected.py heat1d     # only matching ones
"""

import math
import re
import sys
from fractions import Fraction
from pathlib import Path

import mpmath as mp
import numpy as np

mp.mp.dps = 50
KERNELS = Path(__file__).resolve().parent.parent
SPECS = {}


def kernel(name):
    def register(function):
        SPECS[name] = function
        return function
    return register


class Run:
    def __init__(self, fn, args, expect, args_after=None, tol=None):
        self.fn, self.args, self.expect = fn, args, expect
        self.args_after = args_after or {}
        self.tol = tol


# ---------------------------------------------------------------- helpers

def data(seed, shape, lo=-2.0, hi=2.0):
    """Pseudo-random test data rounded to 3 decimals (exact in JSON)."""
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(lo, hi, size=shape), 3)


def f32(x):
    return float(np.float32(x))


def mpf(x):
    return mp.mpf(float(x))


def fl(x):
    """An mpmath value (or anything float-like) rounded to a Python float."""
    if isinstance(x, mp.mpc):
        return float("nan")
    return float(x)


def tolist(a):
    return np.asarray(a, dtype=float).tolist()


def wrap_i64(x):
    x &= (1 << 64) - 1
    return x - (1 << 64) if x >> 63 else x


def wrap_i32(x):
    x &= (1 << 32) - 1
    return x - (1 << 32) if x >> 31 else x


def trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def maximumf(a, b):  # arith.maximumf: NaN-propagating
    return float("nan") if math.isnan(a) or math.isnan(b) else max(a, b)


def maxnumf(a, b):  # arith.maxnumf: NaN-ignoring
    if math.isnan(a):
        return b
    if math.isnan(b):
        return a
    return max(a, b)


def fmod(a, b):
    return float("nan") if b == 0 else math.fmod(a, b)


def lse(v):
    v = [mpf(x) for x in v]
    if not v:
        return float("-inf")
    return fl(mp.log(mp.fsum(mp.exp(x) for x in v)))


# ------------------------------------------------------------------ kernels

@kernel("scalar_arith")
def _():
    runs = []
    for a, b in [(7.25, -2.5), (-1.5, 0.4), (7.25, 0.0)]:
        rem = fmod(a, b)
        div = a / b if b != 0 else math.copysign(float("inf"), a)
        runs.append(Run("arith_f64", [a, b], [
            a + b, a - b, a * b, div, -a, rem, maximumf(a, rem), min(a, b),
            (a - b) if a < b else a * b, maxnumf(rem, 0.0)]))
    for a, b in [(0.1, 0.2), (-3.5, 1.25)]:
        x, y = np.float32(a), np.float32(b)
        rem = float(np.fmod(x, y))
        runs.append(Run("arith_f32", [a, b], [
            float(x + y), float(x - y), float(x * y), float(x / y), float(-x), rem,
            maximumf(float(x), rem), float(min(x, y)), float(x - y) if x < y else float(x * y),
            maxnumf(rem, 0.0)]))
    for a, b in [(1.0, 2.0), (2.0, 2.0), (3.0, -1.0), (0.0, 0.0)]:
        q_nan = a == 0 and b == 0
        runs.append(Run("compare_f64", [a, b], [
            int(a < b), int(a <= b), int(a == b), int(a != b), int(a > b), int(q_nan)]))
    return runs


@kernel("integer_ops")
def _():
    runs = []
    for a, b in [(-47, 6), (1000003, -37), (4611686018427387905, 3), (-9, -4)]:
        fdiv = a // b
        cdiv = -((-a) // b)
        runs.append(Run("int_i64", [a, b], [
            wrap_i64(a + b), wrap_i64(a - b), wrap_i64(a * b), trunc_div(a, b),
            a - b * trunc_div(a, b), fdiv, cdiv, wrap_i64(a & b), wrap_i64(a | b),
            wrap_i64(a ^ b), wrap_i64(a << 3), a >> 3, (a & ((1 << 64) - 1)) >> 3,
            max(a, b) if a < b else min(a, b)]))
    for a, b in [(100000, 100000), (-7, 2), (5, -3)]:
        ua, ub = a & 0xFFFFFFFF, b & 0xFFFFFFFF
        runs.append(Run("int_i32", [a, b], [
            wrap_i32(a * b), wrap_i32(a + b), trunc_div(a, b), wrap_i32(ua // ub), int(ua >= ub)]))
    for i, j, k, n2, n3, blk in [(3, 4, 5, 7, 11, 8), (0, 6, 10, 7, 11, 8), (2, 0, 0, 3, 5, 4)]:
        lin = (i * n2 + j) * n3 + k
        runs.append(Run("int_index", [i, j, k, n2, n3, blk],
                        [lin, lin // n3 // n2, (lin // n3) % n2, lin % n3, -(-lin // blk)]))
    return runs


@kernel("casts")
def _():
    runs = []
    for x, n, m in [(-3.7, -123456, 16777217), (0.1, 7, 9007199254740993)]:
        xf = f32(x)
        runs.append(Run("float_casts", [x, n, m],
                        [float(n), int(x), int(x), xf, xf, xf - x, f32(float(Fraction(m)))], tol=0))
    runs.append(Run("int_casts", [-7, 8589934597, -42],
                    [-7, 4294967289, 5, 8589934597, -42, 4294967289, 4294967289.0]))
    runs.append(Run("int_casts", [123, -1, 5], [123, 123, -1, -1, 5, 123, 123.0]))
    for x, n in [(0.1, 10), (0.1, 1000), (1.5, 0)]:
        acc = np.float32(0)
        for _ in range(n):
            acc = np.float32(acc + np.float32(x))
        runs.append(Run("f32_accumulate", [x, n], [float(acc), float(acc)], tol=0))
    return runs


@kernel("math_f64")
def _():
    def m(f, x):
        try:
            v = f(mpf(x))
        except (ValueError, ZeroDivisionError):
            return float("nan")
        return fl(v)

    runs = []
    for x in [0.6, -0.35, 2.75]:
        unit = abs(x) <= 1
        runs.append(Run("transcendental", [x], [
            m(mp.sin, x), m(mp.cos, x), m(mp.tan, x), m(mp.exp, x), m(lambda t: mp.power(2, t), x),
            m(mp.log, x) if x > 0 else float("nan"),
            m(lambda t: mp.log(t, 2), x) if x > 0 else float("nan"),
            m(mp.log10, x) if x > 0 else float("nan"),
            m(mp.tanh, x), m(mp.erf, x), m(mp.erfc, x), m(mp.atan, x),
            m(mp.asin, x) if unit else float("nan"), m(mp.acos, x) if unit else float("nan"),
            m(mp.sinh, x), m(mp.cosh, x)]))
    for x in [-2.5, 6.25, 0.5]:
        pos = x >= 0
        half_even = float(np.round(x))  # numpy rounds half to even
        runs.append(Run("algebraic", [x], [
            m(mp.sqrt, x) if pos else float("nan"), m(lambda t: 1 / mp.sqrt(t), x) if pos else float("nan"),
            math.copysign(m(mp.cbrt, abs(x)), x), abs(x), float(math.floor(x)), float(math.ceil(x)),
            math.copysign(math.floor(abs(x) + 0.5), x), half_even, float(math.trunc(x)),
            math.copysign(1.0, x)]))
    for x, y, n in [(1.7, -0.9, 5), (2.0, 0.5, -3), (-2.0, 3.0, 0)]:
        runs.append(Run("binary", [x, y, n], [
            fl(mp.power(mpf(x), mpf(y))), fl(mp.atan2(mpf(y), mpf(x))), fl(mp.power(mpf(x), n))]))
    e = 2.0 ** -30
    x, y, z = 1 + e, 1 - e, -1.0
    runs.append(Run("fused", [x, y, z], [fl(mpf(x) * mpf(y) + mpf(z)), 0.0], tol=0))
    runs.append(Run("fused", [2.5, -1.5, 0.75], [-3.0, -3.0], tol=0))
    return runs


@kernel("math_f32")
def _():
    def m(f, x):
        return fl(f(mpf(f32(x))))

    runs = []
    for x in [2.75, 0.3, -1.5]:
        pos = x > 0
        runs.append(Run("unary_f32", [x], [
            m(mp.sin, x), m(mp.cos, x), m(mp.exp, x), m(mp.log, x) if pos else float("nan"),
            m(mp.sqrt, x) if pos else float("nan"), m(mp.tanh, x), m(mp.erf, x),
            math.copysign(m(mp.cbrt, abs(x)), x), abs(x), float(math.floor(x)), m(mp.atan, x)]))
    for x, y, z in [(1.7, -0.9, 0.25), (0.5, 3.0, -2.0)]:
        X, Y, Z = mpf(f32(x)), mpf(f32(y)), mpf(f32(z))
        runs.append(Run("binary_f32", [x, y, z], [fl(mp.power(X, Y)), fl(mp.atan2(Y, X)), fl(X * Y + Z)]))
    for x, y in [(3.0, 4.5), (-12.5, 0.75)]:
        runs.append(Run("norm_f32", [x, y], [math.hypot(x, y)]))
    return runs


@kernel("func_calls")
def _():
    runs = []
    for x, y, a in [(3.0, -1.25, 0.7), (-0.5, 2.0, -2.0)]:
        X, Y, A = mpf(x), mpf(y), mpf(a)
        runs.append(Run("rotate", [x, y, a], [
            fl(X * mp.cos(A) - Y * mp.sin(A)), fl(X * mp.sin(A) + Y * mp.cos(A)),
            fl(mp.hypot(X, Y)), fl(mp.atan2(Y, X))]))
    for n in [20, 1, 0]:
        runs.append(Run("factorial", [n], [math.factorial(n)]))
    fib = [0, 1]
    while len(fib) < 30:
        fib.append(fib[-1] + fib[-2])
    for n in [23, 10, 1, 0]:
        runs.append(Run("fib", [n], [fib[n]]))
    for x, n in [(0.9, 13), (-1.3, 7)]:
        X = Fraction(x)
        closed = (1 - (n + 1) * X ** n + n * X ** (n + 1)) / (1 - X) ** 2
        runs.append(Run("series", [x, n], [float(closed)]))
    runs.append(Run("powers", [1.5, 7], [[1.5 ** i for i in range(7)]]))
    runs.append(Run("powers", [-0.5, 0], [[]]))
    return runs


HORNER_C = [1.0, -2.0, 3.0, 0.5, -1.25, 2.0, 0.75]


@kernel("horner")
def _():
    P = np.polynomial.polynomial
    runs = []
    for x in [1.3, -0.7]:
        runs.append(Run("horner_f64", [HORNER_C, x], [float(P.polyval(x, HORNER_C))]))
        runs.append(Run("horner_f32", [HORNER_C, x], [float(P.polyval(f32(x), [f32(c) for c in HORNER_C]))]))
        runs.append(Run("horner_deriv_f64", [HORNER_C, x],
                        [float(P.polyval(x, HORNER_C)), float(P.polyval(x, P.polyder(HORNER_C)))]))
    xs = [-1.5, -0.25, 0.0, 0.8, 2.125]
    runs.append(Run("horner_batch_f64", [HORNER_C, xs, [0.0] * 5], [],
                    {2: [float(P.polyval(x, HORNER_C)) for x in xs]}))
    runs.append(Run("horner_f64", [[4.5], 3.0], [4.5]))
    return runs


@kernel("newton_sqrt")
def _():
    def replay(a, tol, t=float):
        a, tol = t(a), t(tol)
        x, k = max(a, t(1.0)), 0
        while abs(x * x - a) > tol * a:
            x = t(0.5) * (x + a / x)
            k += 1
        return x, k

    runs = []
    for a, tol in [(2.0, 1e-15), (1e6, 1e-14), (0.25, 1e-12), (7.0, 1e-3)]:
        x, k = replay(a, tol)
        if tol < 1e-10:
            assert abs(x - math.sqrt(a)) <= 1e-14 * math.sqrt(a)
        runs.append(Run("newton_sqrt", [a, tol], [x, k]))
    for a, tol in [(1234.5, 1e-6), (0.5, 1e-4)]:
        x, k = replay(a, tol, np.float32)
        runs.append(Run("newton_sqrt_f32", [a, tol], [float(x), k]))
    vals = [2.0, 0.25, 100.0, 7.5, 1e-4]
    out = [replay(a, 1e-14) for a in vals]
    runs.append(Run("newton_sqrt_all", [vals, 1e-14], [sum(k for _, k in out)], {0: [x for x, _ in out]}))
    return runs


def heat_step(u, r):
    u = np.asarray(u, dtype=float)
    out = u.copy()
    out[1:-1] = u[1:-1] + r * (u[:-2] - 2 * u[1:-1] + u[2:])
    return out


@kernel("heat1d")
def _():
    u = data(1, 13, 0.0, 10.0)
    runs = []
    for r in [0.25, 0.4]:
        runs.append(Run("heat_step_f64", [tolist(u), [0.0] * 13, r], [], {1: tolist(heat_step(u, r))}))
    u32 = np.array([f32(x) for x in u])
    runs.append(Run("heat_step_f32", [tolist(u), [0.0] * 13, 0.3], [], {1: tolist(heat_step(u32, f32(0.3)))}))
    state = u.copy()
    for _ in range(3):
        state = heat_step(state, 0.25)
    runs.append(Run("heat_steps_f64", [tolist(u), 0.25, 3], [float(state.sum())], {0: tolist(state)}))
    runs.append(Run("heat_steps_f64", [tolist(u), 0.25, 0], [float(u.sum())], {0: tolist(u)}))
    return runs


def l96(x, f):
    return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + f


def rk4(x, f, dt):
    k1 = l96(x, f)
    k2 = l96(x + dt / 2 * k1, f)
    k3 = l96(x + dt / 2 * k2, f)
    k4 = l96(x + dt * k3, f)
    return x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


@kernel("lorenz96_rk4")
def _():
    x0 = 8.0 + data(2, 7, -1.0, 1.0)
    runs = [Run("l96_rhs", [tolist(x0), [0.0] * 7, 8.0], [], {1: tolist(l96(x0, 8.0))}),
            Run("l96_rk4_step", [tolist(x0), 8.0, 0.01], [tolist(rk4(x0, 8.0, 0.01))]),
            Run("l96_rk4_step", [tolist(x0), 10.0, 0.05], [tolist(rk4(x0, 10.0, 0.05))])]
    x = x0.copy()
    for _ in range(5):
        x = rk4(x, 8.0, 0.01)
    runs.append(Run("l96_rk4_steps", [tolist(x0), 8.0, 0.01, 5], [], {0: tolist(x)}))
    return runs


@kernel("stencil2d")
def _():
    u = data(3, (7, 9))
    f = data(4, (7, 9))
    h = 0.1
    lap = np.zeros((7, 9))
    lap[1:-1, 1:-1] = (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4 * u[1:-1, 1:-1]) / h ** 2
    jac = u.copy()
    jac[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - h * h * f[1:-1, 1:-1])
    return [Run("laplace5", [tolist(u), tolist(np.zeros((7, 9))), h], [], {1: tolist(lap)}),
            Run("jacobi_sweep", [tolist(u), tolist(f), h], [tolist(jac)])]


@kernel("matvec")
def _():
    a = data(5, (5, 7))
    x = data(6, 7)
    xt = data(7, 5)
    a32, x32 = a.astype(np.float32).astype(float), x.astype(np.float32).astype(float)
    return [Run("matvec_f64", [tolist(a), tolist(x)], [tolist(a @ x)]),
            Run("matvec_into_f64", [tolist(a), tolist(x), [9.0] * 5], [], {2: tolist(a @ x)}),
            Run("matvec_t_f64", [tolist(a), tolist(xt)], [tolist(a.T @ xt)]),
            Run("matvec_f32", [tolist(a), tolist(x)], [tolist(a32 @ x32)])]


@kernel("logsumexp")
def _():
    big = 1000.0 + data(8, 13, -3.0, 3.0)
    small = -1000.0 + data(9, 13, -3.0, 3.0)
    mixed = data(10, 13, -20.0, 20.0)
    runs = []
    for v in [big, small, mixed]:
        runs.append(Run("logsumexp_f64", [tolist(v)], [lse(v)]))
    runs.append(Run("logsumexp_f64", [[3.5]], [3.5]))
    runs.append(Run("logsumexp_f64", [[]], [float("-inf")]))
    for v in [big, mixed]:
        runs.append(Run("logsumexp_f32", [tolist(v)], [lse([f32(t) for t in v])]))
    l = lse(mixed)
    runs.append(Run("softmax_f64", [tolist(mixed), [0.0] * 13], [l],
                    {1: [fl(mp.exp(mpf(t) - mp.log(mp.fsum(mp.exp(mpf(s)) for s in mixed)))) for t in mixed]}))
    return runs


def gmm(alphas, means, qs, x, gamma):
    k, d = means.shape
    n = x.shape[0]
    total = 0.0
    for i in range(n):
        terms = [alphas[j] + qs[j].sum() - 0.5 * ((np.exp(qs[j]) * (x[i] - means[j])) ** 2).sum() for j in range(k)]
        total += lse(terms)
    return fl(mpf(total) - n * mpf(lse(alphas)) - mpf(n * d) / 2 * mp.log(2 * mp.pi)
              - mpf(gamma) / 2 * mp.fsum(mp.exp(2 * mpf(q)) for q in qs.ravel()))


@kernel("gmm_objective")
def _():
    runs = []
    a = np.array([0.1, -0.3, 0.7])
    mu = np.array([[0, 1], [2, -1], [-1, 0.5]], dtype=float)
    q = np.array([[0.1, 0.2], [-0.3, 0.0], [0.25, -0.1]])
    x = np.array([[0.3, 0.9], [1.7, -0.4], [-1.2, 0.8], [0.5, 0.1], [2.2, -1.5]])
    runs.append(Run("gmm_objective", [tolist(a), tolist(mu), tolist(q), tolist(x), 0.1], [gmm(a, mu, q, x, 0.1)]))
    a, mu, q, x = data(11, 4, -1, 1), data(12, (4, 3)), data(13, (4, 3), -0.5, 0.5), data(14, (6, 3), -3, 3)
    runs.append(Run("gmm_objective", [tolist(a), tolist(mu), tolist(q), tolist(x), 0.5], [gmm(a, mu, q, x, 0.5)]))
    return runs


@kernel("rank0")
def _():
    v = [1.25, 2.5, -3.75, 4.0, 0.125, 7.0, -1.5]
    return [Run("scale0", [2.5, -3.0], [], {0: -7.5}),
            Run("make0", [1.0], [fl(mp.e)]),
            Run("make0", [-2.5], [fl(mp.exp(-2.5))]),
            Run("sum_into0", [v, 9.0], [9.0], {1: sum(v)}),
            Run("swap0", [1.5, -4.0], [-6.0], {0: -4.0, 1: 1.5})]


@kernel("rank3")
def _():
    a = data(15, (2, 3, 4))
    w = np.array([[[100 * i + 10 * j + k + 1 for k in range(4)] for j in range(3)] for i in range(2)])
    b = data(16, (3, 2, 5))
    b32 = b.astype(np.float32).astype(float)
    upd = np.array([[[b32[i, j, k] * 1.5 + (i - j + k) for k in range(5)] for j in range(2)] for i in range(3)])
    return [Run("weighted_sum3", [tolist(a)], [float((a * w).sum()), 2, 3, 4]),
            Run("weighted_sum3", [tolist(b)], [float(sum(b[i, j, k] * (100 * i + 10 * j + k + 1)
                                                       for i in range(3) for j in range(2) for k in range(5))), 3, 2, 5]),
            Run("permute3", [tolist(a)], [tolist(a.transpose(2, 0, 1))]),
            Run("update3_f32", [tolist(b), 1.5], [], {0: tolist(upd)})]


@kernel("subview")
def _():
    v = data(17, 13)
    a = data(18, (5, 6))
    w = lambda blk: float(sum((10 * i + j + 1) * blk[i, j] for i in range(blk.shape[0]) for j in range(blk.shape[1])))
    scaled = a.copy()
    scaled[1:5:2, 2:] *= -2.0
    last = a.copy()
    last[:, -1] = a[:, 0]
    tail = v.copy()
    tail[9] *= 2
    return [Run("sum_odd_positions", [tolist(v)], [float(v[1:12:2].sum()), 6]),
            Run("sum_odd_positions", [tolist(v[:8])], [float(v[1:6:2].sum()), 3]),
            Run("sum_range", [tolist(v), 2, 12, 3], [float(v[2:12:3].sum())]),
            Run("sum_range", [tolist(v), 0, 13, 1], [float(v.sum())]),
            Run("sum_range", [tolist(v), 5, 6, 4], [float(v[5])]),
            Run("column", [tolist(a), 4], [tolist(a[:, 4])]),
            Run("column", [tolist(a), 0], [tolist(a[:, 0])]),
            Run("block_weighted_sum", [tolist(a), 1, 0, 2, 3, 2, 2], [w(a[1:5:2, 0:6:2])]),
            Run("block_weighted_sum", [tolist(a), 0, 1, 5, 2, 1, 3], [w(a[0:5, 1:6:3])]),
            Run("scale_block_inplace", [tolist(a), -2.0], [], {0: tolist(scaled)}),
            Run("copy_first_column_to_last", [tolist(a)], [], {0: tolist(last)}),
            Run("copy_block", [tolist(a)], [tolist(a[1:5, 1:6:2])]),
            Run("odd_squares_view", [5], [[float(i * i) for i in range(1, 11, 2)]]),
            Run("odd_squares_view", [0], [[]]),
            Run("tail_view", [tolist(v), 9], [tolist(tail[9:])], {0: tolist(tail)})]


@kernel("memref_ops")
def _():
    v = data(19, 7)
    p = np.cumsum(v)
    s = np.cumsum(v[::-1])[::-1]
    d2 = np.zeros(7)
    d2[1:-1] = v[2:] - 2 * v[1:-1] + v[:-2]
    m = np.array([[1.5, -2, 3, 4.25], [5, 6.5, -7, 8], [9, 10, 11.75, -12]])
    fill = [[i - 0.5 * j for j in range(4)] for i in range(3)]
    xs = [1.0, 2.0, 3.0]
    mixed_m = [[f32(e * f32(1.25)) for e in xs], [f32(e + f32(1.25)) for e in xs]]
    return [Run("reverse", [tolist(v)], [tolist(v[::-1])]),
            Run("reverse", [[]], [[]]),
            Run("prefix_suffix", [tolist(v)], [tolist(p), tolist(s), float(math.fsum(v))]),
            Run("square_inplace", [tolist(v)], [tolist(v * v)], {0: tolist(v * v)}),
            Run("second_diff_alloca", [tolist(v)], [float((d2 ** 2).sum())], {0: tolist(d2)}),
            Run("transpose_static", [tolist(m)], [tolist(m.T)]),
            Run("dims3", [tolist(np.zeros((3, 2, 4)))], [3, 2, 4, 24]),
            Run("fill_and_copy", [3, 4], [fill, fill]),
            Run("aligned_powers", [7, -1.5], [[(-1.5) ** (i + 1) for i in range(7)]]),
            Run("mixed_results", [1.25, -7, xs], [49, 1.5625, -1.25, mixed_m, -56, 9])]


@kernel("aliased_results")
def _():
    return [Run("same_twice", [5, 1.5], [[1.5 ** (i + 1) for i in range(5)]] * 2),
            Run("whole_and_view", [6], [[float(i) for i in range(6)], [1.0, 3.0, 5.0]])]


@kernel("globals")
def _():
    def taylor(x):
        x = Fraction(x)
        return float(sum(x ** k / math.factorial(k) for k in range(9)))
    return [Run("exp_taylor8", [0.5], [taylor(0.5)]),
            Run("exp_taylor8", [-1.25], [taylor(-1.25)]),
            Run("get_table", [], [[[1.5, -2.0, 3.25], [4.0, 0.125, -6.5]]]),
            Run("count_calls", [2.5], [15.0, 3.0]),
            Run("count_calls", [-1.0], [-6.0, 3.0])]


@kernel("scf_if")
def _():
    def huber(x, d):
        return (0.5 * x * x, x) if abs(x) <= d else (d * (abs(x) - 0.5 * d), math.copysign(d, x))

    def classify(x):
        if x < 0:
            return -1, fl(mp.exp(mpf(x)))
        if x < 1:
            return 0, math.sqrt(x)
        if x < 10:
            return 1, fl(mp.log(mpf(x)))
        return 2, 1 / x

    v = data(20, 13, -3.0, 3.0)
    lo, hi = -1.0, 1.5
    clipped = np.clip(v, lo, hi)
    inside = v[(v >= lo) & (v <= hi)]
    runs = [Run("huber", [x, d], list(huber(x, d))) for x, d in [(0.5, 1.0), (-3.0, 1.0), (2.0, 2.0), (7.5, 0.5)]]
    runs += [Run("classify", [x], list(classify(x))) for x in [-1.5, 0.25, 1.0, 9.99, 25.0]]
    runs.append(Run("clip_count", [tolist(v), lo, hi],
                    [int((v < lo).sum()), int((v > hi).sum()), float(math.fsum(inside))], {0: tolist(clipped)}))
    return runs


@kernel("scf_for")
def _():
    v = data(21, 13)
    a = data(22, (5, 6))
    b = data(23, (6, 4))

    def stats(lb, ub, st):
        s = v[lb:ub:st]
        return [float(s.sum()), float((s * s).sum()), len(s)]

    def tri(m):
        return float(sum((i + 1) * m[i, j] for i in range(m.shape[0]) for j in range(i, m.shape[1])))

    def lcg(seed, n):
        x, s = seed, 0.0
        for _ in range(n):
            x = (1103515245 * x + 12345) & 0x7FFFFFFF
            s += x * 4.656612873077393e-10
        return [x, s / n if n else float("nan")]

    runs = [Run("strided_stats", [tolist(v), lb, ub, st], stats(lb, ub, st))
            for lb, ub, st in [(2, 13, 3), (5, 5, 1), (0, 13, 1), (12, 13, 7), (1, 12, 5)]]
    runs += [Run("upper_triangle", [tolist(a)], [tri(a)]), Run("upper_triangle", [tolist(b)], [tri(b)])]
    runs += [Run("cubes_i64", [lo, hi, st], [sum(i ** 3 for i in range(lo, hi, st))])
             for lo, hi, st in [(-5, 12, 3), (10, 0, 1), (0, 1000, 7)]]
    runs += [Run("lcg", [seed, n], lcg(seed, n)) for seed, n in [(42, 100), (7, 1), (123456789, 13)]]
    return runs


@kernel("while_loops")
def _():
    def collatz(n):
        k, peak = 0, n
        while n != 1:
            n = 3 * n + 1 if n % 2 else n // 2
            k += 1
            peak = max(peak, n)
        return [k, peak]

    def bisect(lo, hi, tol):
        k = 0
        while hi - lo > tol:
            m = 0.5 * (lo + hi)
            if math.cos(m) - m > 0:
                lo = m
            else:
                hi = m
            k += 1
        return [0.5 * (lo + hi), k]

    root = mp.findroot(lambda t: mp.cos(t) - t, 0.7)
    runs = [Run("collatz_steps", [n], collatz(n)) for n in [27, 1, 97, 6171]]
    for lo, hi, tol in [(0.0, 1.0, 1e-12), (-2.0, 3.0, 1e-6), (0.0, 1.0, 2.0)]:
        r = bisect(lo, hi, tol)
        assert abs(r[0] - float(root)) <= max(tol, 1e-15) or tol > 1
        runs.append(Run("bisect_cos", [lo, hi, tol], r))
    v = [0.5, 1.25, -3.0, 2.0, 4.75, 9.5, 1.0]
    runs.append(Run("first_above", [v, 4.5], [4, 0.5 + 1.25 - 3.0 + 2.0]))
    runs.append(Run("first_above", [v, 100.0], [7, float(math.fsum(v))]))
    runs.append(Run("first_above", [v, 0.0], [0, 0.0]))
    runs.append(Run("first_above", [[], 0.0], [0, 0.0]))
    return runs


@kernel("blas1")
def _():
    x = data(24, 13)
    y = data(25, 13)
    x32, y32 = [f32(t) for t in x], [f32(t) for t in y]
    dot32 = float(mp.fsum(mpf(a) * mpf(b) for a, b in zip(x32, y32)))
    return [Run("dot_f64", [tolist(x), tolist(y)], [fl(mp.fsum(mpf(a) * mpf(b) for a, b in zip(x, y)))]),
            Run("dot_f64", [[], []], [0.0]),
            Run("nrm2_f64", [tolist(x)], [fl(mp.sqrt(mp.fsum(mpf(a) ** 2 for a in x)))]),
            Run("axpy_f64", [-1.75, tolist(x), tolist(y)], [], {2: tolist(-1.75 * x + y)}),
            Run("dot_f32", [tolist(x), tolist(y)], [dot32]),
            Run("axpy_f32", [0.3, tolist(x), tolist(y)], [], {2: [f32(0.3) * a + b for a, b in zip(x32, y32)]}),
            Run("scal_f32", [-2.5, tolist(x)], [[-2.5 * a for a in x32]])]


@kernel("softmax_xent")
def _():
    z = data(26, (3, 7), -4.0, 4.0)
    z[1] += 500.0
    z[2] *= 10.0
    p = np.array([[fl(mp.exp(mpf(t) - lse(row))) for t in row] for row in z])
    labels = [2.0, 6.0, 0.0]
    xent = fl(-mp.fsum(mpf(z[i, int(l)]) - lse(z[i]) for i, l in enumerate(labels)) / 3)
    return [Run("softmax_rows", [tolist(z), tolist(np.zeros((3, 7)))], [], {1: tolist(p)}),
            Run("cross_entropy", [tolist(z), labels], [xent])]


@kernel("matmul")
def _():
    a = data(27, (3, 5))
    b = data(28, (5, 4))
    c = data(29, (3, 4))
    a32, b32 = a.astype(np.float32).astype(float), b.astype(np.float32).astype(float)
    return [Run("matmul_f64", [tolist(a), tolist(b)], [tolist(a @ b)]),
            Run("matmul_acc_f64", [tolist(a), tolist(b), tolist(c)], [], {2: tolist(c + a @ b)}),
            Run("matmul_f32", [tolist(a), tolist(b)], [tolist(a32 @ b32)])]


@kernel("quadrature")
def _():
    f = lambda t: math.exp(-t * t)

    def trap(a, b, n):
        h = (b - a) / n
        return h * (0.5 * (f(a) + f(b)) + math.fsum(f(a + i * h) for i in range(1, n)))

    def simpson(a, b, n):
        h = (b - a) / n
        return h / 3 * (f(a) + f(b) + math.fsum((2 if i % 2 == 0 else 4) * f(a + i * h) for i in range(1, n)))

    exact = lambda a, b: fl(mp.sqrt(mp.pi) / 2 * (mp.erf(b) - mp.erf(a)))
    return [Run("trapezoid", [-0.5, 1.5, 7], [trap(-0.5, 1.5, 7)]),
            Run("trapezoid", [0.0, 1.0, 1], [trap(0.0, 1.0, 1)]),
            Run("trapezoid", [0.0, 1.0, 1000], [exact(0, 1)], tol=1e-6),
            Run("simpson", [-0.5, 1.5, 8], [simpson(-0.5, 1.5, 8)]),
            Run("simpson", [0.0, 1.0, 1000], [exact(0, 1)], tol=1e-12)]


@kernel("extern_call")
def _():
    return [Run("use_libm", [0.5, 3.0, 4.0], [math.cos(0.5), 5.0]),
            Run("no_extern", [0.5], [fl(mp.cos(0.5))])]


@kernel("log1p_expm1")
def _():
    runs = []
    for x in [1e-10, 1e-7, 0.75]:
        X = mpf(x)
        runs.append(Run("relative_log1p_expm1", [x], [fl(mp.log1p(X) / X), fl(mp.expm1(X) / X)]))
    return runs


@kernel("json_roundtrip")
def _():
    # Exact identities: the expected value is the input, bit for bit.
    values = [0.1, 1.4901161138336505e-09, 123456789.12345679, 0.6931471805599453, 2.2250738585072014e-308]
    runs = [Run("id_f64", [x], [x], tol=0) for x in values]
    runs.append(Run("first", [values], [values[0]], {0: values}, tol=0))
    runs.append(Run("first", [values[1:]], [values[1]], {0: values[1:]}, tol=0))
    return runs


# ----------------------------------------------------------------- writing

def to_json(value):
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(to_json(v) for v in value) + "]"
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    if math.isnan(value):
        return '"nan"'
    if math.isinf(value):
        return '"inf"' if value > 0 else '"-inf"'
    return repr(value)


def directive(head, text, width=100):
    """`// HEAD text`, continued on `// ... ` lines when long."""
    lines, line = [], f"// {head} "
    for piece in re.split(r"(?<=, )", text):
        if len(line) + len(piece) > width and line.strip() not in (f"// {head}", "// ..."):
            lines.append(line.rstrip())
            line = "// ... "
        line += piece
    lines.append(line.rstrip())
    return lines


DIRECTIVE = re.compile(r"^// (RUN:|EXPECT:|EXPECT-ARG \d+:|TOLERANCE:|\.\.\. )")


def render(runs):
    out = []
    for run in runs:
        out += directive("RUN:", f"{run.fn} {to_json(run.args)}")
        out += directive("EXPECT:", to_json(run.expect))
        for index, value in sorted(run.args_after.items()):
            out += directive(f"EXPECT-ARG {index}:", to_json(value))
        if run.tol is not None:
            out.append(f"// TOLERANCE: {run.tol:g}")
    return out


def rewrite(name, runs):
    path = KERNELS / f"{name}.mlir"
    lines = path.read_text().splitlines()
    header = []
    while lines and lines[0].startswith("//"):
        header.append(lines.pop(0))
    header = [line for line in header if not DIRECTIVE.match(line)]
    while header and header[-1] == "//":
        header.pop()
    path.write_text("\n".join(header + ["//"] + render(runs) + lines) + "\n")


def main(filters):
    for name, spec in SPECS.items():
        if filters and not any(f in name for f in filters):
            continue
        rewrite(name, spec())
        print(f"wrote {name}.mlir")


if __name__ == "__main__":
    main(sys.argv[1:])
