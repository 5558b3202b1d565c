// A polynomial by Horner's rule, its coefficients in an array.
//
// GRAD: horner
// ARG: index 6
// ARG: array 6
// ARG: scalar -1.5 1.5
double horner(int degree_plus_one, const double *c, double x) {
  double p = c[degree_plus_one - 1];
  for (int k = degree_plus_one - 2; k >= 0; k--)
    p = p * x + c[k];
  return p;
}
