! Foreign functions from Fortran: the kernels of foreign.mlir call an
! equation of state and a smoother written here as bind(C) procedures and
! registered with zad_register_function (the smoother gets the buffer as a
! zad_memref_1d descriptor); a missing routine and a bounds violation are
! statuses. Prints "ok ..." per check and "all N checks passed" at the end.
module foreign_routines
   use, intrinsic :: iso_c_binding
   use zad, only: zad_memref_1d, zad_memref_values
   implicit none
   integer :: smooth_calls = 0
contains
   function eos_pressure(rho, t) bind(C) result(p)
      real(c_double), value :: rho, t
      real(c_double) :: p
      p = rho*t*(1.0_c_double + 0.1_c_double*rho)
   end function

   subroutine smooth(u, w) bind(C)
      type(zad_memref_1d), intent(in) :: u
      real(c_double), value :: w
      real(c_double), pointer :: values(:)
      real(c_double) :: previous, old
      integer :: i
      smooth_calls = smooth_calls + 1
      call zad_memref_values(u, values)
      previous = values(1)
      do i = 2, size(values) - 1
         old = values(i)
         values(i) = (1 - w)*old + w*0.5_c_double*(previous + values(i + 1))
         previous = old
      end do
   end subroutine
end module

program foreign_functions
   use, intrinsic :: iso_c_binding
   use zad
   use foreign_routines
   implicit none
   type(c_ptr) :: context, module, checked, function, args
   real(c_double), target :: rho(4) = [1.0_c_double, 1.5_c_double, 2.0_c_double, 0.5_c_double]
   real(c_double), target :: u(5) = [0.0_c_double, 1.0_c_double, 0.0_c_double, 1.0_c_double, 4.0_c_double]
   real(c_double), target :: reference(5)
   real(c_double), pointer :: view(:)
   type(zad_memref_1d) :: descriptor
   real(c_double) :: total, expected, last, value
   integer(c_int32_t) :: status
   character(len=:), allocatable :: message
   integer :: checks = 0, failures = 0, i

   call zad_check(zad_context_new(context), 'zad_context_new')
   status = zad_register_function(context, 'eos_pressure', c_funloc(eos_pressure))
   call check(status == ZAD_OK, 'zad_register_function: eos_pressure, a bind(C) function')
   status = zad_register_function(context, 'smooth', c_funloc(smooth))
   call check(status == ZAD_OK, 'zad_register_function: smooth, a bind(C) subroutine')
   call zad_check(zad_load(context, 'foreign.mlir', module), 'loading foreign.mlir')

   call zad_check(zad_function(module, 'total_pressure', function), 'total_pressure')
   call zad_check(zad_args_new(args), 'zad_args_new')
   call zad_check(zad_push(args, rho), 'rho')
   call zad_check(zad_push(args, 300.0_c_double), 't')
   call zad_check(zad_result(args, total), 'result')
   call zad_check(zad_function_call(function, args), 'total_pressure')
   expected = 0
   do i = 1, size(rho)
      expected = expected + eos_pressure(rho(i), 300.0_c_double)
   end do
   call check(abs(total - expected) <= 1e-12_c_double*expected, 'a scalar Fortran routine, summed over rho')
   call zad_function_free(function)

   ! The routine on a descriptor of a copy, then through the kernel.
   reference = u
   descriptor = zad_memref_1d(c_loc(reference), c_loc(reference), 0, [5_c_int64_t], [1_c_int64_t])
   call smooth(descriptor, 0.5_c_double)
   call zad_memref_values(descriptor, view)
   call zad_check(zad_function(module, 'smoothed_last', function), 'smoothed_last')
   call zad_check(zad_args_clear(args), 'clear')
   call zad_check(zad_push(args, u), 'u')
   call zad_check(zad_push(args, 0.5_c_double), 'w')
   call zad_check(zad_result(args, last), 'result')
   call zad_check(zad_function_call(function, args), 'smoothed_last')
   call check(maxval(abs(u - reference)) <= 0 .and. size(view) == 5 .and. smooth_calls == 2 .and. abs(last - 4) <= 0, &
              'a buffer reaches the routine as a zad_memref_1d, changed in place')
   call zad_function_free(function)

   status = zad_function(module, 'uses_legacy_flux', function)
   message = zad_last_error_message()
   call check(status == ZAD_NOT_FOUND .and. .not. c_associated(function) .and. &
              index(message, 'foreign.mlir:37:8: @uses_legacy_flux calls the external function @legacy_flux') == 1, &
              'an undefined routine: ZAD_NOT_FOUND with its name and location')

   status = zad_context_set_option(context, ZAD_OPTION_CHECK_BOUNDS, 1_c_int64_t)
   call check(status == ZAD_OK, 'zad_context_set_option(ZAD_OPTION_CHECK_BOUNDS, 1)')
   call zad_check(zad_load(context, 'foreign.mlir', checked), 'loading foreign.mlir again')
   call zad_check(zad_function(checked, 'element', function), 'element')
   call zad_check(zad_args_clear(args), 'clear')
   call zad_check(zad_push(args, u), 'u')
   call zad_check(zad_push_index(args, 6_c_int64_t), 'i')
   call zad_check(zad_result(args, value), 'result')
   status = zad_function_call(function, args)
   message = zad_last_error_message()
   call check(status == ZAD_RUNTIME_ERROR .and. message == &
              'foreign.mlir:43:8: memref.load: index 6 is out of bounds for dimension 0 of size 5', &
              'an index out of bounds: ZAD_RUNTIME_ERROR with the op and its location')
   status = zad_load_library(context, '/nonexistent/libnothing.so')
   call check(status == ZAD_IO_ERROR, 'zad_load_library: a missing library is ZAD_IO_ERROR')

   call zad_function_free(function)
   call zad_args_free(args)
   call zad_module_free(checked)
   call zad_module_free(module)
   call zad_context_free(context)
   if (failures > 0) then
      print '(i0, a, i0, a)', failures, ' of ', checks, ' checks FAILED'
      error stop 1
   end if
   print '(a, i0, a)', 'all ', checks, ' checks passed'

contains

   subroutine check(ok, what)
      logical, intent(in) :: ok
      character(len=*), intent(in) :: what
      checks = checks + 1
      if (ok) then
         print '(a)', 'ok   '//what
      else
         failures = failures + 1
         print '(a)', 'FAIL '//what
         print '(a)', '     last error: '//zad_last_error_message()
      end if
   end subroutine

end program
