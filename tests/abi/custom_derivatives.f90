! Custom derivatives of foreign functions from Fortran: the kernels of
! custom_derivatives.mlir call an equation of state and a weighted norm
! written here as bind(C) procedures; their adjoints, bind(C) subroutines
! registered with zad_register_derivative, are what zad's gradient calls.
! Checked against central finite differences of the primal. Prints
! "ok ..." per check and "all N checks passed" at the end.
module custom_routines
   use, intrinsic :: iso_c_binding
   use zad, only: zad_memref_1d, zad_memref_values
   implicit none
   integer :: eos_adjoint_calls = 0
   ! Several results come back through a struct passed first.
   type, bind(C) :: eos_adjoint_out
      real(c_double) :: p, drho, dt
   end type
   type, bind(C) :: wnorm_adjoint_out
      real(c_double) :: s, dw
   end type
contains
   ! p = rho t (1 + 0.1 rho)
   function eos(rho, t) bind(C) result(p)
      real(c_double), value :: rho, t
      real(c_double) :: p
      p = rho*t*(1.0_c_double + 0.1_c_double*rho)
   end function

   ! (rho, t, seed) -> (p, seed dp/drho, seed dp/dt)
   subroutine eos_adjoint(out, rho, t, seed) bind(C)
      type(eos_adjoint_out), intent(out) :: out
      real(c_double), value :: rho, t, seed
      eos_adjoint_calls = eos_adjoint_calls + 1
      out%p = eos(rho, t)
      out%drho = seed*t*(1.0_c_double + 0.2_c_double*rho)
      out%dt = seed*rho*(1.0_c_double + 0.1_c_double*rho)
   end subroutine

   ! s = w sum u_i^2
   function wnorm(u, w) bind(C) result(s)
      type(zad_memref_1d), intent(in) :: u
      real(c_double), value :: w
      real(c_double) :: s
      real(c_double), pointer :: values(:)
      call zad_memref_values(u, values)
      s = w*sum(values**2)
   end function

   ! (u, du, w, seed) -> (s, seed ds/dw); du += seed ds/du
   subroutine wnorm_adjoint(out, u, du, w, seed) bind(C)
      type(wnorm_adjoint_out), intent(out) :: out
      type(zad_memref_1d), intent(in) :: u, du
      real(c_double), value :: w, seed
      real(c_double), pointer :: values(:), shadow(:)
      call zad_memref_values(u, values)
      call zad_memref_values(du, shadow)
      shadow = shadow + seed*2*w*values
      out%s = w*sum(values**2)
      out%dw = seed*sum(values**2)
   end subroutine
end module

