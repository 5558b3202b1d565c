// The cube root by a fixed number of Newton iterations (converged long
// before the last one), a while loop.
//
// GRAD: newton_cbrt
// ARG: scalar 0.5 8
double newton_cbrt(double a) {
  double x = 1.0 + a / 3.0;
  int k = 0;
  while (k < 40) {
    x = x - (x * x * x - a) / (3.0 * x * x);
    k = k + 1;
  }
  return x;
}
