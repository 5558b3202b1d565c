! Internal procedures that read and update their host's variables (host
! association), called in a loop.
!
! GRAD: accumulate_energy
! ARG: array 11 -1 1
! ARG: int 11
! ARG: scalar 0.5 2.0
function accumulate_energy(x, n, scale) result(total)
  implicit none
  integer, intent(in) :: n
  real(8), intent(in) :: x(n), scale
  real(8) :: total, running
  integer :: i
  total = 0
  running = 1
  do i = 1, n
    call add_term(x(i))
  end do
  total = total + running
contains
  subroutine add_term(v)
    real(8), intent(in) :: v
    running = running*(1 + 0.1d0*v)
    total = total + scale*penalty(v)
  end subroutine add_term
  real(8) function penalty(v)
    real(8), intent(in) :: v
    penalty = v**2/(1 + v**2)
  end function penalty
end function accumulate_energy
