! A 2-D heat equation written with DO CONCURRENT, as modernised codes
! write their loops for every core or a GPU: each step a stencil over the
! interior into a work array (two index variables, and a scalar each
! iteration assigns before using it), then a copy back, with a nonlinear
! source; a DO CONCURRENT whose iterations read a scalar the previous one
! assigned (run in sequence); the misfit of the final state. zad converts
! the first two into parallel loops (scf.parallel) and differentiates them
! as such.
!
! GRAD: concurrent_heat
! ARG: array 8x6 -1 1
! ARG: int 8
! ARG: int 6
! ARG: scalar 0.05 0.2
! ARG: int 4
function concurrent_heat(u0, nx, ny, r, steps) result(misfit)
  implicit none
  integer, intent(in) :: nx, ny, steps
  real(8), intent(in) :: u0(nx, ny), r
  real(8) :: misfit
  real(8) :: u(nx, ny), w(nx, ny), t, lap
  integer :: i, j, k
  u = u0
  w = u0
  do k = 1, steps
    do concurrent (j = 2:ny-1, i = 2:nx-1)
      lap = u(i-1, j) + u(i+1, j) + u(i, j-1) + u(i, j+1) - 4.0d0*u(i, j)
      w(i, j) = u(i, j) + r*lap + 0.1d0*sin(u(i, j))
    end do
    do concurrent (j = 2:ny-1, i = 2:nx-1)
      u(i, j) = w(i, j)
    end do
  end do
  t = 0.0d0
  do concurrent (i = 1:nx)
    t = t*0.5d0 + u(i, ny)
    u(i, 1) = t
  end do
  misfit = 0.5d0*sum((u - 0.25d0)**2)
end function concurrent_heat
