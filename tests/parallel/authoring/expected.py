#!/usr/bin/env python3
"""Computes the expected values of tests/parallel/*.mlir independently of zad
and writes them into the files as RUN / EXPECT / EXPECT-ARG / TOLERANCE
directives (the syntax of tests/kernels/README.md). Authoring aid only: the
test suite reads the values from the .mlir files and never runs Python.

Plain Python, no packages: each kernel is replayed serially, in the order
of its own arithmetic, in IEEE double (Python floats) or single precision
(struct rounding after every operation); sums use math.fsum where the
kernel's reduction order is unspecified (the TOLERANCE covers the
reassociation).

    python3 tests/parallel/authoring/expected.py            # rewrite all files
    python3 tests/parallel/authoring/expected.py heat2d     # only matching ones
"""

import json
import math
import re
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
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


def data(seed, count, lo=-2.0, hi=2.0):
    """Pseudo-random values rounded to 3 decimals (exact in JSON), from a
    64-bit linear congruential generator."""
    state = seed * 6364136223846793005 + 1442695040888963407
    values = []
    for _ in range(count):
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        values.append(round(lo + (hi - lo) * (state >> 11) / (1 << 53), 3))
    return values


def grid(seed, *shape):
    flat = data(seed, math.prod(shape))

    def nest(offset, dims):
        if not dims:
            return flat[offset]
        stride = math.prod(dims[1:])
        return [nest(offset + k * stride, dims[1:]) for k in range(dims[0])]
    return nest(0, list(shape))


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def copy(nested):
    return json.loads(json.dumps(nested))


# ---------------------------------------------------------------- kernels

def heat1d(u, v, r, rounding=float):
    v = list(v)
    for i in range(1, len(u) - 1):
        lap = rounding(rounding(u[i - 1] + u[i + 1]) - rounding(2.0 * u[i]))
        v[i] = rounding(u[i] + rounding(r * lap))
    return v


@kernel("heat1d_step")
def _():
    u = data(1, 13)
    return [
        Run("heat1d_step", [u, [9.0] * 13, 0.25], [], {1: heat1d(u, [9.0] * 13, 0.25)}),
        Run("heat1d_step", [[1.0, 4.0, 2.0], [7.0] * 3, 0.5], [], {1: heat1d([1.0, 4.0, 2.0], [7.0] * 3, 0.5)}),
        Run("heat1d_step", [[1.0, 4.0], [7.0, 7.0], 0.5], [], {1: [7.0, 7.0]}),
    ]


@kernel("heat1d_f32")
def _():
    u = [f32(x) for x in data(2, 11)]
    v = heat1d(u, [5.0] * 11, f32(0.3), f32)
    v[0] = v[-1] = 0.0
    return [Run("heat1d_f32", [u, [5.0] * 11, 0.3], [], {1: v})]


def heat2d(u, v, r):
    v = copy(v)
    for i in range(1, len(u) - 1):
        for j in range(1, len(u[0]) - 1):
            total = (u[i - 1][j] + u[i + 1][j]) + (u[i][j - 1] + u[i][j + 1])
            lap = total - 4.0 * u[i][j]
            v[i][j] = u[i][j] + r * lap
    return v


@kernel("heat2d_step")
def _():
    u, v = grid(3, 7, 9), grid(4, 7, 9)
    small = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]
    return [
        Run("heat2d_step", [u, v, 0.2], [], {1: heat2d(u, v, 0.2)}),
        Run("heat2d_step", [small, [[0.0] * 3] * 3, 0.25], [], {1: heat2d(small, [[0.0] * 3] * 3, 0.25)}),
    ]


@kernel("heat2d_time_loop")
def _():
    runs = []
    for steps in (0, 1, 5):
        u = grid(5, 6, 8)
        final = u
        for _ in range(steps):
            final = heat2d(final, final, 0.2)
        total = 0.0
        for row in final:
            for x in row:
                total += x
        runs.append(Run("heat2d_time_loop", [u, 0.2, steps], [total], {0: final}))
    return runs


