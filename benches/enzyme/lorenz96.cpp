// Lorenz-96 of benches/kernels/lorenz96.mlir, for Enzyme-JAX's cpp_call:
// dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F (periodic), STEPS forward
// Euler steps, then 0.5 sum x^2. The periodic neighbours of points 0, 1 and
// N-1 are handled apart, so that the loop over the others reads contiguous
// neighbours. Each step's new state is copied back: with the two buffers
// swapped instead (as heat.cpp does), Enzyme's gradient disagreed with zad's
// (enzyme-ad 0.0.16). STEPS is prepended by enzyme_bench.py. The loop
// over the inner points is an OpenMP parallel loop when enzyme_bench.py
// --openmp compiles with -fopenmp (without it the pragma is ignored).
template <std::size_t N>
void lorenz96(enzyme::tensor<double>& energy, const enzyme::tensor<double, N>& x0,
              const enzyme::tensor<double>& forcing_in, const enzyme::tensor<double>& dt_in) {
  static_assert(N >= 4, "n >= 4");
  const double F = forcing_in, dt = dt_in;
  double a[N], b[N];
  double* x = a;
  double* y = b;
  for (std::size_t i = 0; i < N; i++) a[i] = x0[i];
  for (long t = 0; t < STEPS; t++) {
    y[0] = x[0] + dt * ((x[1] - x[N - 2]) * x[N - 1] - x[0] + F);
    y[1] = x[1] + dt * ((x[2] - x[N - 1]) * x[0] - x[1] + F);
#pragma omp parallel for
    for (std::size_t i = 2; i < N - 1; i++) y[i] = x[i] + dt * ((x[i + 1] - x[i - 2]) * x[i - 1] - x[i] + F);
    y[N - 1] = x[N - 1] + dt * ((x[0] - x[N - 3]) * x[N - 2] - x[N - 1] + F);
    for (std::size_t i = 0; i < N; i++) x[i] = y[i];
  }
  double sum = 0.0;
  for (std::size_t i = 0; i < N; i++) sum += x[i] * x[i];
  energy = 0.5 * sum;
}
