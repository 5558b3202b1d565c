// math.h functions on every element.
//
// GRAD: transcendental
// ARG: index 6
// ARG: array 6 0.2 0.9
#include <math.h>

double transcendental(int n, const double *x) {
  double s = 0.0;
  for (int i = 0; i < n; i++)
    s += sin(x[i]) * cos(2.0 * x[i]) + exp(-x[i]) + log(1.0 + x[i]) + pow(x[i], 1.5) + tanh(x[i])
         + sqrt(x[i]) + atan2(x[i], 1.0 + x[i]);
  return s;
}
