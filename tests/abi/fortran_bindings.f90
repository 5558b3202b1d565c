! Every part of bindings/fortran/zad.f90, against the kernels of
! bindings.mlir: each generic specific of zad_push and zad_result, arrays
! of rank 1 to 3 (whole, sections, negative strides, empty), the error
! path, returned arrays, the raw entry point, gradients (zad_gradient) and
! checkpointed gradients (zad_gradient_checkpointed, zad_stats_take).
!
! Prints one line per check and "all N checks passed", or exits non-zero.
! Run from this directory. With the argument `zad_check-failure` it instead
! calls zad_check on a failing status, which must stop the program with a
! non-zero status and zad's message on standard error.
program fortran_bindings
   use, intrinsic :: iso_c_binding, only: c_ptr, c_funptr, c_null_ptr, c_null_char, c_associated, c_f_procpointer, &
      c_double, c_float, c_int32_t, c_int64_t, c_size_t
   use zad
   implicit none

   abstract interface
      ! _mlir_ciface_twice: f64 -> f64, scalars by value (zad.h).
      function twice_interface(x) bind(C)
         import :: c_double
         real(c_double), value :: x
         real(c_double) :: twice_interface
      end function
   end interface

   integer :: checks = 0, failures = 0
   type(c_ptr) :: context, module, args
   character(len=32) :: mode

   if (command_argument_count() > 0) then
      call get_command_argument(1, mode)
      if (mode == 'zad_check-failure') call zad_check_failure()
      error stop 'fortran_bindings: unknown argument'
   end if

   call zad_check(zad_context_new(context), 'creating a context')
   call zad_check(zad_load(context, 'bindings.mlir', module), 'loading bindings.mlir')
   call zad_check(zad_args_new(args), 'creating an argument list')

   call check(len(zad_version_string()) > 0 .and. index(zad_version_string(), '.') > 0, 'zad_version_string')
   call check(zad_last_error_message() == '', 'no error message before the first failure')
   call test_scalars()
   call test_rank1()
   call test_rank2()
   call test_rank3()
   call test_empty()
   call test_errors()
   call test_returned_array()
   call test_entry_point()
   call test_gradients()
   call test_checkpointing()
   call test_fortran_source()
   call test_c_source()

   call zad_args_free(args)
   call zad_module_free(module)
   call zad_context_free(context)

   if (failures > 0) then
      print '(i0, a, i0, a)', failures, ' of ', checks, ' checks FAILED'
      error stop 1
   end if
   print '(a, i0, a)', 'all ', checks, ' checks passed'

