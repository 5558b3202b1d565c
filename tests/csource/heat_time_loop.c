// Explicit heat equation: a time loop over a 1-D grid with a local work
// array of constant size, then the misfit against observations.
//
// GRAD: heat_misfit
// ARG: index 10
// ARG: index 25
// ARG: scalar 0.1 0.4
// ARG: array 10
// ARG: array 10
#define MAXN 64

double heat_misfit(int n, int steps, double kappa, double *u, const double *observed) {
  double next[MAXN];
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++)
      next[i] = u[i] + kappa * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
    for (int i = 1; i < n - 1; i++)
      u[i] = next[i];
  }
  double misfit = 0.0;
  for (int i = 0; i < n; i++) {
    double d = u[i] - observed[i];
    misfit += d * d;
  }
  return 0.5 * misfit;
}
