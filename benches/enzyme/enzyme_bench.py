"""Enzyme's side of `benches/enzyme.rs`: one kernel's primal and gradient
through Enzyme-JAX (PyPI's enzyme-ad).

    enzyme_bench.py KERNEL INPUT.json [--openmp] [--min-runs N] [--min-seconds S] [--argv=FLAGS]

KERNEL is heat, lorenz96 or lse; its C++ source is KERNEL.cpp next to this
file. `enzyme_ad.jax.cpp_call` compiles it with Enzyme's embedded clang
(which has no system headers: hence __builtin_exp and friends) and runs it
as an XLA custom call; the gradient is `jax.grad` over that call, which
Enzyme-JAX answers with Enzyme's reverse mode (an augmented forward pass and
a reverse pass, split). Both are jitted, float64 (x64 enabled). Times are
medians after a warm-up call, repeated until at least --min-runs runs and
--min-seconds seconds. --argv passes extra flags (space-separated) to
Enzyme's clang. --openmp compiles KERNEL.cpp with -fopenmp (its
OpenMP pragmas then count), after loading LLVM's OpenMP runtime (libomp)
into the process: Enzyme-JAX ships no runtime, and its JIT resolves the
__kmpc_* calls from the process's symbols. $ZAD_LIBOMP names it, else the
system's libomp.so.5. Prints one
JSON object: primal_ns, gradient_ns, primal_value, gradient_sum (the sum of
every differentiated input's gradient), compile_primal_ns, compile_gradient_ns.
"""

import argparse
import json
import os
import statistics
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from enzyme_ad.jax import cpp_call  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCALAR = jax.core.ShapedArray((), jnp.float64)


def load_libomp():
    """Loads libomp with its symbols global, for the JIT to find."""
    import ctypes
    import ctypes.util

    candidates = [os.environ.get("ZAD_LIBOMP"), "libomp.so.5", ctypes.util.find_library("omp")]
    for candidate in filter(None, candidates):
        try:
            return ctypes.CDLL(candidate, mode=ctypes.RTLD_GLOBAL)
        except OSError:
            pass
    raise SystemExit("--openmp: no libomp (LLVM's OpenMP runtime) found; set ZAD_LIBOMP")


def source(kernel, steps=None):
    with open(os.path.join(HERE, kernel + ".cpp")) as f:
        text = f.read()
    if steps is not None:
        text = f"constexpr long STEPS = {int(steps)};\n" + text
    return text


def case(kernel, data, argv):
    """(function, arguments, argnums) of a kernel on its input."""
    f64 = lambda v: jnp.asarray(np.asarray(v, dtype=np.float64))  # noqa: E731
    if kernel == "heat":
        src = source("heat", data["steps"])

        def function(u0, r, obs):
            return cpp_call(u0, r, obs, out_shapes=[SCALAR], source=src, fn="heat", argv=argv)[0]

        return function, (f64(data["u0"]), f64(data["r"]), f64(data["obs"])), (0, 1)
    if kernel == "lorenz96":
        src = source("lorenz96", data["steps"])

        def function(x0, forcing, dt):
            return cpp_call(x0, forcing, dt, out_shapes=[SCALAR], source=src, fn="lorenz96", argv=argv)[0]

        return function, (f64(data["x0"]), f64(data["forcing"]), f64(data["dt"])), (0, 1)
    if kernel == "lse":
        src = source("lse")

        def function(x):
            return cpp_call(x, out_shapes=[SCALAR], source=src, fn="lse", argv=argv)[0]

        return function, (f64(data["x"]),), (0,)
    raise SystemExit(f"unknown kernel {kernel!r}")


def timed(function, arguments, min_runs, min_seconds):
    """(median ns, first call's ns: compile and one run, last result)."""
    start = time.perf_counter_ns()
    result = jax.block_until_ready(function(*arguments))
    first = time.perf_counter_ns() - start
    jax.block_until_ready(function(*arguments))
    samples = []
    begin = time.perf_counter()
    while len(samples) < min_runs or time.perf_counter() - begin < min_seconds:
        start = time.perf_counter_ns()
        result = jax.block_until_ready(function(*arguments))
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples), first, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kernel")
    parser.add_argument("input")
    parser.add_argument("--openmp", action="store_true")
    parser.add_argument("--min-runs", type=int, default=7)
    parser.add_argument("--min-seconds", type=float, default=1.0)
    parser.add_argument("--argv", default="", help="clang flags, space-separated (--argv=-O3)")
    options = parser.parse_args()
    with open(options.input) as f:
        data = json.load(f)
    argv = tuple(options.argv.split())
    if options.openmp:
        load_libomp()
        argv += ("-fopenmp",)
    function, arguments, argnums = case(options.kernel, data, argv)
    primal = jax.jit(function)
    gradient = jax.jit(jax.grad(function, argnums=argnums))
    primal_ns, compile_primal, value = timed(primal, arguments, options.min_runs, options.min_seconds)
    gradient_ns, compile_gradient, grads = timed(gradient, arguments, options.min_runs, options.min_seconds)
    gradient_sum = sum(float(jnp.sum(g)) for g in grads)
    json.dump(
        {
            "primal_ns": primal_ns,
            "gradient_ns": gradient_ns,
            "primal_value": float(value),
            "gradient_sum": gradient_sum,
            "compile_primal_ns": compile_primal,
            "compile_gradient_ns": compile_gradient,
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
