! Array-valued functions (fixed and run-time sizes) and a generic
! interface, called from the routine differentiated: a cross product and
! norms of vector expressions.
!
! GRAD: geometry::torque_norm
! ARG: array 3 -1 1
! ARG: array 3 -1 1
! ARG: scalar 0.5 2.0
module geometry
  implicit none
  interface norm
    module procedure norm3
  end interface
contains
  pure function cross(a, b) result(c)
    real(8), intent(in) :: a(3), b(3)
    real(8) :: c(3)
    c(1) = a(2)*b(3) - a(3)*b(2)
    c(2) = a(3)*b(1) - a(1)*b(3)
    c(3) = a(1)*b(2) - a(2)*b(1)
  end function cross

  pure real(8) function norm3(v)
    real(8), intent(in) :: v(3)
    norm3 = sqrt(sum(v**2))
  end function norm3

  function scaled(x, n, s) result(y)
    integer, intent(in) :: n
    real(8), intent(in) :: x(n), s
    real(8) :: y(n)
    y = s*x
  end function scaled

  function torque_norm(r, f, s) result(t)
    real(8), intent(in) :: r(3), f(3), s
    real(8) :: t
    t = norm(cross(r, f)) + norm(r + f) + sum(scaled(r, 3, s)**2)
  end function torque_norm
end module geometry
