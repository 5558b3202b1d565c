// The dot product of two vectors, the first reduction of numerical codes.
//
// GRAD: dot
// ARG: index 9
// ARG: array 9
// ARG: array 9
double dot(int n, const double *x, const double *y) {
  double s = 0.0;
  for (int i = 0; i < n; i++)
    s += x[i] * y[i];
  return s;
}
