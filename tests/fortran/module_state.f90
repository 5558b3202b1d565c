! Model coefficients kept as module variables (set by an init routine in
! the real code, initialised here) and a PARAMETER table, used by a
! routine of another module: globals and constant arrays.
!
! GRAD: model::predict
! ARG: array 10 -1 1
! ARG: int 10
! ARG: scalar 0.5 1.5
module coefficients
  implicit none
  real(8) :: damping = 0.3d0
  real(8) :: offsets(4) = [0.1d0, -0.2d0, 0.3d0, -0.4d0]
  real(8), parameter :: weights(4) = [1.0d0, 0.5d0, 0.25d0, 0.125d0]
end module coefficients

module model
  use coefficients
  implicit none
contains
  function predict(x, n, gain) result(y)
    integer, intent(in) :: n
    real(8), intent(in) :: x(n), gain
    real(8) :: y
    integer :: i, k
    y = 0
    do i = 1, n
      k = mod(i - 1, 4) + 1
      y = y + weights(k)*tanh(gain*x(i) + offsets(k))*exp(-damping*i)
    end do
  end function predict
end module model
