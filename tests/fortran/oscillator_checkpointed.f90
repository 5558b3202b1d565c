! A damped nonlinear oscillator integrated with a time loop marked for
! binomial checkpointing: the gradient recomputes steps from snapshots.
!
! GRAD: oscillator
! ARG: scalar 0.5 1.0
! ARG: scalar -0.5 0.5
! ARG: scalar 0.05 0.2
! ARG: scalar 0.5 1.5
! ARG: int 200
function oscillator(x0, v0, damping, stiffness, nsteps) result(energy)
  implicit none
  real(8), intent(in) :: x0, v0, damping, stiffness
  integer, intent(in) :: nsteps
  real(8) :: energy, x, v, a
  real(8), parameter :: dt = 0.01d0
  integer :: step
  x = x0
  v = v0
  !$zad checkpoint binomial snapshots(6)
  do step = 1, nsteps
    a = -stiffness*x - 0.5d0*x**3 - damping*v
    v = v + dt*a
    x = x + dt*v
  end do
  energy = 0.5d0*v**2 + 0.5d0*stiffness*x**2 + 0.125d0*x**4
end function oscillator
