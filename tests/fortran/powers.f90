! Integer and real exponents, integer arithmetic, NINT, INT and conversions
! between kinds, as in empirical correlations.
!
! GRAD: correlation
! ARG: scalar 0.5 2.0
! ARG: scalar 0.5 2.0
! ARG: int 3
function correlation(re, pr, order) result(nu)
  implicit none
  real(8), intent(in) :: re, pr
  integer, intent(in) :: order
  real(8) :: nu, term
  integer :: k, m
  m = order**2 - 2*order + 1
  nu = 0.023d0*re**0.8d0*pr**0.4d0
  do k = 1, order
    term = re**k/real(k*k + m, 8) + pr**(-k)
    nu = nu + term*0.5d0**k
  end do
  nu = nu + real(nint(2.6d0) + int(3.9d0), 8)*1.0d-2 + dble(2**order)*1.0d-3
end function correlation
