! Sensitivities of a heat-equation data misfit by reverse-mode automatic
! differentiation: zad differentiates the MLIR kernel heat_gradient.mlir and
! the program checks the derivatives against central finite differences.
!
! The inverse problem: the temperature u(x, T) of a rod is observed at time
! T; which initial temperature u0(x) and diffusivity kappa explain it?
!
!   u_t = kappa u_xx on [0, 1], u = 0 at both ends, explicit time steps,
!   J(u0, kappa) = 1/2 int (u(x, T) - u_obs(x))^2 dx   (heat_gradient.mlir).
!
! The observations are the exact solution at T for u0 = sin(pi x) +
! 0.5 sin(3 pi x) and kappa = 1; the guess lacks the sin(3 pi x) mode and
! has kappa = 0.8. One call of the gradient returns J, dJ/dkappa and the
! whole field dJ/du0(x) (the adjoint state at t = 0), for about the cost of
! a few simulations; finite differences need two simulations per number.
!
! Run from this directory (it opens heat_gradient.mlir). Exits with a
! non-zero status if a derivative and its finite difference disagree.
program heat_gradient
   use, intrinsic :: iso_c_binding, only: c_ptr, c_double
   use, intrinsic :: ieee_arithmetic, only: ieee_is_nan
   use zad
   implicit none

   integer, parameter :: dp = c_double
   integer, parameter :: n = 51               ! grid points, both ends included
   integer, parameter :: steps = 200
   real(dp), parameter :: dx = 1.0_dp/(n - 1)
   real(dp), parameter :: dt = 1.0e-4_dp      ! r = kappa dt / dx^2 = 0.25 kappa
   real(dp), parameter :: t_final = steps*dt
   real(dp), parameter :: kappa_true = 1.0_dp
   real(dp), parameter :: pi = acos(-1.0_dp)
   ! Central differences of J, a polynomial in u0 and kappa, are exact to
   ! O(h^2) and rounding; with these steps both stay below 1e-8 relative.
   real(dp), parameter :: h_u = 1.0e-4_dp, h_kappa = 1.0e-5_dp
   real(dp), parameter :: tolerance = 1.0e-6_dp
   ! The points at which dJ/du0 is compared one by one.
   real(dp), parameter :: probes(5) = [0.1_dp, 0.3_dp, 0.5_dp, 0.7_dp, 0.9_dp]

   ! TARGET: zad keeps the addresses of everything pushed or bound until
   ! the call.
   real(dp), target :: u0(n), du0(n), u_obs(n)
   real(dp), target :: kappa, misfit, dmisfit_dkappa
   real(dp) :: x(n), direction(n), work(n)
   real(dp) :: fd, fd_directional, ad_directional, error, worst
   type(c_ptr) :: context, module, primal, gradient, args
   integer :: i, k

   x = [(real(i - 1, dp)*dx, i = 1, n)]
   u_obs = exp(-pi**2*kappa_true*t_final)*sin(pi*x) + 0.5_dp*exp(-9*pi**2*kappa_true*t_final)*sin(3*pi*x)
   u_obs(1) = 0
   u_obs(n) = 0
   u0 = sin(pi*x)
   u0(1) = 0
   u0(n) = 0
   kappa = 0.8_dp

   call zad_check(zad_context_new(context), 'creating a zad context')
   call zad_check(zad_load(context, 'heat_gradient.mlir', module), 'loading heat_gradient.mlir')
   call zad_check(zad_function(module, 'heat_misfit', primal), 'compiling @heat_misfit')
   ! @heat_misfit(%u0: memref<?xf64>, %kappa: f64, %u_obs: memref<?xf64>,
   !              %dt: f64, %dx: f64, %steps: index) -> f64
   call zad_check(zad_gradient(module, 'heat_misfit', &
                               [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST, ZAD_CONST, ZAD_CONST, ZAD_CONST], gradient), &
                  'differentiating @heat_misfit')
   call zad_check(zad_args_new(args), 'creating an argument list')

   ! ------------------------------------------------ one reverse-mode call
   ! Arguments: u0 and its shadow du0 (zeroed: the gradient is added to it),
   ! then the others; results: J, then dJ/dkappa (kappa is ZAD_ACTIVE).
   du0 = 0
   call zad_check(zad_push(args, u0), 'passing u0')
   call zad_check(zad_push(args, du0), 'passing the shadow of u0')
   call zad_check(zad_push(args, kappa), 'passing kappa')
   call zad_check(zad_push(args, u_obs), 'passing u_obs')
   call zad_check(zad_push(args, dt), 'passing dt')
   call zad_check(zad_push(args, dx), 'passing dx')
   call zad_check(zad_push_index(args, steps), 'passing the number of steps')
   call zad_check(zad_result(args, misfit), 'binding J')
   call zad_check(zad_result(args, dmisfit_dkappa), 'binding dJ/dkappa')
   call zad_check(zad_function_call(gradient, args), 'running the gradient of @heat_misfit')

   print '(a)', 'Sensitivities of a heat-equation misfit by reverse-mode AD (zad '//zad_version_string()// &
      ', kernel heat_gradient.mlir)'
   print '(a)', ''
   print '(a, i0, a, i0, a, f6.4)', '  u_t = kappa u_xx on [0, 1], u = 0 at both ends: ', n, ' points, ', steps, &
      ' explicit steps to T = ', t_final
   print '(a)', '  observed u_obs(x) = u(x, T) for u0 = sin(pi x) + 0.5 sin(3 pi x), kappa = 1 (exact solution)'
   print '(a, f4.2)', '  guess u0 = sin(pi x), kappa = ', kappa
   print '(a, es20.12)', '  misfit J = 1/2 int (u(x, T) - u_obs(x))^2 dx =', misfit
   print '(a)', ''
   print '(a)', '  derivative          reverse mode (zad)    central difference  relative error'

   ! ------------------------------------------------- finite differences
   worst = 0
   fd = (misfit_of(u0, kappa + h_kappa) - misfit_of(u0, kappa - h_kappa))/(2*h_kappa)
   call compare('dJ/dkappa', dmisfit_dkappa, fd)
   do k = 1, size(probes)
      i = 1 + nint(probes(k)/dx)
      work = u0
      work(i) = u0(i) + h_u
      fd = misfit_of(work, kappa)
      work(i) = u0(i) - h_u
      fd = (fd - misfit_of(work, kappa))/(2*h_u)
      call compare('dJ/du0(x='//fixed(x(i))//')', du0(i), fd)
   end do
   ! Every component at once: the derivative along a direction w(x).
   direction = sin(5*pi*x) + x*(1 - x)
   ad_directional = dot_product(du0, direction)
   fd_directional = (misfit_of(u0 + h_u*direction, kappa) - misfit_of(u0 - h_u*direction, kappa))/(2*h_u)
   call compare('dJ/du0.w', ad_directional, fd_directional)

   print '(a)', ''
   print '(a)', '  (w(x) = sin(5 pi x) + x (1 - x): dJ/du0.w = sum_i dJ/du0(i) w(i), all points at once)'
   if (dmisfit_dkappa < 0) then
      print '(a)', '  since dJ/dkappa < 0, a larger diffusivity fits the observations better (they used kappa = 1)'
   else
      print '(a)', '  since dJ/dkappa > 0, a smaller diffusivity fits the observations better'
   end if
   print '(a, f4.2, a)', '  in the interior |dJ/du0| is largest at x = ', x(1 + maxloc(abs(du0(2:n - 1)), 1)), &
      ', where the residual u(x, T) - u_obs(x) peaks;'
   print '(a, 2es11.3, a)', '  at the ends dJ/du0 =', du0(1), du0(n), &
      ': the scheme holds u there for all t, so they act as sources'
   print '(a, es9.2, a, es7.1, a)', 'max relative difference vs finite-difference reference: ', worst, &
      ' (tolerance ', tolerance, ')'

   call zad_args_free(args)
   call zad_function_free(gradient)
   call zad_function_free(primal)
   call zad_module_free(module)
   call zad_context_free(context)

   if (.not. (worst <= tolerance)) then
      print '(a)', 'FAILED: reverse mode and finite differences disagree'
      error stop 1
   end if
   print '(a)', 'OK'

contains

   !> J(u, kappa) by the primal kernel, run through zad.
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
      call zad_check(zad_function_call(primal, call_args), 'running @heat_misfit')
      call zad_args_free(call_args)
      j = result
   end function

   !> Prints one row of the table and keeps the worst relative error.
   subroutine compare(what, derivative, reference)
      character(len=*), intent(in) :: what
      real(dp), intent(in) :: derivative, reference
      character(len=18) :: label
      error = abs(derivative - reference)/max(abs(reference), tiny(1.0_dp))
      ! A NaN must fail the check, not vanish in max().
      if (ieee_is_nan(error)) error = huge(1.0_dp)
      worst = max(worst, error)
      label = what
      print '(2x, a18, 2es22.13, es16.2)', label, derivative, reference, error
   end subroutine

   !> x as 'd.dd'.
   function fixed(value) result(text)
      real(dp), intent(in) :: value
      character(len=4) :: text
      write (text, '(f4.2)') value
   end function

end program heat_gradient
