! Arrays with lower bounds other than 1 (ghost cells at 0 and n+1), an
! explicit-shape dummy and a local array indexed from -1.
!
! GRAD: ghost_average
! ARG: array 14 -1 1
! ARG: int 12
function ghost_average(u, n) result(avg)
  implicit none
  integer, intent(in) :: n
  real(8), intent(in) :: u(0:n+1)
  real(8) :: avg, w(-1:1)
  integer :: i, k
  w(-1) = 0.25d0
  w(0) = 0.5d0
  w(1) = 0.25d0
  avg = 0
  do i = 1, n
    do k = -1, 1
      avg = avg + w(k)*u(i + k)**2
    end do
  end do
  avg = avg/n
end function ghost_average
