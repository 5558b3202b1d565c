! Norms and statistics of a field with the array intrinsics a modern
! module uses: DOT_PRODUCT, SUM, MAXVAL, MINVAL, SIZE and SQRT on
! assumed-shape arrays.
!
! GRAD: stats::weighted_score
! ARG: array 17 -2 2
! ARG: array 17 0.5 1.5
module stats
  implicit none
contains
  function weighted_score(x, w) result(score)
    real(8), intent(in) :: x(:), w(:)
    real(8) :: score, mean, spread
    mean = dot_product(w, x)/sum(w)
    spread = sqrt(sum(w*(x - mean)**2)/sum(w))
    score = mean + 0.1d0*spread + 0.01d0*maxval(x) - 0.01d0*minval(x) + size(x)*1.0d-3
  end function weighted_score
end module stats
