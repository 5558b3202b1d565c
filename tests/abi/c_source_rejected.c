/* C that zad refuses to convert, for tests/abi/c_source.c: a pointer
 * advanced in a loop (line 6). The other function converts. */
double walk(int n, const double *u) {
  double s = 0.0;
  const double *p = u;
  for (int i = 0; i < n; i++, p++)
    s += *p;
  return s;
}

double twice(double x) { return 2.0 * x; }
