! Newton's method for the real root of x**3 + p x - q = 0 (p > 0), with a
! DO WHILE on the residual and an iteration cap, as a root finder inside
! a larger model would be written.
!
! GRAD: cubic_root
! ARG: scalar 0.5 2.0
! ARG: scalar 0.5 3.0
function cubic_root(p, q) result(x)
  implicit none
  real(8), intent(in) :: p, q
  real(8) :: x, f, df
  integer :: iter
  x = q/p
  f = x**3 + p*x - q
  iter = 0
  do while (abs(f) > 1.0d-14*max(1.0d0, abs(q)) .and. iter < 100)
    df = 3*x**2 + p
    x = x - f/df
    f = x**3 + p*x - q
    iter = iter + 1
  end do
end function cubic_root
