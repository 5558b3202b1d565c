! RK4 integration of the Lorenz-63 system, the right-hand side an internal
! subroutine that reads the parameters from its host.
!
! GRAD: lorenz_final
! ARG: array 3 -1 1
! ARG: scalar 9.5 10.5
! ARG: scalar 27.5 28.5
! ARG: scalar 2.5 2.8
! ARG: int 40
function lorenz_final(y0, sigma, rho, beta, nsteps) result(z)
  implicit none
  real(8), intent(in) :: y0(3), sigma, rho, beta
  integer, intent(in) :: nsteps
  real(8) :: z
  real(8) :: y(3), k1(3), k2(3), k3(3), k4(3)
  real(8), parameter :: dt = 0.01d0
  integer :: step
  y = y0
  do step = 1, nsteps
    call rhs(y, k1)
    call rhs(y + 0.5d0*dt*k1, k2)
    call rhs(y + 0.5d0*dt*k2, k3)
    call rhs(y + dt*k3, k4)
    y = y + dt/6.0d0*(k1 + 2*k2 + 2*k3 + k4)
  end do
  z = y(1) + 2*y(2) + 3*y(3)
contains
  subroutine rhs(s, ds)
    real(8), intent(in) :: s(3)
    real(8), intent(out) :: ds(3)
    ds(1) = sigma*(s(2) - s(1))
    ds(2) = s(1)*(rho - s(3)) - s(2)
    ds(3) = s(1)*s(2) - beta*s(3)
  end subroutine rhs
end function lorenz_final
