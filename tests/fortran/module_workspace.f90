! A module work array used as scratch space by a routine and the helper it
! calls: the derivative flows through a module variable.
!
! GRAD: work::smoothed_energy
! ARG: array 12 -1 1
! ARG: int 12
! ARG: scalar 0.1 0.4
module work
  implicit none
  integer, parameter :: capacity = 64
  real(8) :: buffer(capacity)
  real(8) :: last_energy = 0
contains
  subroutine fill(x, n, alpha)
    integer, intent(in) :: n
    real(8), intent(in) :: x(n), alpha
    integer :: i
    buffer(1) = x(1)
    buffer(n) = x(n)
    do i = 2, n - 1
      buffer(i) = x(i) + alpha*(x(i-1) - 2*x(i) + x(i+1))
    end do
  end subroutine fill

  function smoothed_energy(x, n, alpha) result(e)
    integer, intent(in) :: n
    real(8), intent(in) :: x(n), alpha
    real(8) :: e
    call fill(x, n, alpha)
    e = sum(buffer(1:n)**2)
    last_energy = e
  end function smoothed_energy
end module work
