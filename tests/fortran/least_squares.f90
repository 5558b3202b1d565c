! Straight-line least-squares fit y = a + b x by the normal equations, and
! the residual sum of squares.
!
! GRAD: line_fit_residual
! ARG: array 12 0 1
! ARG: array 12 -1 1
! ARG: int 12
function line_fit_residual(x, y, n) result(rss)
  implicit none
  integer, intent(in) :: n
  real(8), intent(in) :: x(n), y(n)
  real(8) :: rss, sx, sy, sxx, sxy, det, a, b
  integer :: i
  sx = 0; sy = 0; sxx = 0; sxy = 0
  do i = 1, n
    sx = sx + x(i)
    sy = sy + y(i)
    sxx = sxx + x(i)*x(i)
    sxy = sxy + x(i)*y(i)
  end do
  det = n*sxx - sx*sx
  a = (sxx*sy - sx*sxy)/det
  b = (n*sxy - sx*sy)/det
  rss = 0
  do i = 1, n
    rss = rss + (y(i) - a - b*x(i))**2
  end do
end function line_fit_residual
