// A five-point stencil on a 2-D grid passed as a variable-length array
// (flattened row-major, as C lays it out).
//
// GRAD: smooth2d
// ARG: index 5
// ARG: index 6
// ARG: array 30
// ARG: array 30
void smooth2d(int n, int m, const double u[n][m], double v[n][m]) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++)
      v[i][j] = u[i][j];
  for (int i = 1; i < n - 1; i++)
    for (int j = 1; j < m - 1; j++)
      v[i][j] = 0.2 * (u[i][j] + u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1]);
}
