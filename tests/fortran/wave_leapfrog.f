C     Leapfrog for the 1-D wave equation with three time levels kept in
C     three arrays and rotated by copying: the pattern of many old codes.
C
C GRAD: wave
C ARG: array 20 -1 1
C ARG: array 20 -1 1
C ARG: int 20
C ARG: int 25
C ARG: scalar 0.3 0.8
      DOUBLE PRECISION FUNCTION WAVE(U0, V0, N, NT, C)
      INTEGER N, NT, I, IT
      DOUBLE PRECISION U0(N), V0(N), C
      DOUBLE PRECISION UOLD(100), U(100), UNEW(100), C2
      C2 = C*C
      DO 10 I = 1, N
         UOLD(I) = U0(I)
         U(I) = U0(I) + V0(I)*0.1D0
   10 CONTINUE
      DO 40 IT = 1, NT
         UNEW(1) = 0.0D0
         UNEW(N) = 0.0D0
         DO 20 I = 2, N - 1
            UNEW(I) = 2.0D0*U(I) - UOLD(I)
     &              + C2*(U(I+1) - 2.0D0*U(I) + U(I-1))
   20    CONTINUE
         DO 30 I = 1, N
            UOLD(I) = U(I)
            U(I) = UNEW(I)
   30    CONTINUE
   40 CONTINUE
      WAVE = 0.0D0
      DO 50 I = 1, N
         WAVE = WAVE + U(I)**2
   50 CONTINUE
      END
