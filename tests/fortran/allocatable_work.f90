! Local ALLOCATABLE work arrays, allocated to the problem size, whole-
! array assignment to them (which allocates on assignment too), and
! explicit DEALLOCATE.
!
! GRAD: smooth_energy
! ARG: array 25 -1 1
! ARG: int 25
! ARG: int 4
function smooth_energy(u, n, passes) result(e)
  implicit none
  integer, intent(in) :: n, passes
  real(8), intent(in) :: u(n)
  real(8) :: e
  real(8), allocatable :: w(:), tmp(:)
  integer :: i, p
  allocate (w(n))
  w = u
  do p = 1, passes
    tmp = w
    do i = 2, n - 1
      w(i) = 0.25d0*tmp(i-1) + 0.5d0*tmp(i) + 0.25d0*tmp(i+1)
    end do
    deallocate (tmp)
  end do
  e = sum(w**2)
  deallocate (w)
end function smooth_energy
