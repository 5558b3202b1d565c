! A viscous Burgers solver as a simulation code has it: upwind advection,
! central diffusion, a step routine and the misfit of a run to
! observations. burgers_descent.f90 runs it and has zad differentiate
! burgers_misfit from this file.
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
