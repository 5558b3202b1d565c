// Minmod slope limiting with if/else, the flux of a MUSCL scheme.
//
// GRAD: limited_flux
// ARG: index 10
// ARG: array 10
#include <math.h>

static double minmod(double a, double b) {
  if (a * b <= 0.0)
    return 0.0;
  else if (fabs(a) < fabs(b))
    return a;
  else
    return b;
}

double limited_flux(int n, const double *u) {
  double flux = 0.0;
  for (int i = 1; i < n - 1; i++) {
    double slope = minmod(u[i] - u[i - 1], u[i + 1] - u[i]);
    double face = u[i] + 0.5 * slope;
    flux += face * face;
  }
  return flux;
}
