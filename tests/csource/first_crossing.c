// Linear interpolation at the first sign change of a sampled function:
// a search loop with break, then an early return when there is none.
//
// GRAD: first_crossing
// ARG: index 12
// ARG: array 12 -1 1
// ARG: scalar 0.5 1.5
double first_crossing(int n, const double *f, double h) {
  int found = -1;
  for (int i = 0; i + 1 < n; i++) {
    if (f[i] * f[i + 1] < 0.0) {
      found = i;
      break;
    }
  }
  if (found < 0)
    return 0.0;
  double t = f[found] / (f[found] - f[found + 1]);
  return h * (found + t);
}
