! zad_tangent and zad_tangent_batch from Fortran, on @wave of tangent.mlir:
! the tangent against the formulas in that file, and the two lanes of a
! width-2 tangent against two width-1 calls. Prints one line per check and
! "all N checks passed", or exits non-zero. Run from this directory.
program tangent_bindings
   use, intrinsic :: iso_c_binding, only: c_ptr, c_double, c_int32_t, c_int64_t, c_size_t
   use zad
   implicit none
   integer, parameter :: n = 6
   integer :: checks = 0, failures = 0, i, k
   type(c_ptr) :: context, module, args, tangent, batch, refused
   real(c_double), target :: x(n), dx(n), y(n), dy(n), bx(n, 2), by(n, 2)
   real(c_double), target :: a, da, f, df, bdf(2), expected_dy(n), expected_df
   real(c_double) :: directions(n, 2), da_lanes(2)
   integer(c_size_t) :: num_args, num_results
   integer(c_int32_t) :: status

   call zad_check(zad_context_new(context), 'creating a context')
   call zad_check(zad_load(context, 'tangent.mlir', module), 'loading tangent.mlir')
   call zad_check(zad_args_new(args), 'creating an argument list')
   x = [(0.1_c_double*i, i = 1, n)]
   a = 0.7_c_double
   directions = reshape([(cos(real(i, c_double)), i = 1, 2*n)], [n, 2])
   da_lanes = [0.25_c_double, -1.5_c_double]

   ! Width 1.
   call zad_check(zad_tangent(module, 'wave', [ZAD_DUP, ZAD_ACTIVE, ZAD_DUP, ZAD_CONST], tangent), 'zad_tangent')
   call zad_check(zad_function_arity(tangent, num_args, num_results), 'zad_function_arity')
   call check(num_args == 7 .and. num_results == 2, 'zad_tangent arity: x, dx, a, da, y, dy, n; f and df')
   dx = directions(:, 1)
   da = da_lanes(1)
   dy = 0
   call zad_check(zad_args_clear(args), 'clearing')
   call zad_check(zad_push(args, x), 'x')
   call zad_check(zad_push(args, dx), 'dx')
   call zad_check(zad_push(args, a), 'a')
   call zad_check(zad_push(args, da), 'da')
   call zad_check(zad_push(args, y), 'y')
   call zad_check(zad_push(args, dy), 'dy')
   call zad_check(zad_push_index(args, int(n, c_int64_t)), 'n')
   call zad_check(zad_result(args, f), 'f')
   call zad_check(zad_result(args, df), 'df')
   call zad_check(zad_function_call(tangent, args), 'calling the tangent')
   call reference(directions(:, 1), da_lanes(1), expected_df, expected_dy)
   call check(close_to(f, sum(sin(a*x)**2)), 'the tangent returns f')
   call check(close_to(df, expected_df), 'df matches the formula')
   call check(all(abs(dy - expected_dy) <= 1e-12_c_double*max(1.0_c_double, abs(expected_dy))), &
              'dy holds the tangent of the final contents of y')

   ! Width 2: both directions in one call.
   call zad_check(zad_tangent_batch(module, 'wave', [ZAD_DUP, ZAD_DUP, ZAD_DUP, ZAD_CONST], 2, batch), &
                  'zad_tangent_batch')
   call zad_check(zad_function_arity(batch, num_args, num_results), 'zad_function_arity')
   call check(num_args == 10 .and. num_results == 3, 'zad_tangent_batch arity: two tangents per dup argument and result')
   bx = directions
   by = 0
   call zad_check(zad_args_clear(args), 'clearing')
   call zad_check(zad_push(args, x), 'x')
   call zad_check(zad_push(args, bx(:, 1)), 'dx 1')
   call zad_check(zad_push(args, bx(:, 2)), 'dx 2')
   call zad_check(zad_push(args, a), 'a')
   call zad_check(zad_push(args, da_lanes(1)), 'da 1')
   call zad_check(zad_push(args, da_lanes(2)), 'da 2')
   call zad_check(zad_push(args, y), 'y')
   call zad_check(zad_push(args, by(:, 1)), 'dy 1')
   call zad_check(zad_push(args, by(:, 2)), 'dy 2')
   call zad_check(zad_push_index(args, int(n, c_int64_t)), 'n')
   call zad_check(zad_result(args, f), 'f')
   call zad_check(zad_result(args, bdf(1)), 'df 1')
   call zad_check(zad_result(args, bdf(2)), 'df 2')
   call zad_check(zad_function_call(batch, args), 'calling the batched tangent')
   do k = 1, 2
      call reference(directions(:, k), da_lanes(k), expected_df, expected_dy)
      call check(close_to(bdf(k), expected_df) .and. &
                 all(abs(by(:, k) - expected_dy) <= 1e-12_c_double*max(1.0_c_double, abs(expected_dy))), &
                 'a lane of the width-2 tangent matches its direction')
   end do

   ! A refusal: an index cannot have a tangent.
   status = zad_tangent(module, 'wave', [ZAD_DUP, ZAD_DUP, ZAD_DUP, ZAD_DUP], refused)
   call check(status == ZAD_SIGNATURE_ERROR, 'ZAD_DUP on an index: ZAD_SIGNATURE_ERROR')
   call check(index(zad_last_error_message(), 'argument 4 (%n) has type index and cannot have a tangent') > 0, &
              'the message names the argument')

   call zad_function_free(batch)
   call zad_function_free(tangent)
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

   logical function close_to(got, expected)
      real(c_double), intent(in) :: got, expected
      close_to = abs(got - expected) <= 1e-12_c_double*max(1.0_c_double, abs(expected))
   end function

   !> The tangent of @wave along (ddx, dda) by its formulas.
   subroutine reference(ddx, dda, ddf, ddy)
      real(c_double), intent(in) :: ddx(n), dda
      real(c_double), intent(out) :: ddf, ddy(n)
      real(c_double) :: t(n), dt(n)
      t = a*x
      dt = dda*x + a*ddx
      ddf = sum(2*sin(t)*cos(t)*dt)
      ddy = exp(t)*dt
   end subroutine
end program
