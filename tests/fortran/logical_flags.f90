! A logical argument switching a correction on, logical local variables,
! and .AND./.OR./.NOT. in the control flow.
!
! GRAD: corrected
! ARG: array 10 -1 1
! ARG: int 10
! ARG: int 1
! ARG: scalar 0.1 0.5
function corrected(x, n, use_correction, eps) result(s)
  implicit none
  integer, intent(in) :: n
  real(8), intent(in) :: x(n), eps
  integer, intent(in) :: use_correction
  real(8) :: s
  logical :: correct, positive
  integer :: i
  correct = use_correction /= 0
  s = 0
  do i = 1, n
    positive = x(i) > 0
    if (correct .and. .not. positive) then
      s = s + eps*x(i)**2
    else if (positive .or. i == 1) then
      s = s + x(i)
    end if
  end do
end function corrected
