! Cholesky factorisation of a symmetric positive definite matrix built
! from the input, and the log-determinant: SQRT and LOG, a triangular
! loop nest updating the factor in place.
!
! GRAD: logdet
! ARG: array 5x5 -1 1
! ARG: int 5
function logdet(b, n) result(ld)
  implicit none
  integer, intent(in) :: n
  real(8), intent(in) :: b(n, n)
  real(8) :: ld
  real(8) :: a(n, n)
  integer :: i, j, k
  a = matmul(transpose(b), b)
  do i = 1, n
    a(i, i) = a(i, i) + n
  end do
  do j = 1, n
    do k = 1, j - 1
      a(j:n, j) = a(j:n, j) - a(j:n, k)*a(j, k)
    end do
    a(j, j) = sqrt(a(j, j))
    a(j+1:n, j) = a(j+1:n, j)/a(j, j)
  end do
  ld = 0
  do i = 1, n
    ld = ld + 2*log(a(i, i))
  end do
end function logdet
