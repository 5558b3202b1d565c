! The model of the flagship example (heat2d_adjoint.f90), as a simulation
! code would write it: a time step routine and the misfit of a run. The
! program calls these routines itself, compiled by gfortran, and zad
! differentiates heat_misfit from this very file.
!
!   u_t = kappa (u_xx + u_yy) on [0, 1]^2, u = 0 on the boundary,
!   explicit five-point steps; J(u0, kappa) = 1/2 h^2 sum_ij (u_ij(T) - u_obs_ij)^2.
module heat2d
   implicit none
   integer, parameter :: dp = kind(1.0d0)

contains

   !> One explicit step on the interior of u; r = kappa dt / h^2.
   subroutine heat_step(u, n, r)
      integer, intent(in) :: n
      real(dp), intent(inout) :: u(n, n)
      real(dp), intent(in) :: r
      real(dp) :: v(2:n - 1, 2:n - 1)
      integer :: i, j
      do j = 2, n - 1
         do i = 2, n - 1
            v(i, j) = u(i, j) + r*(u(i - 1, j) + u(i + 1, j) + u(i, j - 1) + u(i, j + 1) - 4*u(i, j))
         end do
      end do
      u(2:n - 1, 2:n - 1) = v
   end subroutine heat_step

   !> The misfit to the observations u_obs after `steps` steps from u0.
   function heat_misfit(u0, kappa, u_obs, dt, h, n, steps) result(misfit)
      integer, intent(in) :: n, steps
      real(dp), intent(in) :: u0(n, n), kappa, u_obs(n, n), dt, h
      real(dp) :: misfit
      real(dp) :: u(n, n)
      integer :: step
      u = u0
      ! For zad: keep snapshots of the state within 50 MB and recompute the
      ! steps in between, rather than tape all of them.
      !$zad checkpoint binomial budget(50000000)
      do step = 1, steps
         call heat_step(u, n, kappa*dt/h**2)
      end do
      misfit = 0.5_dp*h**2*sum((u - u_obs)**2)
   end function heat_misfit

end module heat2d
