! Nonlinear diffusion with a conductivity k(u) = k0 (1 + beta u**2) at
! cell faces, an explicit time loop, and the final state returned in
! place (INTENT(INOUT)).
!
! GRAD: conduct
! ARG: array 18 0 1
! ARG: int 18
! ARG: scalar 0.5 1.0
! ARG: scalar 0.1 0.5
! ARG: scalar 0.01 0.02
! ARG: int 15
subroutine conduct(u, n, k0, beta, dt, nsteps)
  implicit none
  integer, intent(in) :: n, nsteps
  real(8), intent(inout) :: u(n)
  real(8), intent(in) :: k0, beta, dt
  real(8) :: flux(n + 1), kface
  integer :: i, step
  do step = 1, nsteps
    flux(1) = 0
    flux(n + 1) = 0
    do i = 2, n
      kface = k0*(1 + beta*(0.5d0*(u(i) + u(i-1)))**2)
      flux(i) = -kface*(u(i) - u(i-1))
    end do
    do i = 1, n
      u(i) = u(i) - dt*(flux(i+1) - flux(i))
    end do
  end do
end subroutine conduct
