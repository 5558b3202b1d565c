C     Evaluates a polynomial and its derivative by Horner's rule, the
C     coefficients stored from degree 0, the loop running downwards.
C
C GRAD: hornpd
C ARG: array 8 -1 1
C ARG: int 7
C ARG: scalar -1.5 1.5
      DOUBLE PRECISION FUNCTION HORNPD(C, NDEG, X)
      INTEGER NDEG, I
      DOUBLE PRECISION C(0:NDEG), X, P, DP
      P = C(NDEG)
      DP = 0.0D0
      DO 10 I = NDEG - 1, 0, -1
         DP = DP*X + P
         P = P*X + C(I)
   10 CONTINUE
      HORNPD = P + 0.5D0*DP
      END
