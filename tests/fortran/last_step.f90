! A fixed-step integration that also reports the step it last used: in the
! loop, a variable is assigned a value computed before the loop (the
! pattern of "last value" bookkeeping in solvers).
!
! GRAD: decay_report
! ARG: scalar 0.5 1.5
! ARG: scalar 0.5 2.0
! ARG: scalar 0.5 1.0
! ARG: int 20
function decay_report(y0, rate, t_final, n) result(r)
  implicit none
  real(8), intent(in) :: y0, rate, t_final
  integer, intent(in) :: n
  real(8) :: r, y, dt, dt_used
  integer :: i
  dt = t_final/n
  y = y0
  dt_used = 0
  do i = 1, n
    y = y - dt*rate*y
    dt_used = dt
  end do
  r = y + 10*dt_used
end function decay_report
