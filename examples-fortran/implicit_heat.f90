! Sensitivities of an implicit heat-equation misfit whose time step is a
! Fortran routine with a hand-written Fortran adjoint.
!
! The kernel implicit_heat.mlir steps u_t = kappa u_xx (u = 0 at both
! ends) by backward Euler: each step solves a tridiagonal system, and that
! solve stays in Fortran (implicit_step below, the Thomas algorithm). The
! program registers it with zad as a foreign function (zad_register_function)
! and registers its adjoint (zad_register_derivative), both bind(C)
! procedures. zad differentiates the rest of the kernel (the misfit, the
! parameter r = kappa dt / dx^2) and, reversing the time loop, calls the
! Fortran adjoint once per step.
!
! The step maps u to v = M^-1 u (interior), M = I - r T, T = tridiag(1, -2, 1);
! so for a seed vbar the adjoint is ubar = M^-1 vbar (M is symmetric: the
! same solve) and rbar = ubar . (T v).
!
! Run from this directory (it opens implicit_heat.mlir). Exits with a
! non-zero status if a derivative and its finite difference disagree.
module implicit_step_routines
   use, intrinsic :: iso_c_binding
   use zad, only: zad_memref_1d, zad_memref_values
   implicit none
   integer :: adjoint_calls = 0
contains
   !> Solves the tridiagonal system with sub-diagonal a, diagonal b and
   !> super-diagonal c for the right-hand side d, in place (Thomas).
   subroutine tridiagonal_solve(a, b, c, d)
      real(c_double), intent(in) :: a(:), b(:), c(:)
      real(c_double), intent(inout) :: d(:)
      real(c_double) :: c_prime(size(d)), m
      integer :: i, n
      n = size(d)
      if (n == 0) return
      c_prime(1) = c(1)/b(1)
      d(1) = d(1)/b(1)
      do i = 2, n
         m = b(i) - a(i)*c_prime(i - 1)
         c_prime(i) = c(i)/m
         d(i) = (d(i) - a(i)*d(i - 1))/m
      end do
      do i = n - 1, 1, -1
         d(i) = d(i) - c_prime(i)*d(i + 1)
      end do
   end subroutine

   !> v = (I - r T)^-1 u on the interior of u, in place; u = 0 at the ends.
   subroutine solve_step(values, r)
      real(c_double), intent(inout) :: values(:)
      real(c_double), intent(in) :: r
      integer :: m
      m = size(values) - 2
      if (m < 1) return
      block
         real(c_double) :: off(m), diagonal(m)
         off = -r
         diagonal = 1 + 2*r
         call tridiagonal_solve(off, diagonal, off, values(2:m + 1))
      end block
      values(1) = 0
      values(size(values)) = 0
   end subroutine

   !> The foreign function @implicit_step(memref<?xf64>, f64).
   subroutine implicit_step(u, r) bind(C)
      type(zad_memref_1d), intent(in) :: u
      real(c_double), value :: r
      real(c_double), pointer :: values(:)
      call zad_memref_values(u, values)
      call solve_step(values, r)
   end subroutine

   !> Its adjoint: (u, ubar, r) -> rbar, with u as it was before the step
   !> and ubar holding the adjoint of the step's result, which it replaces
   !> by the adjoint of the step's input (u is overwritten by the step).
   function implicit_step_adjoint(u, du, r) bind(C) result(dr)
      type(zad_memref_1d), intent(in) :: u, du
      real(c_double), value :: r
      real(c_double) :: dr
      real(c_double), pointer :: values(:), shadow(:)
      real(c_double), allocatable :: v(:), tv(:)
      integer :: n
      adjoint_calls = adjoint_calls + 1
      call zad_memref_values(u, values)
      call zad_memref_values(du, shadow)
      n = size(values)
      v = values
      call solve_step(v, r)                 ! the step's result
      shadow(1) = 0                         ! the ends are overwritten with 0
      shadow(n) = 0
      call solve_step(shadow, r)            ! ubar = M^-T vbar = M^-1 vbar
      allocate (tv(n))
      tv = 0
      tv(2:n - 1) = v(1:n - 2) - 2*v(2:n - 1) + v(3:n)
      dr = dot_product(shadow, tv)          ! rbar = ubar . (T v)
   end function
end module