program custom_derivatives
   use, intrinsic :: iso_c_binding
   use zad
   use custom_routines
   implicit none
   type(c_ptr) :: context, module, primal, gradient, args
   real(c_double), target :: u(4) = [0.5_c_double, -1.0_c_double, 1.5_c_double, 0.25_c_double]
   real(c_double), target :: du(4) = 0
   real(c_double) :: rho = 1.3_c_double, t = 0.7_c_double, h = 1e-6_c_double
   real(c_double) :: value, drho, dt, fd, saved
   integer(c_int32_t) :: status
   character(len=:), allocatable :: message
   integer :: checks = 0, failures = 0, i
   logical :: all_close

   call zad_check(zad_context_new(context), 'zad_context_new')
   status = zad_register_function(context, 'eos', c_funloc(eos))
   call check(status == ZAD_OK, 'zad_register_function: eos, a bind(C) function')
   status = zad_register_function(context, 'wnorm', c_funloc(wnorm))
   call check(status == ZAD_OK, 'zad_register_function: wnorm, a bind(C) function')
   status = zad_register_derivative(context, 'eos', c_funloc(eos_adjoint), c_null_funptr)
   call check(status == ZAD_OK, 'zad_register_derivative: eos_adjoint, a bind(C) subroutine')
   status = zad_register_derivative(context, 'wnorm', c_funloc(wnorm_adjoint), c_null_funptr)
   call check(status == ZAD_OK, 'zad_register_derivative: wnorm_adjoint, a bind(C) subroutine')
   status = zad_register_derivative(context, 'eos', c_null_funptr, c_null_funptr)
   call check(status == ZAD_INVALID_ARGUMENT, &
              'registering neither derivative is ZAD_INVALID_ARGUMENT')
   call zad_check(zad_load(context, 'custom_derivatives.mlir', module), 'loading custom_derivatives.mlir')
   call zad_check(zad_function(module, 'energy', primal), 'energy')
   call zad_check(zad_gradient(module, 'energy', [ZAD_DUP, ZAD_ACTIVE, ZAD_ACTIVE], gradient), 'its gradient')

   call zad_check(zad_args_new(args), 'zad_args_new')
   call zad_check(zad_push(args, u), 'u')
   call zad_check(zad_push(args, du), 'du')
   call zad_check(zad_push(args, rho), 'rho')
   call zad_check(zad_push(args, t), 't')
   call zad_check(zad_result(args, value), 'result')
   call zad_check(zad_result(args, drho), 'drho')
   call zad_check(zad_result(args, dt), 'dt')
   call zad_check(zad_function_call(gradient, args), 'the gradient')
   fd = energy(u, rho, t)
   call check(eos_adjoint_calls == 1 .and. close_to(value, fd), &
              'the gradient ran eos_adjoint once and returned the energy')
   fd = (energy(u, rho + h, t) - energy(u, rho - h, t))/(2*h)
   print '(a, 2es22.12)', 'd/drho', drho, fd
   all_close = close_to(drho, fd)
   fd = (energy(u, rho, t + h) - energy(u, rho, t - h))/(2*h)
   print '(a, 2es22.12)', 'd/dt', dt, fd
   call check(all_close .and. close_to(dt, fd), 'dE/drho and dE/dt match finite differences')
   all_close = .true.
   do i = 1, size(u)
      saved = u(i)
      u(i) = saved + h
      fd = energy(u, rho, t)
      u(i) = saved - h
      fd = (fd - energy(u, rho, t))/(2*h)
      u(i) = saved
      print '(a, i0, a, 2es22.12)', 'd/du(', i, ')', du(i), fd
      all_close = all_close .and. close_to(du(i), fd)
   end do
   call check(all_close, 'dE/du (accumulated by wnorm_adjoint into the shadow) matches finite differences')

   status = zad_gradient(module, 'uses_opaque', [ZAD_ACTIVE], gradient)
   message = zad_last_error_message()
   call check(status == ZAD_UNSUPPORTED .and. index(message, 'custom_derivatives.mlir:13:8: the foreign function @opaque') == 1 &
              .and. index(message, 'zad_context_register_derivative') > 0, &
              'a foreign function without a derivative: ZAD_UNSUPPORTED naming it and its call')

   call zad_args_free(args)
   call zad_function_free(primal)
   call zad_module_free(module)
   call zad_context_free(context)
   if (failures > 0) then
      print '(i0, a, i0, a)', failures, ' of ', checks, ' checks FAILED'
      error stop 1
   end if
   print '(a, i0, a)', 'all ', checks, ' checks passed'

contains

   function energy(values, rho, t) result(e)
      real(c_double), intent(in), target :: values(:)
      real(c_double), intent(in) :: rho, t
      real(c_double) :: e
      real(c_double), target :: copy(size(values))
      type(c_ptr) :: call_args
      copy = values
      call zad_check(zad_args_new(call_args), 'zad_args_new')
      call zad_check(zad_push(call_args, copy), 'u')
      call zad_check(zad_push(call_args, rho), 'rho')
      call zad_check(zad_push(call_args, t), 't')
      call zad_check(zad_result(call_args, e), 'result')
      call zad_check(zad_function_call(primal, call_args), 'energy')
      call zad_args_free(call_args)
   end function

   logical function close_to(a, b)
      real(c_double), intent(in) :: a, b
      close_to = abs(a - b) <= 1e-6_c_double*max(1.0_c_double, abs(b))
   end function

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
