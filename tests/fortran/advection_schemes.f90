! One advection step with the scheme chosen at run time by SELECT CASE:
! 1 upwind, 2 and 3 Lax-Wendroff, anything else central.
!
! GRAD: advect
! ARG: array 14 -1 1
! ARG: int 14
! ARG: scalar 0.2 0.6
! ARG: int 2
subroutine advect(u, n, c, scheme)
  implicit none
  integer, intent(in) :: n, scheme
  real(8), intent(inout) :: u(n)
  real(8), intent(in) :: c
  real(8) :: v(n)
  integer :: i
  v = u
  do i = 2, n - 1
    select case (scheme)
    case (1)
      v(i) = u(i) - c*(u(i) - u(i-1))
    case (2:3)
      v(i) = u(i) - 0.5d0*c*(u(i+1) - u(i-1)) + 0.5d0*c**2*(u(i+1) - 2*u(i) + u(i-1))
    case default
      v(i) = u(i) - 0.5d0*c*(u(i+1) - u(i-1))
    end select
  end do
  u = v
end subroutine advect
