// A 1-D three-point Laplacian written into a second array, then its
// energy: u[i-1] and u[i+1] are single GEPs off the parameter.
//
// GRAD: laplace_energy
// ARG: index 12
// ARG: array 12
// ARG: array 12
double laplace_energy(int n, const double *u, double *lap) {
  lap[0] = 0.0;
  lap[n - 1] = 0.0;
  for (int i = 1; i < n - 1; i++)
    lap[i] = u[i - 1] - 2.0 * u[i] + u[i + 1];
  double e = 0.0;
  for (int i = 0; i < n; i++)
    e += 0.5 * lap[i] * lap[i];
  return e;
}
