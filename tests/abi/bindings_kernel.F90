! A Fortran kernel for the bindings tests: zad converts this file itself
! (zad_load_fortran, zad::Context::load_fortran), with SCALE defined on
! the options string, since it is preprocessed (.F90).
module bindings_kernels
  implicit none
contains
  !> SCALE * sum(w * a**2) over an n x m array.
  function weighted_square(a, w, n, m) result(s)
    integer, intent(in) :: n, m
    real(8), intent(in) :: a(n, m), w(n, m)
    real(8) :: s
    s = SCALE*sum(w*a**2)
  end function weighted_square
end module bindings_kernels