program implicit_heat
   use, intrinsic :: iso_c_binding
   use, intrinsic :: ieee_arithmetic, only: ieee_is_nan
   use zad
   use implicit_step_routines
   implicit none

   integer, parameter :: dp = c_double
   integer, parameter :: n = 41
   integer, parameter :: steps = 40
   real(dp), parameter :: dx = 1.0_dp/(n - 1)
   real(dp), parameter :: dt = 2.0e-3_dp     ! r = kappa dt / dx^2 = 3.2 kappa: implicit, so stable
   real(dp), parameter :: t_final = steps*dt
   real(dp), parameter :: pi = acos(-1.0_dp)
   real(dp), parameter :: h = 1.0e-5_dp, tolerance = 1.0e-6_dp
   real(dp), parameter :: probes(3) = [0.2_dp, 0.5_dp, 0.8_dp]

   real(dp), target :: u0(n), du0(n), u_obs(n)
   real(dp), target :: kappa, misfit, dmisfit_dkappa
   real(dp) :: x(n), direction(n), work(n), fd, error, worst
   type(c_ptr) :: context, module, primal, gradient, args
   integer :: i, k

   x = [(real(i - 1, dp)*dx, i = 1, n)]
   u_obs = exp(-pi**2*t_final)*sin(pi*x) + 0.3_dp*exp(-9*pi**2*t_final)*sin(3*pi*x)
   u_obs(1) = 0
   u_obs(n) = 0
   u0 = sin(pi*x) + 0.2_dp*sin(2*pi*x)
   u0(1) = 0
   u0(n) = 0
   kappa = 0.8_dp

   call zad_check(zad_context_new(context), 'creating a zad context')
   call zad_check(zad_register_function(context, 'implicit_step', c_funloc(implicit_step)), &
                  'registering the Fortran step implicit_step')
   call zad_check(zad_register_derivative(context, 'implicit_step', c_funloc(implicit_step_adjoint), c_null_funptr), &
                  'registering its Fortran adjoint')
   call zad_check(zad_load(context, 'implicit_heat.mlir', module), 'loading implicit_heat.mlir')
   call zad_check(zad_function(module, 'implicit_misfit', primal), 'compiling @implicit_misfit')
   call zad_check(zad_gradient(module, 'implicit_misfit', &
                               [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST, ZAD_CONST, ZAD_CONST, ZAD_CONST], gradient), &
                  'differentiating @implicit_misfit')

   du0 = 0
   call zad_check(zad_args_new(args), 'creating an argument list')
   call zad_check(zad_push(args, u0), 'passing u0')
   call zad_check(zad_push(args, du0), 'passing the shadow of u0')
   call zad_check(zad_push(args, kappa), 'passing kappa')
   call zad_check(zad_push(args, u_obs), 'passing u_obs')
   call zad_check(zad_push(args, dt), 'passing dt')
   call zad_check(zad_push(args, dx), 'passing dx')
   call zad_check(zad_push_index(args, steps), 'passing the number of steps')
   call zad_check(zad_result(args, misfit), 'binding J')
   call zad_check(zad_result(args, dmisfit_dkappa), 'binding dJ/dkappa')
   call zad_check(zad_function_call(gradient, args), 'running the gradient of @implicit_misfit')

   print '(a)', 'Sensitivities of an implicit heat-equation misfit (zad '//zad_version_string()// &
      ', kernel implicit_heat.mlir, step and adjoint in Fortran)'
   print '(a)', ''
   print '(a, i0, a, i0, a, f5.3)', '  backward Euler, ', n, ' points, ', steps, ' steps to T = ', t_final
   print '(a, i0, a)', '  the Fortran adjoint implicit_step_adjoint ran ', adjoint_calls, ' times (once per step)'
   print '(a, es20.12)', '  misfit J =', misfit
   print '(a)', ''
   print '(a)', '  derivative          reverse mode (zad)    central difference  relative error'

   worst = 0
   fd = (misfit_of(u0, kappa + h) - misfit_of(u0, kappa - h))/(2*h)
   call compare('dJ/dkappa', dmisfit_dkappa, fd)
   do k = 1, size(probes)
      i = 1 + nint(probes(k)/dx)
      work = u0
      work(i) = u0(i) + h
      fd = misfit_of(work, kappa)
      work(i) = u0(i) - h
      fd = (fd - misfit_of(work, kappa))/(2*h)
      call compare('dJ/du0(x='//fixed(x(i))//')', du0(i), fd)
   end do
   direction = sin(5*pi*x) + x*(1 - x)
   fd = (misfit_of(u0 + h*direction, kappa) - misfit_of(u0 - h*direction, kappa))/(2*h)
   call compare('dJ/du0.w', dot_product(du0, direction), fd)
   print '(a, es9.2, a, es7.1, a)', 'max relative difference vs finite-difference reference: ', worst, &
      ' (tolerance ', tolerance, ')'

   call zad_args_free(args)
   call zad_function_free(gradient)
   call zad_function_free(primal)
   call zad_module_free(module)
   call zad_context_free(context)

   if (adjoint_calls /= steps) then
      print '(a)', 'FAILED: the Fortran adjoint did not run once per step'
      error stop 1
   end if
   if (.not. (worst <= tolerance)) then
      print '(a)', 'FAILED: reverse mode and finite differences disagree'
      error stop 1
   end if
   print '(a)', 'OK'

contains

   !> J(u, kappa) by the primal kernel (which calls the Fortran step).
   function misfit_of(u, kappa) result(j)
      real(dp), intent(in) :: u(n), kappa
      real(dp) :: j
      real(dp), target :: u_copy(n), result
      type(c_ptr) :: call_args
      u_copy = u
      call zad_check(zad_args_new(call_args), 'creating an argument list')
      call zad_check(zad_push(call_args, u_copy), 'passing u0')
      call zad_check(zad_push(call_args, kappa), 'passing kappa')
      call zad_check(zad_push(call_args, u_obs), 'passing u_obs')
      call zad_check(zad_push(call_args, dt), 'passing dt')
      call zad_check(zad_push(call_args, dx), 'passing dx')
      call zad_check(zad_push_index(call_args, steps), 'passing the number of steps')
      call zad_check(zad_result(call_args, result), 'binding J')
      call zad_check(zad_function_call(primal, call_args), 'running @implicit_misfit')
      call zad_args_free(call_args)
      j = result
   end function

   subroutine compare(what, derivative, reference)
      character(len=*), intent(in) :: what
      real(dp), intent(in) :: derivative, reference
      character(len=18) :: label
      error = abs(derivative - reference)/max(abs(reference), tiny(1.0_dp))
      if (ieee_is_nan(error)) error = huge(1.0_dp)
      worst = max(worst, error)
      label = what
      print '(2x, a18, 2es22.13, es16.2)', label, derivative, reference, error
   end subroutine

   function fixed(value) result(text)
      real(dp), intent(in) :: value
      character(len=4) :: text
      write (text, '(f4.2)') value
   end function

end program implicit_heat
