! Jacobi sweeps for Laplace's equation on a rectangle: the boundary values
! are the input, the interior starts at zero, and the energy of the result
! is returned. An automatic work array holds the new iterate.
!
! GRAD: jacobi_energy
! ARG: array 9x7 -1 1
! ARG: int 9
! ARG: int 7
! ARG: int 15
function jacobi_energy(phi, nx, ny, sweeps) result(e)
  implicit none
  integer, intent(in) :: nx, ny, sweeps
  real(8), intent(in) :: phi(nx, ny)
  real(8) :: e
  real(8) :: p(nx, ny), q(nx, ny)
  integer :: i, j, k
  p = phi
  p(2:nx-1, 2:ny-1) = 0.0d0
  do k = 1, sweeps
    q = p
    do j = 2, ny - 1
      do i = 2, nx - 1
        q(i, j) = 0.25d0*(p(i-1, j) + p(i+1, j) + p(i, j-1) + p(i, j+1))
      end do
    end do
    p = q
  end do
  e = 0.0d0
  do j = 1, ny
    do i = 1, nx
      e = e + p(i, j)**2
    end do
  end do
end function jacobi_energy
