// The Euclidean norm through a helper function of the same file.
//
// GRAD: norm2
// ARG: index 7
// ARG: array 7 0.5 2
#include <math.h>

static double square(double v) { return v * v; }

double norm2(long n, const double *x) {
  double s = 0.0;
  for (long i = 0; i < n; i++)
    s += square(x[i]);
  return sqrt(s);
}
