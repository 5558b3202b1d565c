C     Arithmetic IF and GOTO as in FORTRAN 66 codes: a piecewise model
C     evaluated over a table.
C
C GRAD: pwsum
C ARG: array 16 -2 2
C ARG: int 16
C ARG: scalar 0.5 1.5
      DOUBLE PRECISION FUNCTION PWSUM(X, N, C)
      INTEGER N, I
      DOUBLE PRECISION X(N), C, S, V
      S = 0.0D0
      I = 0
   10 I = I + 1
      IF (I .GT. N) GOTO 40
      IF (X(I) - 0.5D0) 20, 20, 30
   20 V = C*X(I)**2
      GOTO 35
   30 V = C*(X(I) - 0.25D0)
   35 S = S + V
      GOTO 10
   40 PWSUM = S
      RETURN
      END
