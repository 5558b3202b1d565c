// restrict-qualified parameters: the caller promised they do not overlap,
// so zad does not check.
//
// GRAD: scaled_copy
// ARG: index 6
// ARG: scalar
// ARG: array 6
// ARG: array 6
void scaled_copy(int n, double a, const double *restrict x, double *restrict y) {
  for (int i = 0; i < n; i++)
    y[i] = a * x[i] * x[i];
}
