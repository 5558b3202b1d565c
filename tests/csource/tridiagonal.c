// A tridiagonal solve (the Thomas algorithm) with local arrays of
// constant size, then a weighted sum of the solution.
//
// GRAD: thomas
// ARG: index 8
// ARG: array 8 -0.5 0.5
// ARG: array 8 3 4
// ARG: array 8 -0.5 0.5
// ARG: array 8
double thomas(int n, const double *lower, const double *diag, const double *upper, const double *rhs) {
  double c[32], d[32], x[32];
  c[0] = upper[0] / diag[0];
  d[0] = rhs[0] / diag[0];
  for (int i = 1; i < n; i++) {
    double m = diag[i] - lower[i] * c[i - 1];
    c[i] = upper[i] / m;
    d[i] = (rhs[i] - lower[i] * d[i - 1]) / m;
  }
  x[n - 1] = d[n - 1];
  for (int i = n - 2; i >= 0; i--)
    x[i] = d[i] - c[i] * x[i + 1];
  double s = 0.0;
  for (int i = 0; i < n; i++)
    s += (i + 1) * x[i];
  return s;
}
