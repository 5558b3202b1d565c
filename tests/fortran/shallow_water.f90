! 1-D shallow water with the Lax-Friedrichs scheme on a periodic domain
! (neighbours through MOD), two coupled fields, a time loop over a step
! subroutine of a module that holds the gravity as a module variable.
!
! GRAD: swe::swe_run
! ARG: array 16 0.9 1.1
! ARG: array 16 -0.1 0.1
! ARG: int 16
! ARG: int 12
! ARG: scalar 0.01 0.02
module swe
  implicit none
  real(8) :: gravity = 9.81d0
contains
  subroutine lax_friedrichs(h, hu, n, lambda)
    integer, intent(in) :: n
    real(8), intent(inout) :: h(n), hu(n)
    real(8), intent(in) :: lambda
    real(8) :: hn(n), hun(n), fl(2), fr(2)
    integer :: i, il, ir
    do i = 1, n
      il = mod(i - 2 + n, n) + 1
      ir = mod(i, n) + 1
      fl(1) = hu(il)
      fl(2) = hu(il)**2/h(il) + 0.5d0*gravity*h(il)**2
      fr(1) = hu(ir)
      fr(2) = hu(ir)**2/h(ir) + 0.5d0*gravity*h(ir)**2
      hn(i) = 0.5d0*(h(il) + h(ir)) - 0.5d0*lambda*(fr(1) - fl(1))
      hun(i) = 0.5d0*(hu(il) + hu(ir)) - 0.5d0*lambda*(fr(2) - fl(2))
    end do
    h = hn
    hu = hun
  end subroutine lax_friedrichs

  subroutine swe_run(h, hu, n, nsteps, lambda)
    integer, intent(in) :: n, nsteps
    real(8), intent(inout) :: h(n), hu(n)
    real(8), intent(in) :: lambda
    integer :: step
    do step = 1, nsteps
      call lax_friedrichs(h, hu, n, lambda)
    end do
  end subroutine swe_run
end module swe
