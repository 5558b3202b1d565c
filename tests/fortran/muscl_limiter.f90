! MUSCL reconstruction with a minmod limiter and an upwind flux: the
! slopes need IF / ELSE IF on signs, MIN, MAX, ABS and SIGN.
!
! GRAD: limiters::limited_fluxes
! ARG: array 20 -1 1
! ARG: array 20
! ARG: int 20
! ARG: scalar 0.5 1.5
module limiters
  implicit none
contains
  pure real(8) function minmod(a, b)
    real(8), intent(in) :: a, b
    if (a*b <= 0.0d0) then
      minmod = 0.0d0
    else if (abs(a) < abs(b)) then
      minmod = a
    else
      minmod = b
    end if
  end function minmod

  subroutine limited_fluxes(q, flux, n, speed)
    integer, intent(in) :: n
    real(8), intent(in) :: q(n), speed
    real(8), intent(out) :: flux(n)
    real(8) :: slope, left, s
    integer :: i
    flux = 0.0d0
    do i = 2, n - 1
      slope = minmod(q(i) - q(i-1), q(i+1) - q(i))
      left = q(i) + 0.5d0*slope
      s = sign(1.0d0, speed)
      flux(i) = speed*max(left, min(q(i+1), left + s*abs(slope)))
    end do
  end subroutine limited_fluxes
end module limiters
