! Gaussian elimination without pivoting on a diagonally dominant matrix,
! then back substitution: in-place updates of a copy of the matrix.
!
! GRAD: solve_sum
! ARG: array 6x6 -1 1
! ARG: array 6 -1 1
! ARG: int 6
function solve_sum(a_in, b_in, n) result(s)
  implicit none
  integer, intent(in) :: n
  real(8), intent(in) :: a_in(n, n), b_in(n)
  real(8) :: s
  real(8) :: a(n, n), b(n), x(n), factor
  integer :: i, j, k
  a = a_in
  b = b_in
  do i = 1, n
    a(i, i) = a(i, i) + 2*n
  end do
  do k = 1, n - 1
    do i = k + 1, n
      factor = a(i, k)/a(k, k)
      do j = k, n
        a(i, j) = a(i, j) - factor*a(k, j)
      end do
      b(i) = b(i) - factor*b(k)
    end do
  end do
  do i = n, 1, -1
    x(i) = b(i)
    do j = i + 1, n
      x(i) = x(i) - a(i, j)*x(j)
    end do
    x(i) = x(i)/a(i, i)
  end do
  s = 0
  do i = 1, n
    s = s + i*x(i)
  end do
end function solve_sum
