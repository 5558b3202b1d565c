! Composite Simpson rule for the integral of exp(-a x**2) sin(k x) over
! [0, L], with PARAMETER constants and real exponents.
!
! GRAD: simpson
! ARG: scalar 0.5 1.5
! ARG: scalar 1.0 3.0
! ARG: scalar 1.5 2.5
! ARG: int 40
function simpson(a, k, length, n) result(total)
  implicit none
  real(8), intent(in) :: a, k, length
  integer, intent(in) :: n
  real(8) :: total, h, x, weight
  real(8), parameter :: third = 1.0d0/3.0d0
  integer :: i
  h = length/(2*n)
  total = 0
  do i = 0, 2*n
    x = i*h
    if (i == 0 .or. i == 2*n) then
      weight = 1
    else if (mod(i, 2) == 1) then
      weight = 4
    else
      weight = 2
    end if
    total = total + weight*exp(-a*x**2)*sin(k*x)*(1 + x)**0.5d0
  end do
  total = total*h*third
end function simpson
