! Red-black Gauss-Seidel sweeps for a Poisson problem: loops starting at
! an offset that alternates with the row (MOD), stride 2.
!
! GRAD: red_black
! ARG: array 9x9 0 0.1
! ARG: array 9x9 -1 1
! ARG: int 9
! ARG: int 4
subroutine red_black(u, f, n, sweeps)
  implicit none
  integer, intent(in) :: n, sweeps
  real(8), intent(inout) :: u(n, n)
  real(8), intent(in) :: f(n, n)
  real(8) :: h2
  integer :: i, j, s, colour
  h2 = 1.0d0/(n - 1)**2
  do s = 1, sweeps
    do colour = 0, 1
      do j = 2, n - 1
        do i = 2 + mod(j + colour, 2), n - 1, 2
          u(i, j) = 0.25d0*(u(i-1, j) + u(i+1, j) + u(i, j-1) + u(i, j+1) - h2*f(i, j))
        end do
      end do
    end do
  end do
end subroutine red_black
