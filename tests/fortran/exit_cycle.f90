! A running sum that skips negative entries (CYCLE) and stops when it
! passes a threshold (EXIT): the loop structure of many search codes.
!
! GRAD: capped_sum
! ARG: array 30 -1 1
! ARG: int 30
! ARG: scalar 3.0 4.0
function capped_sum(a, n, cap) result(s)
  implicit none
  integer, intent(in) :: n
  real(8), intent(in) :: a(n), cap
  real(8) :: s
  integer :: i
  s = 0
  do i = 1, n
    if (a(i) < 0) cycle
    s = s + a(i)**2
    if (s > cap) exit
  end do
  s = s + 0.5d0*cap
end function capped_sum
