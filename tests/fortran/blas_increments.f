C     BLAS-1 routines with increments called on rows and columns of a
C     matrix through array elements (sequence association), the way
C     LINPACK calls DAXPY and DDOT.
C
C GRAD: rowdot
C ARG: array 6x4 -1 1
C ARG: int 6
C ARG: int 4
      DOUBLE PRECISION FUNCTION ROWDOT(A, LDA, N)
      INTEGER LDA, N, J
      DOUBLE PRECISION A(LDA, N), DDOTI, S
      S = 0.0D0
      DO 10 J = 1, N - 1
C        Column J+1 += 0.5 * column J, then the dot of row 2 with itself.
         CALL DAXPYI(LDA, 0.5D0, A(1,J), 1, A(1,J+1), 1)
   10 CONTINUE
      S = DDOTI(N, A(2,1), LDA, A(2,1), LDA)
      ROWDOT = S
      END

      SUBROUTINE DAXPYI(N, DA, DX, INCX, DY, INCY)
      INTEGER N, INCX, INCY, I, IX, IY
      DOUBLE PRECISION DA, DX(*), DY(*)
      IX = 1
      IY = 1
      DO 10 I = 1, N
         DY(IY) = DY(IY) + DA*DX(IX)
         IX = IX + INCX
         IY = IY + INCY
   10 CONTINUE
      END

      DOUBLE PRECISION FUNCTION DDOTI(N, DX, INCX, DY, INCY)
      INTEGER N, INCX, INCY, I, IX, IY
      DOUBLE PRECISION DX(*), DY(*)
      DDOTI = 0.0D0
      IX = 1
      IY = 1
      DO 10 I = 1, N
         DDOTI = DDOTI + DX(IX)*DY(IY)
         IX = IX + INCX
         IY = IY + INCY
   10 CONTINUE
      END
