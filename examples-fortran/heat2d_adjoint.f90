! The adjoint of a long 2-D heat simulation in bounded memory: zad
! differentiates the program's own Fortran model (heat2d_kernel.f90, which
! the program also calls itself) from source, with binomial checkpointing
! of its time loop, and the program checks the gradient against central
! finite differences of the model it runs natively.
!
! The inverse problem: a plate's temperature u(x, y, T) is observed at time
! T; which initial temperature u0(x, y) and diffusivity kappa explain it?
!
!   u_t = kappa (u_xx + u_yy) on [0, 1]^2, u = 0 on the boundary,
!   explicit five-point steps; J(u0, kappa) = 1/2 int (u(T) - u_obs)^2.
!
! One reverse-mode call returns J, dJ/dkappa and the whole field dJ/du0.
! Taping all 10^5 steps would take many GB (the program measures a step's
! tape and prints the total); instead zad keeps snapshots of the state (the
! grid, 80 kB) within a 50 MB budget and recomputes the steps in between
! from the nearest one (revolve: the fewest recomputations possible for
! that many snapshots), taping one step at a time in reverse.
!
! The time loop carries a directive comment for zad, `!$zad checkpoint
! binomial budget(50000000)`; the program asks for its own budget (the
! third argument) for the loop on that line, which overrides it.
!
! Usage: heat2d_adjoint [STEPS [N [BUDGET_BYTES]]] (defaults 100000, 100,
! 50000000: 10^5 steps on a 100 x 100 grid within 50 MB). Run from this
! directory (zad reads heat2d_kernel.f90). Exits with a non-zero status if
! a derivative and its finite difference disagree or the run broke its
! memory budget.
program heat2d_adjoint
   use, intrinsic :: iso_c_binding, only: c_ptr, c_double, c_int32_t, c_int64_t
   use, intrinsic :: iso_fortran_env, only: int64, error_unit
   use zad
   use heat2d, only: heat_misfit
   implicit none

   integer, parameter :: dp = c_double
   character(len=*), parameter :: kernel_file = 'heat2d_kernel.f90'
   real(dp), parameter :: t_final = 0.02_dp, kappa_true = 1.0_dp
   ! Central differences of J: J is quadratic in u0 (the equation is
   ! linear), so the difference quotient in u0 is exact up to rounding and
   ! a large step keeps rounding small; in kappa the O(h^2) truncation
   ! error is below 1e-8 relative.
   real(dp), parameter :: h_u = 1.0e-2_dp, h_kappa = 1.0e-4_dp
   real(dp), parameter :: tolerance = 1.0e-6_dp

   ! TARGET: zad keeps the addresses of everything pushed or bound until
   ! the call.
   real(dp), allocatable, target :: u0(:, :), du0(:, :), u_obs(:, :), direction(:, :)
   real(dp), target :: kappa, misfit, dmisfit_dkappa, dt, h
   real(dp) :: fd, worst, t_primal, t_native, t_gradient, step_tape_bytes, state_bytes
   integer(int64) :: steps, budget, optimum, repetition
   integer :: n, line, i, j, k
   integer :: probes(2, 3)
   type(c_ptr) :: context, module, plain, primal, gradient, taped
   type(zad_stats) :: stats
   character(len=32) :: argument

   steps = 100000
   n = 100
   budget = 50000000
   if (command_argument_count() >= 1) then
      call get_command_argument(1, argument)
      read (argument, *) steps
   end if
   if (command_argument_count() >= 2) then
      call get_command_argument(2, argument)
      read (argument, *) n
   end if
   if (command_argument_count() >= 3) then
      call get_command_argument(3, argument)
      read (argument, *) budget
   end if

   h = 1.0_dp/(n - 1)
   dt = t_final/real(steps, dp)
   if (kappa_true*dt/h**2 > 0.25_dp) then
      write (error_unit, '(a)') 'heat2d_adjoint: too few steps for this grid (unstable: kappa dt / h^2 > 1/4)'
      error stop 2
   end if
   allocate (u0(n, n), du0(n, n), u_obs(n, n), direction(n, n))
   call initial_and_observed(u0, u_obs)
   kappa = 0.8_dp
   state_bytes = 8.0_dp*n*n

   call zad_check(zad_context_new(context), 'creating a zad context')
   ! zad converts the Fortran source of the model with flang.
   call zad_check(zad_load_fortran(context, kernel_file, module), 'loading '//kernel_file)
   line = time_loop_line()
   call zad_check(zad_function(module, 'heat_misfit', primal), 'compiling heat_misfit')
   ! heat_misfit(u0, kappa, u_obs, dt, h, n, steps): d/du0 (an array with a
   ! shadow) and d/dkappa (a scalar); the rest are constants.
   call zad_check(zad_gradient_checkpointed(module, 'heat_misfit', &
                                            [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST, ZAD_CONST, ZAD_CONST, ZAD_CONST, ZAD_CONST], &
                                            [zad_checkpoint(line=line, budget_bytes=budget)], gradient), &
                  'differentiating heat_misfit with checkpointing')
   ! For comparison, a fully taped gradient: the same source, its !$zad
   ! directive ignored.
   call zad_check(zad_load_fortran(context, kernel_file, plain, '-fno-zad-directives'), 'loading '//kernel_file)
   call zad_check(zad_gradient(plain, 'heat_misfit', [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST, ZAD_CONST, ZAD_CONST, ZAD_CONST, &
                                                      ZAD_CONST], taped), 'differentiating heat_misfit, fully taped')

   print '(a)', 'The adjoint of a 2-D heat simulation with checkpointing (zad '//zad_version_string()// &
      ', model '//kernel_file//' differentiated from source)'
   print '(a)', ''
   print '(a, i0, a, i0, a, i0, a, f5.3, a, es8.2)', '  u_t = kappa (u_xx + u_yy) on [0, 1]^2: ', n, ' x ', n, &
      ' grid, ', steps, ' explicit steps to T = ', t_final, ', kappa dt / h^2 = ', kappa*dt/h**2
   print '(a)', '  observed: a spread-out blob off centre (kappa = 1); guess: a blob at the centre, kappa = 0.8'

   ! ------------------------------------------------- the full tape's size
   ! A short taped run measures the tape of one step (the difference
   ! between 20 and 10 steps, so that the misfit's own tape cancels).
   step_tape_bytes = real(taped_peak(20_int64) - taped_peak(10_int64), dp)/10
   print '(a, f8.1, a, i0, a, f8.2, a)', '  a fully taped gradient: ', step_tape_bytes/1e3_dp, ' kB of tape per step x ', &
      steps, ' steps = ', step_tape_bytes*steps/1e9_dp, ' GB'
   print '(a, f6.1, a, f6.1, a, i0, a)', '  checkpointed instead: snapshots of the ', state_bytes/1e3_dp, &
      ' kB state within ', budget/1e6_dp, ' MB (', budget/int(state_bytes, int64), ' snapshots)'

   ! ------------------------------------------------- primal and gradient
   t_native = elapsed_native()
   t_primal = elapsed_primal()
   call zad_check(zad_stats_take(stats), 'resetting the statistics')
   t_gradient = elapsed_gradient()
   call zad_check(zad_stats_take(stats), 'reading the statistics')

   optimum = optimal_advances(steps, budget/int(state_bytes, int64), repetition)
   print '(a)', ''
   print '(a, es20.12)', '  misfit J = 1/2 int (u(T) - u_obs)^2 =', misfit
   print '(a, i0, a, i0, a)', '  steps reversed (each taped once): ', stats%reversed_steps, ' of ', steps, ' steps'
   ! zad counts the plain steps of the forward sweep but its last one, and
   ! every recomputation.
   print '(a, i0, a, i0, a, i0, a, f5.2, a)', '  plain forward steps: ', stats%forward_steps, ' (forward sweep ', &
      steps - 1, ' + recomputed ', stats%forward_steps - (steps - 1), '; ', real(stats%forward_steps, dp)/steps, &
      ' per step)'
   print '(a, i0, a, i0, a, i0, a)', '  revolve''s optimum p(n, s) = ', optimum, ' (repetition number ', repetition, &
      '), and ', stats%forward_steps - optimum, ' to rebuild the last state'
   print '(a, i0, a, i0, a, f7.2, a)', '  snapshots: ', stats%snapshot_writes, ' written, at most ', &
      stats%snapshots_held, ' held (', stats%peak_snapshot_bytes/1e6_dp, ' MB)'
   print '(a, f7.3, a)', '  peak tape: ', stats%peak_tape_bytes/1e6_dp, ' MB (one step''s and the misfit''s)'
   print '(a, f7.3, a, f7.3, a)', '  primal: ', t_native, ' s compiled by gfortran, ', t_primal, ' s by zad'
   print '(a, f7.3, a, f7.3, a, f6.2)', '  time: primal ', t_primal, ' s, gradient ', t_gradient, &
      ' s, gradient / primal = ', t_gradient/t_primal

   ! ------------------------------------------------- finite differences
   print '(a)', ''
   print '(a)', '  derivative             reverse mode (zad)       central difference  relative error'
   worst = 0
   fd = (misfit_of(u0, kappa + h_kappa) - misfit_of(u0, kappa - h_kappa))/(2*h_kappa)
   call compare('dJ/dkappa', dmisfit_dkappa, fd)
   ! Grid points: the centre and two points on the flanks of the blobs.
   probes = reshape([n/2, n/2, (2*n)/5, (3*n)/5, (3*n)/5, n/3], [2, 3])
   do k = 1, 2
      i = probes(1, k)
      j = probes(2, k)
      fd = (misfit_of(u0 + h_u*unit(i, j), kappa) - misfit_of(u0 - h_u*unit(i, j), kappa))/(2*h_u)
      call compare('dJ/du0('//fixed(i)//','//fixed(j)//')', du0(i, j), fd)
   end do
   ! Every component at once: the derivative along a smooth direction w.
   do j = 1, n
      do i = 1, n
         direction(i, j) = sin(3*acos(-1.0_dp)*(i - 1)*h)*sin(2*acos(-1.0_dp)*(j - 1)*h)
      end do
   end do
   fd = (misfit_of(u0 + h_u*direction, kappa) - misfit_of(u0 - h_u*direction, kappa))/(2*h_u)
   call compare('dJ/du0.w', sum(du0*direction), fd)
   print '(a)', '  (w = sin(3 pi x) sin(2 pi y): dJ/du0.w = sum_ij dJ/du0(i, j) w(i, j), all points at once)'
   print '(a, es9.2, a, es7.1, a)', 'max relative difference vs finite-difference reference: ', worst, &
      ' (tolerance ', tolerance, ')'

   call zad_function_free(taped)
   call zad_function_free(gradient)
   call zad_function_free(primal)
   call zad_module_free(plain)
   call zad_module_free(module)
   call zad_context_free(context)

   if (stats%reversed_steps /= steps .or. stats%peak_snapshot_bytes > budget .or. stats%forward_steps < optimum) then
      print '(a)', 'FAILED: the checkpointing statistics are not those of the schedule'
      error stop 1
   end if
   if (.not. (worst <= tolerance)) then
      print '(a)', 'FAILED: reverse mode and finite differences disagree'
      error stop 1
   end if
   print '(a)', 'OK'

contains

   !> The guess u0 (a blob at the centre) and the observations (a wider,
   !> lower blob off centre: a Gaussian of width 0.1 at (0.55, 0.45) spread
   !> by kappa = 1 up to T, as on an infinite plate), zero on the boundary.
   subroutine initial_and_observed(u0, u_obs)
      real(dp), intent(out) :: u0(:, :), u_obs(:, :)
      real(dp) :: x, y, width2, spread2
      integer :: i, j
      width2 = 0.1_dp**2
      spread2 = width2 + 2*kappa_true*t_final
      do j = 1, n
         do i = 1, n
            x = (i - 1)*h
            y = (j - 1)*h
            u0(i, j) = exp(-((x - 0.5_dp)**2 + (y - 0.5_dp)**2)/(2*width2))
            u_obs(i, j) = width2/spread2*exp(-((x - 0.55_dp)**2 + (y - 0.45_dp)**2)/(2*spread2))
         end do
      end do
      u0(1, :) = 0
      u0(n, :) = 0
      u0(:, 1) = 0
      u0(:, n) = 0
   end subroutine

   !> The line of the time loop in the model's source: the DO statement
   !> after the `!$zad checkpoint` directive.
   function time_loop_line() result(line)
      integer :: line
      character(len=256) :: text
      integer :: unit, iostat
      open (newunit=unit, file=kernel_file, status='old', action='read')
      line = 0
      do
         read (unit, '(a)', iostat=iostat) text
         if (iostat /= 0) error stop 'heat2d_kernel.f90: no !$zad checkpoint directive'
         line = line + 1
         if (index(text, '!$zad checkpoint') > 0) exit
      end do
      close (unit)
      line = line + 1
   end function

   !> p(n, s), the fewest forward steps that reverse n steps with s
   !> snapshots (revolve): with t the smallest integer such that
   !> C(s + t, s) >= n, p = t n - C(s + t, s + 1).
   function optimal_advances(n, s, t) result(p)
      integer(int64), intent(in) :: n, s
      integer(int64), intent(out) :: t
      integer(int64) :: p, beta
      t = 0
      beta = 1
      do while (beta < n)
         t = t + 1
         beta = beta*(s + t)/t
      end do
      p = max(t*n - beta*t/(s + 1), 0_int64)
   end function

   !> Runs the model as compiled by gfortran once; its time in seconds.
   function elapsed_native() result(seconds)
      real(dp) :: seconds
      integer(int64) :: start, finish, rate
      call system_clock(start, rate)
      misfit = heat_misfit(u0, kappa, u_obs, dt, h, n, int(steps))
      call system_clock(finish)
      seconds = real(finish - start, dp)/rate
   end function

   !> Runs the primal zad compiled once and returns its time in seconds;
   !> sets misfit (which must be the model's, to rounding).
   function elapsed_primal() result(seconds)
      real(dp) :: seconds
      real(dp), target :: result
      type(c_ptr) :: args
      integer(int64) :: start, finish, rate
      call zad_check(zad_args_new(args), 'creating an argument list')
      call zad_check(zad_push(args, u0), 'passing u0')
      call zad_check(zad_push(args, kappa), 'passing kappa')
      call zad_check(zad_push(args, u_obs), 'passing u_obs')
      call zad_check(zad_push(args, dt), 'passing dt')
      call zad_check(zad_push(args, h), 'passing h')
      call zad_check(zad_push(args, int(n, c_int32_t)), 'passing n')
      call zad_check(zad_push(args, int(steps, c_int32_t)), 'passing the number of steps')
      call zad_check(zad_result(args, result), 'binding J')
      call system_clock(start, rate)
      call zad_check(zad_function_call(primal, args), 'running heat_misfit')
      call system_clock(finish)
      seconds = real(finish - start, dp)/rate
      if (abs(result - misfit) > 1e-12_dp*abs(misfit)) then
         print '(a, 2es24.16)', 'FAILED: zad''s J differs from the model''s:', result, misfit
         error stop 1
      end if
      misfit = result
      call zad_args_free(args)
   end function

   !> One call of the checkpointed gradient, timed: J, dJ/dkappa, dJ/du0.
   function elapsed_gradient() result(seconds)
      real(dp) :: seconds
      real(dp) :: primal_misfit
      type(c_ptr) :: args
      integer(int64) :: start, finish, rate
      primal_misfit = misfit
      du0 = 0
      call zad_check(zad_args_new(args), 'creating an argument list')
      call zad_check(zad_push(args, u0), 'passing u0')
      call zad_check(zad_push(args, du0), 'passing the shadow of u0')
      call zad_check(zad_push(args, kappa), 'passing kappa')
      call zad_check(zad_push(args, u_obs), 'passing u_obs')
      call zad_check(zad_push(args, dt), 'passing dt')
      call zad_check(zad_push(args, h), 'passing h')
      call zad_check(zad_push(args, int(n, c_int32_t)), 'passing n')
      call zad_check(zad_push(args, int(steps, c_int32_t)), 'passing the number of steps')
      call zad_check(zad_result(args, misfit), 'binding J')
      call zad_check(zad_result(args, dmisfit_dkappa), 'binding dJ/dkappa')
      call system_clock(start, rate)
      call zad_check(zad_function_call(gradient, args), 'running the gradient of heat_misfit')
      call system_clock(finish)
      seconds = real(finish - start, dp)/rate
      call zad_args_free(args)
      ! The same operations in the same order: the same J, to rounding.
      if (abs(misfit - primal_misfit) > 1e-12_dp*abs(primal_misfit)) then
         print '(a, 2es24.16)', 'FAILED: the gradient''s J differs from the primal''s:', misfit, primal_misfit
         error stop 1
      end if
   end function

   !> The peak tape of the fully taped gradient over `count` steps.
   function taped_peak(count) result(bytes)
      integer(int64), intent(in) :: count
      integer(c_int64_t) :: bytes
      real(dp), allocatable, target :: u(:, :), du(:, :)
      real(dp), target :: j_value, dj_dkappa
      type(c_ptr) :: args
      type(zad_stats) :: taped_stats
      allocate (u(n, n), du(n, n))
      u = u0
      du = 0
      call zad_check(zad_args_new(args), 'creating an argument list')
      call zad_check(zad_push(args, u), 'passing u0')
      call zad_check(zad_push(args, du), 'passing the shadow of u0')
      call zad_check(zad_push(args, kappa), 'passing kappa')
      call zad_check(zad_push(args, u_obs), 'passing u_obs')
      call zad_check(zad_push(args, dt), 'passing dt')
      call zad_check(zad_push(args, h), 'passing h')
      call zad_check(zad_push(args, int(n, c_int32_t)), 'passing n')
      call zad_check(zad_push(args, int(count, c_int32_t)), 'passing the number of steps')
      call zad_check(zad_result(args, j_value), 'binding J')
      call zad_check(zad_result(args, dj_dkappa), 'binding dJ/dkappa')
      call zad_check(zad_stats_take(taped_stats), 'resetting the statistics')
      call zad_check(zad_function_call(taped, args), 'running the taped gradient of heat_misfit')
      call zad_check(zad_stats_take(taped_stats), 'reading the statistics')
      bytes = taped_stats%peak_tape_bytes
      call zad_args_free(args)
   end function

   !> J(u, kappa) by the model itself, compiled by gfortran.
   function misfit_of(u, kappa) result(j)
      real(dp), intent(in) :: u(:, :), kappa
      real(dp) :: j
      j = heat_misfit(u, kappa, u_obs, dt, h, n, int(steps))
   end function

   !> The n x n field that is 1 at (i, j) and 0 elsewhere.
   function unit(i, j) result(e)
      integer, intent(in) :: i, j
      real(dp) :: e(n, n)
      e = 0
      e(i, j) = 1
   end function

   !> Prints one row of the table and updates the worst relative error.
   subroutine compare(label, derivative, reference)
      character(len=*), intent(in) :: label
      real(dp), intent(in) :: derivative, reference
      real(dp) :: error
      error = abs(derivative - reference)/abs(reference)
      worst = max(worst, error)
      print '(2x, a18, 2es25.16, es12.2)', label, derivative, reference, error
   end subroutine

   function fixed(i) result(text)
      integer, intent(in) :: i
      character(len=:), allocatable :: text
      character(len=12) :: buffer
      write (buffer, '(i0)') i
      text = trim(buffer)
   end function

end program heat2d_adjoint
