// The largest magnitude of a weighted vector, a reduction with fmax.
//
// GRAD: max_abs
// ARG: index 8
// ARG: array 8
// ARG: array 8 0.5 1.5
#include <math.h>

double max_abs(int n, const double *u, const double *w) {
  double m = 0.0;
  for (int i = 0; i < n; i++)
    m = fmax(m, fabs(w[i] * u[i]));
  return m;
}
