// Newton's method for x*exp(x) = a, stopping when the step is below a
// tolerance: the loop's exit depends on the values it computes (zad
// rotates it so that its condition only tests).
//
// GRAD: lambert_w
// ARG: scalar 0.5 4
#include <math.h>

double lambert_w(double a) {
  double w = 1.0, step = 1.0;
  int k = 0;
  while (k < 60 && fabs(step) > 1e-15 * (1.0 + fabs(w))) {
    double e = exp(w);
    step = (w * e - a) / (e * (w + 1.0));
    w -= step;
    k++;
  }
  return w;
}