@kernel("stencil3d")
def _():
    u = grid(6, 4, 5, 6)
    out = [[[0.0] * 6 for _ in range(5)] for _ in range(4)]
    for i in range(1, 3):
        for j in range(1, 4):
            for k in range(1, 5):
                s = u[i - 1][j][k] + u[i + 1][j][k]
                s = s + u[i][j - 1][k]
                s = s + u[i][j + 1][k]
                s = s + u[i][j][k - 1]
                s = s + u[i][j][k + 1]
                out[i][j][k] = s - 6.0 * u[i][j][k]
    return [Run("stencil3d", [u, [[[0.0] * 6 for _ in range(5)] for _ in range(4)]], [], {1: out})]


@kernel("sum_of_squares")
def _():
    x = data(7, 1000)
    return [
        Run("sum_of_squares", [x, 1.5], [math.fsum([1.5] + [v * v for v in x])], tol=1e-13),
        Run("sum_of_squares", [x[:5], -2.0], [math.fsum([-2.0] + [v * v for v in x[:5]])], tol=1e-13),
        Run("sum_of_squares", [[], 0.25], [0.25]),
    ]


@kernel("max_abs")
def _():
    x = data(8, 17)
    return [
        Run("max_abs", [x, 0.0], [max(abs(v) for v in x)]),
        Run("max_abs", [x, 5.5], [5.5]),
        Run("max_abs", [[], -1.0], [-1.0]),
    ]


@kernel("weighted_moments")
def _():
    u, w = grid(9, 6, 7), grid(10, 6, 7)
    pairs = [(a, b) for ru, rw in zip(u, w) for a, b in zip(ru, rw)]
    return [Run(
        "weighted_moments", [u, w],
        [math.fsum(a * b for a, b in pairs), math.fsum(a * a for a, _ in pairs), sum(1 for a, _ in pairs if a > 0)],
        tol=1e-13,
    )]


@kernel("row_sums_nested")
def _():
    a = grid(11, 5, 7)
    out = []
    for row in a:
        total = 0.0
        for x in row:
            total += x
        out.append(total * 0.5)
    return [Run("row_sums_nested", [a, [0.0] * 5, 0.5], [], {1: out})]


@kernel("strided_bounds")
def _():
    x, y = grid(12, 9, 4), grid(13, 9, 4)
    runs = []
    for lo, hi, step in ((1, 9, 2), (0, 8, 3), (5, 5, 1)):
        after = copy(y)
        for i in range(lo, hi, step):
            for j in range(4):
                after[i][j] = 1.5 * x[i][j] + y[i][j]
        runs.append(Run("strided_bounds", [x, y, 1.5, lo, hi, step], [], {1: after}))
    return runs


@kernel("pointwise_math")
def _():
    x = data(14, 40, -3.0, 3.0) + [0.0, -0.0, 1e-12, -2.5e-9]
    out = []
    for v in x:
        w = v * 37.0
        out.append([
            math.sin(w), math.cos(w), math.log(abs(v) + 0.5), math.tanh(v), math.exp(v),
            min(v, 0.3), max(v, -0.3), math.copysign(1.5, v),
        ])
    # Within a few ulp of libm (zad's GPU definitions are within 2 ulp).
    return [Run("pointwise_math", [x, [[0.0] * 8 for _ in x]], [], {1: out}, tol=1e-14)]


@kernel("pointwise_math_f32")
def _():
    x = [f32(v) for v in data(15, 40, -3.0, 3.0)] + [0.0, -0.0]
    out = [[f32(math.sin(f32(v * 5.0))), f32(math.cos(f32(v * 5.0))), f32(math.log(f32(abs(v) + 0.5))),
            f32(math.tanh(v)), f32(math.exp(v))] for v in x]
    # The CPU's f32 functions are within an ulp or two of f32 (5.96e-8).
    return [Run("pointwise_math_f32", [x, [[0.0] * 5 for _ in x]], [], {1: out}, tol=3e-7)]


# ---------------------------------------------------------------- writing

def to_json(value):
    def fix(v):
        if isinstance(v, list):
            return [fix(item) for item in v]
        if isinstance(v, float) and math.isnan(v):
            return "nan"
        return v
    return json.dumps(fix(value), separators=(", ", ": "))


def directive(key, text, width=100):
    words = text.split(" ")
    lines, current = [], f"// {key}"
    for word in words:
        if len(current) + 1 + len(word) > width and current not in (f"// {key}", "// ..."):
            lines.append(current)
            current = "// ..."
        current += " " + word
    lines.append(current)
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
    path = HERE / f"{name}.mlir"
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
