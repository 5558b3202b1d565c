! A REAL(4) code: a smoothing stencil in single precision, with a real(4)
! result and real(4) literals.
!
! GRAD: smooth4
! ARG: array 20 -1 1
! ARG: int 20
! ARG: scalar 0.1 0.3
function smooth4(u, n, alpha) result(r)
  implicit none
  integer, intent(in) :: n
  real(4), intent(in) :: u(n), alpha
  real(4) :: r, v(n)
  integer :: i
  v = u
  do i = 2, n - 1
    v(i) = u(i) + alpha*(u(i-1) - 2.0*u(i) + u(i+1))
  end do
  r = 0.0
  do i = 1, n
    r = r + v(i)**2 + 0.1*sin(v(i))
  end do
end function smooth4
