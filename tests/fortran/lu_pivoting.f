C     LU factorisation with partial pivoting and the solve, LINPACK style
C     (DGEFA/DGESL): the pivot row found by a search loop, rows swapped,
C     an integer pivot array kept locally.
C
C GRAD: lusolv
C ARG: array 5x5 -1 1
C ARG: array 5 -1 1
C ARG: int 5
      DOUBLE PRECISION FUNCTION LUSOLV(A0, B0, N)
      INTEGER N
      DOUBLE PRECISION A0(N,N), B0(N)
      DOUBLE PRECISION A(10,10), B(10), T, AMAX
      INTEGER IPVT(10), I, J, K, L
      DO 5 J = 1, N
         B(J) = B0(J)
         DO 5 I = 1, N
            A(I,J) = A0(I,J)
    5 CONTINUE
      DO 40 K = 1, N - 1
C        Find the pivot.
         L = K
         AMAX = DABS(A(K,K))
         DO 10 I = K + 1, N
            IF (DABS(A(I,K)) .GT. AMAX) THEN
               AMAX = DABS(A(I,K))
               L = I
            END IF
   10    CONTINUE
         IPVT(K) = L
         IF (L .NE. K) THEN
            DO 15 J = 1, N
               T = A(L,J)
               A(L,J) = A(K,J)
               A(K,J) = T
   15       CONTINUE
         END IF
         DO 30 I = K + 1, N
            T = A(I,K)/A(K,K)
            A(I,K) = T
            DO 20 J = K + 1, N
               A(I,J) = A(I,J) - T*A(K,J)
   20       CONTINUE
   30    CONTINUE
   40 CONTINUE
C     Forward substitution with the pivots, then back substitution.
      DO 60 K = 1, N - 1
         L = IPVT(K)
         T = B(L)
         IF (L .NE. K) THEN
            B(L) = B(K)
            B(K) = T
         END IF
         DO 50 I = K + 1, N
            B(I) = B(I) - A(I,K)*B(K)
   50    CONTINUE
   60 CONTINUE
      DO 80 K = N, 1, -1
         B(K) = B(K)/A(K,K)
         DO 70 I = 1, K - 1
            B(I) = B(I) - A(I,K)*B(K)
   70    CONTINUE
   80 CONTINUE
      LUSOLV = 0.0D0
      DO 90 I = 1, N
         LUSOLV = LUSOLV + DBLE(I)*B(I)
   90 CONTINUE
      END
