C     Thomas algorithm for a tridiagonal system, F77 style: the sub-,
C     main and super-diagonals A, B, C, right-hand side D, solution X.
C     Work arrays are dummy arguments of the caller's size.
C
C GRAD: tridag
C ARG: array 12 -0.5 0.5
C ARG: array 12 3 4
C ARG: array 12 -0.5 0.5
C ARG: array 12 -1 1
C ARG: array 12
C ARG: array 12
C ARG: int 12
      SUBROUTINE TRIDAG(A, B, C, D, X, CP, N)
      IMPLICIT NONE
      INTEGER N, I
      REAL*8 A(N), B(N), C(N), D(N), X(N), CP(N)
      REAL*8 DP(100), M
      CP(1) = C(1)/B(1)
      DP(1) = D(1)/B(1)
      DO 10 I = 2, N
         M = B(I) - CP(I-1)*A(I)
         CP(I) = C(I)/M
         DP(I) = (D(I) - DP(I-1)*A(I))/M
   10 CONTINUE
      X(N) = DP(N)
      DO 20 I = N - 1, 1, -1
         X(I) = DP(I) - CP(I)*X(I+1)
   20 CONTINUE
      END
