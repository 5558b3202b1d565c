// Functions of the same file calling each other, arrays passed whole:
// a smoothing pass written by one helper and measured by another.
//
// GRAD: smoothed_energy
// ARG: index 9
// ARG: array 9
// ARG: array 9
#include <math.h>

static double energy(int n, const double *v) {
  double e = 0.0;
  for (int i = 0; i < n; i++)
    e += v[i] * v[i];
  return e;
}

static void smooth(int n, const double *u, double *v) {
  v[0] = u[0];
  v[n - 1] = u[n - 1];
  for (int i = 1; i < n - 1; i++)
    v[i] = 0.25 * u[i - 1] + 0.5 * u[i] + 0.25 * u[i + 1];
}

double smoothed_energy(int n, const double *u, double *work) {
  smooth(n, u, work);
  return sqrt(energy(n, work));
}
