C     Explicit Euler for the 1-D heat equation, fixed form as in the 1980s:
C     DIMENSION statements, labelled DO loops ending on CONTINUE, a time
C     loop that copies the new level back, and a misfit as a FUNCTION.
C
C GRAD: heat1d
C ARG: array 24 0 1
C ARG: int 24
C ARG: int 30
C ARG: scalar 0.1 0.4
C ARG: array 24 0 1
      DOUBLE PRECISION FUNCTION HEAT1D(U0, N, NSTEPS, R, UOBS)
      INTEGER N, NSTEPS
      DOUBLE PRECISION U0(N), R, UOBS(N)
      DOUBLE PRECISION U(200), UNEW(200)
      INTEGER I, ISTEP
      DO 10 I = 1, N
         U(I) = U0(I)
   10 CONTINUE
      DO 30 ISTEP = 1, NSTEPS
         UNEW(1) = 0.0D0
         UNEW(N) = 0.0D0
         DO 20 I = 2, N - 1
            UNEW(I) = U(I) + R*(U(I-1) - 2.0D0*U(I) + U(I+1))
   20    CONTINUE
         DO 25 I = 1, N
            U(I) = UNEW(I)
   25    CONTINUE
   30 CONTINUE
      HEAT1D = 0.0D0
      DO 40 I = 1, N
         HEAT1D = HEAT1D + 0.5D0*(U(I) - UOBS(I))**2
   40 CONTINUE
      RETURN
      END
