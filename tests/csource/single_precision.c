// Single precision: float arrays and the float math.h functions.
//
// GRAD: saxpy_energy
// ARG: index 7
// ARG: scalar
// ARG: array 7
// ARG: array 7
// TOLERANCE: 2e-2
#include <math.h>

float saxpy_energy(int n, float a, const float *x, const float *y) {
  float s = 0.0f;
  for (int i = 0; i < n; i++) {
    float z = a * x[i] + y[i];
    s += sinf(z) * z + expf(-z * z);
  }
  return s;
}
