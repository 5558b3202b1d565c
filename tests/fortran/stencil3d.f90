! A 7-point Laplacian on a 3-D grid with Dirichlet boundaries, applied a
! few times: rank-3 arrays in Fortran order, triple loops with the first
! index innermost.
!
! GRAD: diffuse3d
! ARG: array 6x5x4 -1 1
! ARG: int 6
! ARG: int 5
! ARG: int 4
! ARG: scalar 0.05 0.15
! ARG: int 3
subroutine diffuse3d(u, nx, ny, nz, alpha, steps)
  implicit none
  integer, intent(in) :: nx, ny, nz, steps
  real(8), intent(inout) :: u(nx, ny, nz)
  real(8), intent(in) :: alpha
  real(8), allocatable :: v(:, :, :)
  integer :: i, j, k, s
  allocate (v(nx, ny, nz))
  do s = 1, steps
    v = u
    do k = 2, nz - 1
      do j = 2, ny - 1
        do i = 2, nx - 1
          v(i, j, k) = u(i, j, k) + alpha*(u(i-1, j, k) + u(i+1, j, k) + u(i, j-1, k) &
                       + u(i, j+1, k) + u(i, j, k-1) + u(i, j, k+1) - 6*u(i, j, k))
        end do
      end do
    end do
    u = v
  end do
  deallocate (v)
end subroutine diffuse3d
