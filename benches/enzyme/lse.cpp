// GradBench's lse (src/gradbench/kernels/lse.mlir), for Enzyme-JAX's
// cpp_call: a + log sum_i exp(x_i - a), a = max_i x_i. The max and the sum
// are OpenMP parallel loops with reductions when enzyme_bench.py --openmp
// compiles with -fopenmp (without it the pragmas are ignored).
template <std::size_t N>
void lse(enzyme::tensor<double>& out, const enzyme::tensor<double, N>& x) {
  static_assert(N >= 1, "at least one element");
  double a = x[0];
#pragma omp parallel for reduction(max : a)
  for (std::size_t i = 1; i < N; i++) a = __builtin_fmax(a, x[i]);
  double sum = 0.0;
#pragma omp parallel for reduction(+ : sum)
  for (std::size_t i = 0; i < N; i++) sum += __builtin_exp(x[i] - a);
  out = a + __builtin_log(sum);
}
