C     y := alpha*A*x + beta*y with a leading dimension, BLAS style (as
C     DGEMV without the transpose option).
C
C GRAD: dgemvn
C ARG: int 7
C ARG: int 5
C ARG: scalar 0.5 1.5
C ARG: array 9x5 -1 1
C ARG: int 9
C ARG: array 5 -1 1
C ARG: scalar -1 1
C ARG: array 7 -1 1
      SUBROUTINE DGEMVN(M, N, ALPHA, A, LDA, X, BETA, Y)
      INTEGER M, N, LDA
      DOUBLE PRECISION ALPHA, BETA
      DOUBLE PRECISION A(LDA, *), X(*), Y(*)
      DOUBLE PRECISION TEMP
      INTEGER I, J
      DO 10 I = 1, M
         Y(I) = BETA*Y(I)
   10 CONTINUE
      DO 30 J = 1, N
         TEMP = ALPHA*X(J)
         DO 20 I = 1, M
            Y(I) = Y(I) + TEMP*A(I, J)
   20    CONTINUE
   30 CONTINUE
      RETURN
      END
