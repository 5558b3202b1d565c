! Complex arguments from Fortran (kernels in complex_half.mlir): a
! complex(c_double_complex) scalar and array pushed with zad_push, an f16
! gain pushed as a real(c_float), a complex(c_float_complex) result bound
! with zad_result, and the gradient with respect to the complex arguments
! (df/dx + i df/dy for z = x + iy) checked against central differences of
! the real and imaginary parts.
!
! Prints one line per check and "all N checks passed", or exits non-zero.
! Run from this directory.
program complex_half
   use, intrinsic :: iso_c_binding, only: c_ptr, c_double, c_float, c_double_complex, c_float_complex, c_int32_t
   use zad
   implicit none

   integer, parameter :: n = 4
   integer :: checks = 0, failures = 0, k, part
   type(c_ptr) :: context, module, args, primal, gradient, horner
   complex(c_double_complex) :: w0(n), w(n), dw(n), z, dz, step
   complex(c_float_complex) :: a(3), p
   real(c_double) :: c, f, dc, fd, worst, eps
   real(c_float) :: h, dh

   w0 = [(1.0d0, 0.5d0), (-0.3d0, 1.0d0), (0.7d0, -0.2d0), (0.1d0, 0.1d0)]
   z = (0.6d0, -0.4d0)
   c = 0.3d0
   h = 1.5
   eps = 1.0d-6

   call zad_check(zad_context_new(context), 'creating a context')
   call zad_check(zad_load(context, 'complex_half.mlir', module), 'loading complex_half.mlir')
   call zad_check(zad_function(module, 'response', primal), 'compiling @response')
   call zad_check(zad_gradient(module, 'response', [ZAD_ACTIVE, ZAD_DUP, ZAD_ACTIVE, ZAD_ACTIVE], gradient), &
      'the gradient of @response')
   call zad_check(zad_args_new(args), 'creating an argument list')

   ! The gradient: z, w, dw, c, h; results f, df/dz, df/dc, df/dh.
   w = w0
   dw = (0.0d0, 0.0d0)
   call zad_check(zad_push(args, z), 'passing z')
   call zad_check(zad_push(args, w), 'passing w')
   call zad_check(zad_push(args, dw), 'passing dw')
   call zad_check(zad_push(args, c), 'passing c')
   call zad_check(zad_args_push_f16(args, h), 'passing h')
   call zad_check(zad_result(args, f), 'binding f')
   call zad_check(zad_result(args, dz), 'binding df/dz')
   call zad_check(zad_result(args, dc), 'binding df/dc')
   call zad_check(zad_args_result_f16(args, c_loc_of(dh)), 'binding df/dh')
   call zad_check(zad_function_call(gradient, args), 'calling the gradient')
   call check(abs(f - response(z, w0, c)) < 1.0d-12*max(1.0d0, abs(f)), 'the gradient''s primal value equals the function''s')

   worst = 0.0d0
   fd = (response(z + eps, w0, c) - response(z - eps, w0, c))/(2*eps)
   worst = max(worst, abs(real(dz) - fd)/max(1.0d0, abs(fd)))
   fd = (response(z + (0.0d0, 1.0d0)*eps, w0, c) - response(z - (0.0d0, 1.0d0)*eps, w0, c))/(2*eps)
   worst = max(worst, abs(aimag(dz) - fd)/max(1.0d0, abs(fd)))
   fd = (response(z, w0, c + eps) - response(z, w0, c - eps))/(2*eps)
   worst = max(worst, abs(dc - fd)/max(1.0d0, abs(fd)))
   do k = 1, n
      do part = 1, 2
         step = merge((1.0d0, 0.0d0), (0.0d0, 1.0d0), part == 1)*eps
         w = w0
         w(k) = w0(k) + step
         fd = response(z, w, c)
         w(k) = w0(k) - step
         fd = (fd - response(z, w, c))/(2*eps)
         if (part == 1) worst = max(worst, abs(real(dw(k)) - fd)/max(1.0d0, abs(fd)))
         if (part == 2) worst = max(worst, abs(aimag(dw(k)) - fd)/max(1.0d0, abs(fd)))
      end do
   end do
   print '(a, es10.3)', 'max relative error: ', worst
   call check(worst < 1.0d-6, 'gradients with respect to complex(8) z and w and real(8) c match central differences')
   fd = (response(z, w0, c)/1.5d0)
   call check(abs(dh - fd)/abs(fd) < 1.0d-2, 'df/dh (an f16 argument) is f/h at f16 precision')

   ! A complex(c_float_complex) array and scalar in, a complex result out.
   a = [(1.0, 0.0), (0.0, 1.0), (2.0, 0.0)]
   call zad_check(zad_function(module, 'horner', horner), 'compiling @horner')
   call zad_check(zad_args_clear(args), 'clearing the argument list')
   call zad_check(zad_push(args, a), 'passing a')
   call zad_check(zad_push(args, (0.5, 0.5)), 'passing z')
   call zad_check(zad_result(args, p), 'binding p')
   call zad_check(zad_function_call(horner, args), 'calling @horner')
   call check(abs(p - (0.5, 1.5)) < 1.0e-6, 'p(z) = 1 + i z + 2 z**2 = 0.5 + 1.5i as complex(c_float_complex)')

   call zad_args_free(args)
   call zad_function_free(primal)
   call zad_function_free(gradient)
   call zad_function_free(horner)
   call zad_module_free(module)
   call zad_context_free(context)
   if (failures > 0) then
      print '(i0, a, i0, a)', failures, ' of ', checks, ' checks failed'
      error stop 1
   end if
   print '(a, i0, a)', 'all ', checks, ' checks passed'

contains

   subroutine check(ok, what)
      logical, intent(in) :: ok
      character(len=*), intent(in) :: what
      checks = checks + 1
      if (ok) then
         print '(2a)', 'ok   ', what
      else
         failures = failures + 1
         print '(2a)', 'FAIL ', what
      end if
   end subroutine

   function c_loc_of(x) result(address)
      use, intrinsic :: iso_c_binding, only: c_loc
      real(c_float), target, intent(in) :: x
      type(c_ptr) :: address
      address = c_loc(x)
   end function

   ! The primal on a copy of ww (the kernel writes its array argument).
   function response(zz, ww, cc) result(value)
      complex(c_double_complex), intent(in) :: zz, ww(n)
      real(c_double), intent(in) :: cc
      real(c_double) :: value
      complex(c_double_complex) :: copy(n)
      type(c_ptr) :: list
      copy = ww
      call zad_check(zad_args_new(list), 'creating an argument list')
      call zad_check(zad_push(list, zz), 'passing z')
      call zad_check(zad_push(list, copy), 'passing w')
      call zad_check(zad_push(list, cc), 'passing c')
      call zad_check(zad_args_push_f16(list, h), 'passing h')
      call zad_check(zad_result(list, value), 'binding f')
      call zad_check(zad_function_call(primal, list), 'calling @response')
      call zad_args_free(list)
   end function
end program
