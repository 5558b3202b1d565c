// A local 2-D array of constant size filled from the input, size_t
// counters, a ternary choice with fmin, and a do/while loop.
//
// GRAD: local_matrix
// ARG: index 7
// ARG: array 7 -1 1
#include <math.h>
#include <stddef.h>

double local_matrix(size_t n, const double *x) {
  double a[3][4];
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 4; j++)
      a[i][j] = x[(i * 4 + j) % n] * (1.0 + i) + 0.25 * j;
  double s = 0.0;
  size_t k = 0;
  do {
    double d = a[k][k];
    s += d > 0.0 ? d * d : fmin(a[k][0], -d);
    k++;
  } while (k < 3);
  return s;
}
