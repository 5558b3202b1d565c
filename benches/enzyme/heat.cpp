// The 1-D heat equation of benches/kernels/heat.mlir, for Enzyme-JAX's
// cpp_call: STEPS explicit steps with diffusivity number r (the end points
// held), then the misfit 0.5 sum (u - obs)^2. Two buffers, swapped after
// each step. STEPS is prepended by enzyme_bench.py. The loop over the
// points is an OpenMP parallel loop when enzyme_bench.py --openmp compiles
// with -fopenmp (without it the pragma is ignored).
template <std::size_t N>
void heat(enzyme::tensor<double>& misfit, const enzyme::tensor<double, N>& u0, const enzyme::tensor<double>& r_in,
          const enzyme::tensor<double, N>& obs) {
  static_assert(N >= 2, "at least the two end points");
  const double r = r_in;
  double a[N], b[N];
  double* u = a;
  double* next = b;
  for (std::size_t i = 0; i < N; i++) {
    a[i] = u0[i];
    b[i] = u0[i];
  }
  for (long t = 0; t < STEPS; t++) {
#pragma omp parallel for
    for (std::size_t i = 1; i < N - 1; i++) next[i] = u[i] + r * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
    double* swap = u;
    u = next;
    next = swap;
  }
  double sum = 0.0;
  for (std::size_t i = 0; i < N; i++) {
    const double e = u[i] - obs[i];
    sum += e * e;
  }
  misfit = 0.5 * sum;
}
