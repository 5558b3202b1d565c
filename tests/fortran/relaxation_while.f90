! A fixed-point relaxation run until the update is small, as a DO WHILE
! marked for online checkpointing (its number of steps is known only at
! the end).
!
! GRAD: relax
! ARG: array 8 0 1
! ARG: int 8
! ARG: scalar 0.3 0.6
function relax(b, n, omega) result(r)
  implicit none
  integer, intent(in) :: n
  real(8), intent(in) :: b(n), omega
  real(8) :: r, change, x(n), xn(n)
  integer :: i, iterations
  x = 0
  change = 1
  iterations = 0
  !$zad checkpoint online snapshots(3)
  do while (change > 1.0d-10 .and. iterations < 500)
    do i = 1, n
      xn(i) = (1 - omega)*x(i) + omega*(b(i) + 0.25d0*cos(x(i)))
    end do
    change = maxval(abs(xn - x))
    x = xn
    iterations = iterations + 1
  end do
  r = sum(x**2)
end function relax
