! Viscous Burgers equation, upwind advection and central diffusion, inside
! a solver module with the step as a module procedure and the misfit as
! the function the optimiser differentiates.
!
! GRAD: solver::burgers_misfit
! ARG: array 32 0.2 1.0
! ARG: int 32
! ARG: int 20
! ARG: scalar 0.01 0.03
! ARG: scalar 0.001 0.01
! ARG: array 32 0.2 1.0
module solver
  implicit none
  integer, parameter :: dp = kind(1.0d0)
contains
  subroutine burgers_step(u, un, n, dt, nu)
    integer, intent(in) :: n
    real(dp), intent(in) :: u(n), dt, nu
    real(dp), intent(out) :: un(n)
    integer :: i
    real(dp) :: flux, diffusion
    un(1) = u(1)
    un(n) = u(n)
    do i = 2, n - 1
      if (u(i) > 0) then
        flux = u(i)*(u(i) - u(i-1))
      else
        flux = u(i)*(u(i+1) - u(i))
      end if
      diffusion = nu*(u(i+1) - 2*u(i) + u(i-1))
      un(i) = u(i) - dt*flux + dt*diffusion
    end do
  end subroutine burgers_step

  function burgers_misfit(u0, n, nsteps, dt, nu, uobs) result(j)
    integer, intent(in) :: n, nsteps
    real(dp), intent(in) :: u0(n), dt, nu, uobs(n)
    real(dp) :: j
    real(dp) :: u(n), un(n)
    integer :: step
    u = u0
    do step = 1, nsteps
      call burgers_step(u, un, n, dt, nu)
      u = un
    end do
    j = 0.5_dp*sum((u - uobs)**2)
  end function burgers_misfit
end module solver
