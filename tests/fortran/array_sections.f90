! Array syntax throughout: whole-array assignment, sections with strides,
! shifted sections for a stencil, and a section of a 2-D array.
!
! GRAD: sections
! ARG: array 16 -1 1
! ARG: array 16x3 -1 1
! ARG: int 16
subroutine sections(u, g, n)
  implicit none
  integer, intent(in) :: n
  real(8), intent(inout) :: u(n)
  real(8), intent(inout) :: g(n, 3)
  real(8) :: un(n)
  un = u
  un(2:n-1) = u(2:n-1) + 0.2d0*(u(1:n-2) - 2*u(2:n-1) + u(3:n))
  un(1:n:2) = un(1:n:2)*1.5d0
  u = un
  g(:, 2) = g(:, 1)*u + g(:, 3)
  g(2:n, 3) = g(1:n-1, 2)**2
end subroutine sections
