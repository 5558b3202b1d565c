! Evaluation of a piecewise-linear table at many points: a binary search
! for each point's interval (DO WHILE on integers), then interpolation;
! the table's values are differentiated.
!
! GRAD: table_integral
! ARG: array 12 -1 1
! ARG: int 12
! ARG: array 20 0.05 0.95
! ARG: int 20
function table_integral(values, m, points, npoints) result(total)
  implicit none
  integer, intent(in) :: m, npoints
  real(8), intent(in) :: values(m), points(npoints)
  real(8) :: total, x, t
  integer :: k, lo, hi, mid
  total = 0
  do k = 1, npoints
    x = points(k)*(m - 1)
    lo = 0
    hi = m - 1
    do while (hi - lo > 1)
      mid = (lo + hi)/2
      if (x >= mid) then
        lo = mid
      else
        hi = mid
      end if
    end do
    t = x - lo
    total = total + (1 - t)*values(lo + 1) + t*values(hi + 1)
  end do
end function table_integral
