! Masked array assignment (WHERE / ELSEWHERE), FORALL and DO CONCURRENT,
! as modernised codes write clipping and updates.
!
! GRAD: masked_update
! ARG: array 24 -1 1
! ARG: array 24 -1 1
! ARG: int 24
! ARG: scalar 0.2 0.4
subroutine masked_update(u, v, n, limit)
  implicit none
  integer, intent(in) :: n
  real(8), intent(inout) :: u(n)
  real(8), intent(in) :: v(n), limit
  real(8) :: w(n)
  integer :: i
  where (abs(v) > limit)
    w = sign(limit, v)
  elsewhere
    w = v
  end where
  forall (i = 2:n-1) u(i) = u(i) + 0.5d0*(w(i-1) + w(i+1))
  do concurrent (i = 1:n)
    u(i) = u(i)*exp(-0.1d0*w(i)**2)
  end do
end subroutine masked_update
