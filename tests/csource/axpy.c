// y := a*x + y, the BLAS level-1 update, writing its result in place.
//
// GRAD: axpy
// ARG: index 11
// ARG: scalar
// ARG: array 11
// ARG: array 11
void axpy(int n, double a, const double *x, double *y) {
  for (int i = 0; i < n; i++)
    y[i] = a * x[i] + y[i];
}
