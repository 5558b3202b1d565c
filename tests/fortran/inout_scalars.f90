! Scalars returned through arguments (INTENT(OUT) and INTENT(INOUT)), and
! a scalar argument without INTENT that the routine writes, as old codes
! return several results.
!
! GRAD: moments
! ARG: array 9 -1 1
! ARG: int 9
! ARG: scalar
! ARG: scalar
! ARG: scalar 0.5 1.5
subroutine moments(x, n, mean, var, scale)
  implicit none
  integer, intent(in) :: n
  real(8), intent(in) :: x(n)
  real(8), intent(out) :: mean
  real(8), intent(inout) :: var
  real(8) :: scale
  integer :: i
  mean = sum(x)/n
  var = 0.5d0*var
  do i = 1, n
    var = var + (x(i) - mean)**2/n
  end do
  scale = scale*var
end subroutine moments
