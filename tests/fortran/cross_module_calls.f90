! A routine in one module calling module procedures of another (a kinetic
! energy and a BLAS-1 style update), with assumed-shape arguments passed
! along.
!
! GRAD: physics::total_energy
! ARG: array 10 -1 1
! ARG: array 10 -1 1
! ARG: scalar 0.5 2.0
module blas1
  implicit none
contains
  subroutine axpy(alpha, x, y)
    real(8), intent(in) :: alpha, x(:)
    real(8), intent(inout) :: y(:)
    y = y + alpha*x
  end subroutine axpy
  real(8) function norm2sq(x)
    real(8), intent(in) :: x(:)
    norm2sq = dot_product(x, x)
  end function norm2sq
end module blas1

module physics
  use blas1
  implicit none
contains
  function total_energy(q, p, mass) result(e)
    real(8), intent(in) :: q(:), p(:), mass
    real(8) :: e
    real(8) :: qs(size(q))
    qs = q
    call axpy(0.5d0/mass, p, qs)
    e = 0.5d0*norm2sq(p)/mass + 0.5d0*norm2sq(qs)
  end function total_energy
end module physics