contains

   subroutine check(condition, what)
      logical, intent(in) :: condition
      character(len=*), intent(in) :: what
      checks = checks + 1
      if (condition) then
         print '(a)', 'ok    '//what
      else
         failures = failures + 1
         print '(a)', 'FAIL  '//what
      end if
   end subroutine

   !> The compiled function name of the test module.
   function kernel(name) result(function)
      character(len=*), intent(in) :: name
      type(c_ptr) :: function
      call zad_check(zad_function(module, name, function), 'compiling @'//name)
   end function

   !> Calls name with one array argument pushed by push_and_call's caller
   !> and one result; the list is cleared first by the caller.
   subroutine call_kernel(name)
      character(len=*), intent(in) :: name
      type(c_ptr) :: function
      function = kernel(name)
      call zad_check(zad_function_call(function, args), 'calling @'//name)
      call zad_function_free(function)
   end subroutine

   ! ---------------------------------------------------------- gradients
   subroutine test_gradients()
      real(c_double), target :: x(3, 2), dx(3, 2), big(5, 4), dbig(5, 4), weights(3, 2)
      real(c_double), target :: w, value, dw
      type(c_ptr) :: gradient
      integer(c_size_t) :: num_args, num_results
      integer(c_int32_t) :: status
      integer :: i, j

      ! @weighted_squares2: w * sum_ij (i + 10 j + 1) x[i, j]^2 (0-based
      ! indices), column-major; dx = 2 w weights x, dw = sum(weights x^2).
      weights = reshape([((real(i + 10*j + 1, c_double), i = 0, 2), j = 0, 1)], [3, 2])
      x = reshape([1, 2, 3, 4, 5, 6], [3, 2])
      w = 0.5_c_double
      call zad_check(zad_gradient(module, 'weighted_squares2', [ZAD_DUP, ZAD_ACTIVE], gradient), &
                     'zad_gradient of @weighted_squares2')
      call zad_check(zad_function_arity(gradient, num_args, num_results), 'zad_function_arity')
      call check(num_args == 4 .and. num_results == 2, 'zad_gradient arity: x, its shadow, w, a seed; J and dJ/dw')

      dx = 0
      value = -1
      dw = -1
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, x), 'zad_push x')
      call zad_check(zad_push(args, dx), 'zad_push its shadow')
      call zad_check(zad_push(args, w), 'zad_push w')
      call zad_check(zad_result(args, value), 'zad_result J')
      call zad_check(zad_result(args, dw), 'zad_result dJ/dw')
      call zad_check(zad_function_call(gradient, args), 'calling the gradient')
      call check(value == w*sum(weights*x**2) .and. dw == sum(weights*x**2), 'zad_gradient: J and dJ/dw (ZAD_ACTIVE)')
      call check(all(dx == 2*w*weights*x), 'zad_gradient: dJ/dx in a column-major shadow (ZAD_DUP)')

      ! Again, without zeroing: the gradient is added.
      call zad_check(zad_function_call(gradient, args), 'calling the gradient again')
      call check(all(dx == 4*w*weights*x), 'the shadow accumulates')

      ! Sections of larger arrays for x and its shadow, and an explicit seed.
      big = 0
      dbig = 0
      big(2:4, 2:3) = x
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, big(2:4, 2:3)), 'zad_push a section')
      call zad_check(zad_push(args, dbig(2:4, 2:3)), 'zad_push a section of the shadow')
      call zad_check(zad_push(args, w), 'zad_push w')
      call zad_check(zad_push(args, 3.0_c_double), 'zad_push the seed')
      call zad_check(zad_result(args, value), 'zad_result J')
      call zad_check(zad_result(args, dw), 'zad_result dJ/dw')
      call zad_check(zad_function_call(gradient, args), 'calling the gradient on sections')
      call check(value == w*sum(weights*x**2) .and. dw == 3*sum(weights*x**2) .and. &
                 all(dbig(2:4, 2:3) == 6*w*weights*x) .and. sum(abs(dbig)) == sum(abs(6*w*weights*x)), &
                 'zad_gradient on array sections, seed 3; nothing outside the sections written')
      call zad_function_free(gradient)

      ! Errors: the handle stays NULL and the message says what was wrong.
      status = zad_gradient(module, 'weighted_squares2', [ZAD_DUP, 5_c_int32_t], gradient)
      call check(status == ZAD_INVALID_ARGUMENT .and. .not. c_associated(gradient) .and. &
                 index(zad_last_error_message(), 'the activity of argument 2 is 5') > 0, 'zad_gradient: an unknown activity code')
      status = zad_gradient(module, 'weighted_squares2', [ZAD_DUP, ZAD_DUP], gradient)
      call check(status == ZAD_SIGNATURE_ERROR .and. .not. c_associated(gradient) .and. &
                 index(zad_last_error_message(), 'cannot be ''dup''') > 0, 'zad_gradient: ZAD_DUP for a scalar')
      status = zad_gradient(module, 'no_such_kernel  ', [integer(c_int32_t) ::], gradient)
      call check(status == ZAD_NOT_FOUND .and. .not. c_associated(gradient) .and. &
                 index(zad_last_error_message(), '@no_such_kernel ') > 0, &
                 'zad_gradient: an unknown name (trimmed), no activities')
   end subroutine

   ! ------------------------------------------------------- checkpointing
   ! @decay_steps: 8 steps x <- a x, J = sum_t sum_i (i + 1) x_t[i], with
   ! x0 = [1, 2, 3] and a = 1/2: S = 14, J = 14 (1 - 2**-8),
   ! dJ/dx0 = (i + 1) (1 - 2**-8), dJ/da = 14 * 251/64, all exact.
   subroutine test_checkpointing()
      real(c_double), target :: x(3), dx(3), value, da
      real(c_double), parameter :: geometric = 255.0_c_double/256
      real(c_double), parameter :: expected_j = 14*geometric, expected_da = 14*251.0_c_double/64
      real(c_double), parameter :: expected_dx(3) = [1, 2, 3]*geometric
      type(c_ptr) :: gradient, taped
      type(zad_stats) :: stats, taped_stats
      type(zad_checkpoint) :: entry
      integer(c_int32_t) :: status, line
      character(len=10), parameter :: no_calls(0) = [character(len=10) ::]

      call check(ZAD_CHECKPOINT_BINOMIAL == 0 .and. ZAD_CHECKPOINT_PERIODIC == 1, 'ZAD_CHECKPOINT_* codes')
      entry = zad_checkpoint(line=12, snapshots=5)
      call check(entry%line == 12 .and. entry%scheme == ZAD_CHECKPOINT_BINOMIAL .and. entry%snapshots == 5 .and. &
                 entry%budget_bytes == 0, 'zad_checkpoint(line=, snapshots=): the other components default')

      ! The fully taped gradient, for the statistics to compare with.
      call zad_check(zad_gradient(module, 'decay_steps', [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST], taped), &
                     'zad_gradient of @decay_steps')
      call run_decay(taped, x, dx, value, da)
      call zad_check(zad_stats_take(taped_stats), 'zad_stats_take')
      call check(value == expected_j .and. da == expected_da .and. all(dx == expected_dx) .and. &
                 taped_stats%forward_steps == 0 .and. taped_stats%reversed_steps == 0 .and. &
                 taped_stats%snapshot_writes == 0 .and. taped_stats%snapshots_held == 0 .and. taped_stats%peak_tape_bytes > 0, &
                 'zad_stats_take after a taped gradient: tape, no checkpointed steps')
      call zad_function_free(taped)

      ! Binomial, 2 snapshots, line 0 (every top-level scf.for: the time loop).
      call zad_check(zad_gradient_checkpointed(module, 'decay_steps', [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST], &
                                               [zad_checkpoint(line=0, snapshots=2)], gradient), &
                     'zad_gradient_checkpointed of @decay_steps')
      call run_decay(gradient, x, dx, value, da)
      call check(value == expected_j .and. da == expected_da .and. all(dx == expected_dx), &
                 'zad_gradient_checkpointed, binomial, 2 snapshots: J, dJ/da, dJ/dx0 exact')
      call zad_check(zad_stats_take(stats), 'zad_stats_take')
      ! p(8, 2) = 14 forward steps at least (revolve's optimum), each state
      ! is x (3 doubles) and the carried total: 32 bytes.
      call check(stats%reversed_steps == 8 .and. stats%forward_steps >= 14 .and. stats%forward_steps <= 14 + 8 .and. &
                 stats%snapshot_writes >= 2 .and. stats%snapshots_held == 2 .and. stats%peak_snapshot_bytes == 2*32 .and. &
                 stats%peak_tape_bytes < taped_stats%peak_tape_bytes, &
                 'zad_stats_take: 8 steps reversed, >= p(8, 2) = 14 forward, 2 snapshots of 32 bytes, less tape')
      call zad_check(zad_stats_take(stats), 'zad_stats_take')
      call check(stats%forward_steps == 0 .and. stats%reversed_steps == 0 .and. stats%peak_snapshot_bytes == 0, &
                 'zad_stats_take starts a new measurement')
      call zad_function_free(gradient)

      ! Periodic, every 3 steps, the loop named by its line; a budget; an
      ! empty call list.
      line = time_loop_line()
      call zad_check(zad_gradient_checkpointed(module, 'decay_steps', [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST], &
                                               [zad_checkpoint(line=line, scheme=ZAD_CHECKPOINT_PERIODIC, &
                                                               snapshots=3)], gradient, no_calls), &
                     'zad_gradient_checkpointed, periodic')
      call run_decay(gradient, x, dx, value, da)
      call zad_check(zad_stats_take(stats), 'zad_stats_take')
      call check(value == expected_j .and. da == expected_da .and. all(dx == expected_dx) .and. &
                 stats%reversed_steps == 8 .and. stats%snapshot_writes == 3 .and. stats%snapshots_held == 3 .and. &
                 stats%peak_snapshot_bytes == 3*32, &
                 'periodic every 3 steps at the loop''s line: exact, snapshots at steps 0, 3, 6')
      call zad_function_free(gradient)

      ! A budget of 100 bytes holds 3 snapshots of 32 bytes. The call list
      ! names a function @decay_steps does not call: it only has to cross.
      call zad_check(zad_gradient_checkpointed(module, 'decay_steps', [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST], &
                                               [zad_checkpoint(line=line, budget_bytes=100_c_int64_t)], gradient, &
                                               ['scale_and_weigh']), &
                     'zad_gradient_checkpointed, budget, a call list')
      call run_decay(gradient, x, dx, value, da)
      call zad_check(zad_stats_take(stats), 'zad_stats_take')
      call check(value == expected_j .and. da == expected_da .and. all(dx == expected_dx) .and. &
                 stats%reversed_steps == 8 .and. stats%peak_snapshot_bytes > 0 .and. &
                 stats%peak_snapshot_bytes <= 3*32, 'binomial within a budget of 100 bytes (and a call list): at most 3 snapshots')
      call zad_function_free(gradient)

      ! Errors: neither snapshots nor a budget; a periodic interval of 0.
      status = zad_gradient_checkpointed(module, 'decay_steps', [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST], &
                                         [zad_checkpoint(line=line)], gradient)
      call check(status == ZAD_INVALID_ARGUMENT .and. .not. c_associated(gradient) .and. &
                 index(zad_last_error_message(), 'loops[0]') > 0, &
                 'zad_gradient_checkpointed: binomial without snapshots or budget')
      status = zad_gradient_checkpointed(module, 'decay_steps', [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST], &
                                         [zad_checkpoint(line=line, snapshots=2), &
                                          zad_checkpoint(line=line, scheme=ZAD_CHECKPOINT_PERIODIC)], gradient)
      call check(status == ZAD_INVALID_ARGUMENT .and. .not. c_associated(gradient) .and. &
                 index(zad_last_error_message(), 'loops[1]') > 0, &
                 'zad_gradient_checkpointed: the second entry, periodic with interval 0')

      ! The raw interface, both lists absent (NULL): a plain gradient.
      status = zad_module_gradient_checkpointed(module, 'decay_steps'//c_null_char, &
                                                [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST], 3_c_size_t, &
                                                num_loops=0_c_size_t, num_calls=0_c_size_t, out=gradient)
      call check(status == ZAD_OK .and. c_associated(gradient), &
                 'zad_module_gradient_checkpointed with NULL lists')
      call run_decay(gradient, x, dx, value, da)
      call zad_check(zad_stats_take(stats), 'zad_stats_take')
      call check(value == expected_j .and. all(dx == expected_dx) .and. stats%reversed_steps == 0, &
                 'with no loops listed, nothing is checkpointed')
      call zad_function_free(gradient)

   end subroutine

   !> Runs a gradient of @decay_steps at x0 = [1, 2, 3], a = 1/2, 8 steps,
   !> into x, dx, value (J) and da.
   subroutine run_decay(function, x, dx, value, da)
      type(c_ptr), intent(in) :: function
      ! TARGET: zad keeps the addresses until the call, within this routine.
      real(c_double), intent(out), target :: x(3), dx(3), value, da
      x = [1, 2, 3]
      dx = 0
      value = -1
      da = -1
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, x), 'zad_push x')
      call zad_check(zad_push(args, dx), 'zad_push its shadow')
      call zad_check(zad_push(args, 0.5_c_double), 'zad_push a')
      call zad_check(zad_push_index(args, 8), 'zad_push_index steps')
      call zad_check(zad_result(args, value), 'zad_result J')
      call zad_check(zad_result(args, da), 'zad_result dJ/da')
      call zad_check(zad_function_call(function, args), 'calling the gradient of @decay_steps')
   end subroutine

   !> The line of @decay_steps's time loop in bindings.mlir.
   function time_loop_line() result(line)
      integer(c_int32_t) :: line
      character(len=200) :: text
      integer :: unit, iostat
      open (newunit=unit, file='bindings.mlir', status='old', action='read')
      line = 0
      do
         read (unit, '(a)', iostat=iostat) text
         if (iostat /= 0) error stop 'bindings.mlir has no scf.for %t'
         line = line + 1
         if (index(text, 'scf.for %t = ') > 0) exit
      end do
      close (unit)
   end function

   ! ------------------------------------------------------------ scalars
   subroutine test_scalars()
      real(c_double), target :: a
      real(c_float), target :: b
      integer(c_int32_t), target :: c
      integer(c_int64_t), target :: d, e
      integer(c_size_t) :: num_args, num_results
      type(c_ptr) :: function
      integer :: i32_index
      integer(c_int64_t) :: i64_index

      a = -1; b = -1; c = -1; d = -1; e = -1
      function = kernel('scalars')
      call zad_check(zad_function_arity(function, num_args, num_results), 'zad_function_arity')
      call check(num_args == 5 .and. num_results == 5, 'zad_function_arity of @scalars is (5, 5)')
      call zad_check(zad_function_arity(function, num_results=num_results), 'zad_function_arity, one output')
      call check(num_results == 5, 'zad_function_arity with an absent (NULL) argument')

      ! @scalars(f64, f32, i32, i64, index) -> (2a, 2b, c + 1, d + 1, e + 1)
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, 1.25_c_double), 'zad_push real(c_double)')
      call zad_check(zad_push(args, 2.5_c_float), 'zad_push real(c_float)')
      call zad_check(zad_push(args, -7_c_int32_t), 'zad_push integer(c_int32_t)')
      ! Beyond 32 bits, to catch truncation.
      call zad_check(zad_push(args, 5000000000_c_int64_t), 'zad_push integer(c_int64_t)')
      i32_index = 41
      call zad_check(zad_push_index(args, i32_index), 'zad_push_index default integer')
      call zad_check(zad_result(args, a), 'zad_result real(c_double)')
      call zad_check(zad_result(args, b), 'zad_result real(c_float)')
      call zad_check(zad_result(args, c), 'zad_result integer(c_int32_t)')
      call zad_check(zad_result(args, d), 'zad_result integer(c_int64_t)')
      call zad_check(zad_result_index(args, e), 'zad_result_index')
      call zad_check(zad_function_call(function, args), 'calling @scalars')
      call check(a == 2.5_c_double, 'f64 in and out')
      call check(b == 5.0_c_float, 'f32 in and out')
      call check(c == -6_c_int32_t, 'i32 in and out')
      call check(d == 5000000001_c_int64_t, 'i64 in and out')
      call check(e == 42_c_int64_t, 'index (from a default integer) in and out')

      call zad_check(zad_args_clear(args), 'clearing')
      i64_index = 3000000000_c_int64_t
      call zad_check(zad_push(args, 0.0_c_double), 'zad_push')
      call zad_check(zad_push(args, 0.0_c_float), 'zad_push')
      call zad_check(zad_push(args, 0_c_int32_t), 'zad_push')
      call zad_check(zad_push(args, 0_c_int64_t), 'zad_push')
      call zad_check(zad_push_index(args, i64_index), 'zad_push_index integer(c_int64_t)')
      call zad_check(zad_result(args, a), 'zad_result')
      call zad_check(zad_result(args, b), 'zad_result')
      call zad_check(zad_result(args, c), 'zad_result')
      call zad_check(zad_result(args, d), 'zad_result')
      call zad_check(zad_result_index(args, e), 'zad_result_index')
      call zad_check(zad_function_call(function, args), 'calling @scalars')
      call check(e == 3000000001_c_int64_t, 'index (from integer(c_int64_t)) in and out')
      call zad_function_free(function)
   end subroutine

   ! ------------------------------------------------------------- arrays
   ! The @label kernels return the sum of the elements and overwrite
   ! element (i, j, k) (1-based here) with (i-1) + 10 (j-1) + 100 (k-1).

   subroutine test_rank1()
      real(c_double), target :: x(7)
      real(c_float), target :: y(5)
      real(c_double), target :: sum
      real(c_float), target :: sum_f32
      integer :: i

      x = [(real(i, c_double), i=1, 7)]
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, x), 'zad_push rank-1 real(c_double)')
      call zad_check(zad_result(args, sum), 'zad_result')
      call call_kernel('label1_f64')
      call check(sum == 28 .and. all(x == [(real(i - 1, c_double), i=1, 7)]), 'rank-1 real(c_double) array')

      ! A section with stride 3: x(2), x(5); the others must not change.
      x = -1
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, x(2:7:3)), 'zad_push a strided section')
      call zad_check(zad_result(args, sum), 'zad_result')
      call call_kernel('label1_f64')
      call check(sum == -2 .and. all(x == [-1.0_c_double, 0.0_c_double, -1.0_c_double, -1.0_c_double, &
                                             1.0_c_double, -1.0_c_double, -1.0_c_double]), &
                 'rank-1 section x(2:7:3), written in place, not through a copy')

      ! A negative stride: x(7), x(5), x(3), x(1) in that order.
      x = -1
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, x(7:1:-2)), 'zad_push a reversed section')
      call zad_check(zad_result(args, sum), 'zad_result')
      call call_kernel('label1_f64')
      call check(sum == -4 .and. all(x(7:1:-2) == [0, 1, 2, 3]) .and. all(x(2:6:2) == -1), &
                 'rank-1 section x(7:1:-2), negative stride')

      y = [(real(10*i, c_float), i=1, 5)]
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, y), 'zad_push rank-1 real(c_float)')
      call zad_check(zad_result(args, sum_f32), 'zad_result real(c_float)')
      call call_kernel('label1_f32')
      call check(sum_f32 == 150 .and. all(y == [(real(i - 1, c_float), i=1, 5)]), 'rank-1 real(c_float) array')
   end subroutine

   subroutine test_rank2()
      real(c_double), target :: a(3, 4), big(6, 5)
      real(c_float), target :: b(2, 3)
      real(c_double), target :: sum
      real(c_float), target :: sum_f32
      integer :: i, j
      logical :: labelled

      a = 1
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, a), 'zad_push rank-2 real(c_double)')
      call zad_check(zad_result(args, sum), 'zad_result')
      call call_kernel('label2_f64')
      labelled = .true.
      do j = 1, 4
         do i = 1, 3
            labelled = labelled .and. a(i, j) == (i - 1) + 10*(j - 1)
         end do
      end do
      call check(sum == 12 .and. labelled, 'rank-2 real(c_double) array, column-major kernel')

      ! A section of a bigger array: strides (1, 6), offset into it.
      big = -1
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, big(2:4, 3:4)), 'zad_push a rank-2 section')
      call zad_check(zad_result(args, sum), 'zad_result')
      call call_kernel('label2_any_f64')
      call check(sum == -6 .and. big(2, 3) == 0 .and. big(4, 3) == 2 .and. big(2, 4) == 10 .and. &
                 big(4, 4) == 12 .and. count(big == -1) == 30 - 6, 'rank-2 section big(2:4, 3:4)')

      ! Every other row: a stride of 2 along the first dimension.
      big = -1
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, big(1:6:2, :)), 'zad_push a rank-2 section with stride 2')
      call zad_check(zad_result(args, sum), 'zad_result')
      call call_kernel('label2_any_f64')
      call check(sum == -15 .and. big(5, 5) == 2 + 40 .and. all(big(2:6:2, :) == -1), &
                 'rank-2 section big(1:6:2, :)')

      b = 2
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, b), 'zad_push rank-2 real(c_float)')
      call zad_check(zad_result(args, sum_f32), 'zad_result real(c_float)')
      call call_kernel('label2_f32')
      call check(sum_f32 == 12 .and. b(2, 1) == 1 .and. b(1, 3) == 20 .and. b(2, 3) == 21, &
                 'rank-2 real(c_float) array')
   end subroutine

   subroutine test_rank3()
      real(c_double), target :: a(2, 3, 4)
      real(c_float), target :: b(4, 3, 2)
      real(c_double), target :: sum
      real(c_float), target :: sum_f32
      integer :: i, j, k
      logical :: labelled

      a = 0.5_c_double
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, a), 'zad_push rank-3 real(c_double)')
      call zad_check(zad_result(args, sum), 'zad_result')
      call call_kernel('label3_f64')
      labelled = .true.
      do k = 1, 4
         do j = 1, 3
            do i = 1, 2
               labelled = labelled .and. a(i, j, k) == (i - 1) + 10*(j - 1) + 100*(k - 1)
            end do
         end do
      end do
      call check(sum == 12 .and. labelled, 'rank-3 real(c_double) array')

      b = 1
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, b), 'zad_push rank-3 real(c_float)')
      call zad_check(zad_result(args, sum_f32), 'zad_result real(c_float)')
      call call_kernel('label3_f32')
      labelled = .true.
      do k = 1, 2
         do j = 1, 3
            do i = 1, 4
               labelled = labelled .and. b(i, j, k) == (i - 1) + 10*(j - 1) + 100*(k - 1)
            end do
         end do
      end do
      call check(sum_f32 == 24 .and. labelled, 'rank-3 real(c_float) array')
   end subroutine

   subroutine test_empty()
      real(c_double), target :: none(0), flat(0, 3)
      real(c_double), target :: sum
      sum = -1
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, none), 'zad_push an empty array')
      call zad_check(zad_result(args, sum), 'zad_result')
      call call_kernel('label1_f64')
      call check(sum == 0, 'empty rank-1 array (passed as NULL data)')

      sum = -1
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, flat), 'zad_push an empty rank-2 array')
      call zad_check(zad_result(args, sum), 'zad_result')
      call call_kernel('label2_f64')
      call check(sum == 0, 'empty rank-2 array, shape (0, 3)')
   end subroutine

   ! ------------------------------------------------------------- errors
   subroutine test_errors()
      real(c_double), target :: a(3, 2), sum
      real(c_float), target :: wrong
      type(c_ptr) :: function, broken
      integer(c_int32_t) :: status
      character(len=:), allocatable :: message

      ! A whole Fortran array is column-major; a row-major kernel must be
      ! refused, not handed the transpose.
      a = 0
      sum = -1
      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, a), 'zad_push')
      call zad_check(zad_result(args, sum), 'zad_result')
      function = kernel('label2_rows_f64')
      status = zad_function_call(function, args)
      message = zad_last_error_message()
      call check(status == ZAD_SIGNATURE_ERROR .and. index(message, '@label2_rows_f64') > 0 .and. &
                 index(message, 'strides [1, 3]') > 0 .and. sum == -1, &
                 'a column-major array for a row-major kernel: '//zad_status_name(status))
      call zad_function_free(function)

      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, 1.0_c_double), 'zad_push')
      call zad_check(zad_result(args, wrong), 'zad_result')
      function = kernel('twice')
      status = zad_function_call(function, args)
      call check(status == ZAD_SIGNATURE_ERROR .and. index(zad_last_error_message(), 'bound as f32') > 0, &
                 'a real(c_float) result for an f64 result')
      call zad_function_free(function)

      status = zad_function(module, 'no_such_kernel   ', function)
      call check(status == ZAD_NOT_FOUND .and. .not. c_associated(function) .and. &
                 index(zad_last_error_message(), '@no_such_kernel ') > 0, &
                 'zad_function: unknown name (trailing blanks trimmed), handle left NULL')

      status = zad_load(context, 'no/such/file.mlir', broken)
      call check(status == ZAD_IO_ERROR .and. .not. c_associated(broken) .and. &
                 index(zad_last_error_message(), 'no/such/file.mlir') > 0, 'zad_load: a missing file')

      status = zad_parse(context, 'func.func @f() {'//new_line('a')//'  return %x'//new_line('a')//'}', &
                         broken, 'inline.mlir')
      call check(status == ZAD_PARSE_ERROR .and. index(zad_last_error_message(), 'inline.mlir:2:') > 0, &
                 'zad_parse: malformed text, message at inline.mlir:2')
      status = zad_parse(context, 'func.func @f( {', broken)
      call check(status == ZAD_PARSE_ERROR .and. index(zad_last_error_message(), '<string>:1:') > 0, &
                 'zad_parse without a source name')
      call check(zad_status_name(ZAD_UNSUPPORTED) == 'ZAD_UNSUPPORTED' .and. zad_status_name(99) == &
                 'unknown zad status', 'zad_status_name')
   end subroutine

   ! ------------------------------------------------------ Fortran source
   subroutine test_fortran_source()
      type(c_ptr) :: fortran, kernel, grad, broken, fargs
      real(c_double), target :: a(2, 3), w(2, 3), da(2, 3), dw(2, 3), s
      integer(c_int32_t) :: status
      a = reshape([1.0_c_double, 2.0_c_double, 3.0_c_double, 4.0_c_double, 5.0_c_double, 6.0_c_double], [2, 3])
      w = 0.5_c_double
      w(2, 3) = 2.0_c_double
      call zad_check(zad_load_fortran(context, 'bindings_kernel.F90', fortran, '-DSCALE=3.0d0'), &
                     'loading bindings_kernel.F90')
      ! Named as in Fortran, in any case, with or without the module.
      call zad_check(zad_function(fortran, 'Bindings_Kernels::WEIGHTED_SQUARE', kernel), 'compiling weighted_square')
      call zad_check(zad_args_new(fargs), 'an argument list')
      call zad_check(zad_push(fargs, a), 'a')
      call zad_check(zad_push(fargs, w), 'w')
      call zad_check(zad_push(fargs, 2_c_int32_t), 'n')
      call zad_check(zad_push(fargs, 3_c_int32_t), 'm')
      call zad_check(zad_result(fargs, s), 's')
      call zad_check(zad_function_call(kernel, fargs), 'calling weighted_square')
      call check(s == 3*sum(w*a**2), 'zad_load_fortran: a Fortran function with column-major arrays, options')
      call zad_check(zad_gradient(fortran, 'weighted_square', [ZAD_DUP, ZAD_DUP, ZAD_CONST, ZAD_CONST], grad), &
                     'differentiating weighted_square')
      da = 0
      dw = 0
      call zad_check(zad_args_clear(fargs), 'clearing')
      call zad_check(zad_push(fargs, a), 'a')
      call zad_check(zad_push(fargs, da), 'da')
      call zad_check(zad_push(fargs, w), 'w')
      call zad_check(zad_push(fargs, dw), 'dw')
      call zad_check(zad_push(fargs, 2_c_int32_t), 'n')
      call zad_check(zad_push(fargs, 3_c_int32_t), 'm')
      call zad_check(zad_result(fargs, s), 's')
      call zad_check(zad_function_call(grad, fargs), 'calling the gradient')
      call check(all(da == 6*w*a) .and. all(dw == 3*a**2), 'zad_load_fortran: the gradient of a Fortran function')
      call zad_args_free(fargs)
      call zad_function_free(grad)
      call zad_function_free(kernel)
      call zad_module_free(fortran)
      status = zad_load_fortran(context, 'bindings_kernel.F90', broken, '-Wall')
      call check(status == ZAD_INVALID_ARGUMENT .and. .not. c_associated(broken) .and. &
                 index(zad_last_error_message(), "unknown option '-Wall'") > 0, 'zad_load_fortran: a bad option')
      status = zad_load_fortran(context, 'no_such_kernel.f90', broken)
      call check(status == ZAD_IO_ERROR .and. index(zad_last_error_message(), 'no_such_kernel.f90') > 0, &
                 'zad_load_fortran: a missing file')
   end subroutine

   ! ------------------------------------------------------------ C source
   subroutine test_c_source()
      type(c_ptr) :: csource, kernel, broken, cargs
      real(c_double), target :: x(3), y(3), s
      integer(c_int32_t) :: status
      x = [1.0_c_double, 2.0_c_double, 3.0_c_double]
      y = [4.0_c_double, -5.0_c_double, 6.0_c_double]
      call zad_check(zad_load_c(context, '../csource/dot.c', csource, '-DUNUSED=1'), 'loading dot.c')
      call zad_check(zad_function(csource, 'dot', kernel), 'compiling dot')
      call zad_check(zad_args_new(cargs), 'an argument list')
      call zad_check(zad_push(cargs, 3_c_int32_t), 'n')
      call zad_check(zad_push(cargs, x), 'x')
      call zad_check(zad_push(cargs, y), 'y')
      call zad_check(zad_result(cargs, s), 's')
      call zad_check(zad_function_call(kernel, cargs), 'calling dot')
      call check(s == 12, 'zad_load_c: a C function with pointer parameters, options')
      call zad_args_free(cargs)
      call zad_function_free(kernel)
      call zad_module_free(csource)
      status = zad_load_c(context, '../csource/dot.c', broken, '-O3')
      call check(status == ZAD_INVALID_ARGUMENT .and. .not. c_associated(broken) .and. &
                 index(zad_last_error_message(), "unknown option '-O3'") > 0, 'zad_load_c: a bad option')
      status = zad_load_c(context, 'no_such_kernel.c', broken)
      call check(status == ZAD_IO_ERROR .and. index(zad_last_error_message(), 'no_such_kernel.c') > 0, &
                 'zad_load_c: a missing file')
   end subroutine

   ! ----------------------------------------------------- returned arrays
   subroutine test_returned_array()
      type(c_ptr), target :: array
      type(c_ptr) :: function
      real(c_double), allocatable :: values(:)
      real(c_double) :: matrix(2, 3)

      call zad_check(zad_args_clear(args), 'clearing')
      call zad_check(zad_push(args, 0.5_c_double), 'zad_push')
      call zad_check(zad_result_array(args, array), 'zad_result_array')
      function = kernel('matrix')
      call zad_check(zad_function_call(function, args), 'calling @matrix')
      call zad_function_free(function)

      call check(c_associated(array), 'zad_result_array: an array came back')
      call check(zad_array_type(array) == ZAD_F64 .and. zad_array_rank(array) == 2, 'zad_array_type and _rank')
      call check(all(zad_array_dims(array) == [2, 3]), 'zad_array_dims in the kernel''s order: [2, 3]')
      values = zad_array_values(array)
      call check(all(values == [0.5, 1.5, 2.5, 10.5, 11.5, 12.5]), 'zad_array_values, row-major')
      ! The documented way to the Fortran view of a row-major M x N result.
      matrix = transpose(reshape(values, [3, 2]))
      call check(matrix(2, 1) == 10.5 .and. matrix(1, 3) == 2.5, 'transpose(reshape(values, [N, M]))')
      call zad_array_free(array)

      call check(size(zad_array_dims(c_null_ptr)) == 0 .and. size(zad_array_values(c_null_ptr)) == 0, &
                 'zad_array_dims and zad_array_values of c_null_ptr are empty')
   end subroutine

   ! -------------------------------------------------------- entry point
   subroutine test_entry_point()
      type(c_ptr) :: function
      type(c_funptr) :: entry
      procedure(twice_interface), pointer :: twice
      function = kernel('twice')
      call zad_check(zad_function_pointer(function, entry), 'zad_function_pointer')
      call c_f_procpointer(entry, twice)
      call check(twice(21.0_c_double) == 42, 'the raw entry point, called through c_f_procpointer')
      call zad_function_free(function)
   end subroutine

   ! ---------------------------------------------------------- zad_check
   subroutine zad_check_failure()
      type(c_ptr) :: context, module
      call zad_check(zad_context_new(context), 'creating a context')
      call zad_check(zad_load(context, 'missing.mlir', module), 'loading missing.mlir')
      print '(a)', 'zad_check did not stop the program'
   end subroutine

end program fortran_bindings
