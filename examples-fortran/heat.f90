! The 1-D heat equation, time-stepped by an MLIR kernel (heat.mlir) that zad
! JIT-compiles and runs on a Fortran array in place, checked against the
! same scheme written in Fortran and shown next to the exact solution.
!
!   u_t = u_xx on 0 <= x <= 1,  u(0, t) = u(1, t) = 0,
!   u(x, 0) = sin(pi x) + 0.5 sin(3 pi x),
!   exact:  u(x, t) = exp(-pi^2 t) sin(pi x) + 0.5 exp(-9 pi^2 t) sin(3 pi x).
!
! Scheme (heat.mlir): forward Euler in time, centred differences in space,
!   u_i <- u_i + r (u_{i-1} - 2 u_i + u_{i+1}),   r = dt / dx^2 <= 1/2.
!
! Run from this directory (it opens heat.mlir): `make demo` at the root.
! Exits with a non-zero status if the kernel and the Fortran loop disagree.
program heat
   use, intrinsic :: iso_c_binding, only: c_ptr, c_double
   use zad
   implicit none

   integer, parameter :: dp = c_double
   integer, parameter :: n = 401            ! grid points, both boundaries included
   integer, parameter :: steps = 20000
   real(dp), parameter :: r = 0.4_dp        ! dt / dx^2
   real(dp), parameter :: dx = 1.0_dp/(n - 1)
   real(dp), parameter :: dt = r*dx*dx
   real(dp), parameter :: t_final = steps*dt
   real(dp), parameter :: pi = acos(-1.0_dp)
   ! Both sides perform the same operations in the same order, so they agree
   ! to the last bit unless a compiler fuses a*b + c into one rounding
   ! (gfortran does on machines with FMA and -march=native); such rounding
   ! differences stay near 1e-16 because the scheme is stable. 1e-12 catches
   ! any real discrepancy, e.g. one step too many changes u by about 1e-6.
   real(dp), parameter :: tolerance = 1.0e-12_dp

   ! TARGET: zad keeps the addresses of u and content until the call.
   real(dp), target :: u(n)
   real(dp), target :: content
   real(dp) :: x(n), reference(n), exact(n)
   real(dp) :: difference, discretisation_error, exact_content
   type(c_ptr) :: context, module, kernel, args
   integer :: i, k

   x = [(real(i - 1, dp)*dx, i = 1, n)]
   u = sin(pi*x) + 0.5_dp*sin(3*pi*x)
   ! sin(pi) is 1.2e-16, not 0: make the boundary values exactly zero.
   u(1) = 0
   u(n) = 0
   reference = u

   ! ----------------------------------------------------------- with zad
   call zad_check(zad_context_new(context), 'creating a zad context')
   call zad_check(zad_load(context, 'heat.mlir', module), 'loading heat.mlir')
   call zad_check(zad_function(module, 'heat_steps', kernel), 'compiling @heat_steps')
   call zad_check(zad_args_new(args), 'creating an argument list')
   ! @heat_steps(%u: memref<?xf64>, %r: f64, %steps: index) -> f64
   call zad_check(zad_push(args, u), 'passing u')
   call zad_check(zad_push(args, r), 'passing r')
   call zad_check(zad_push_index(args, steps), 'passing the number of steps')
   call zad_check(zad_result(args, content), 'binding the heat content')
   call zad_check(zad_function_call(kernel, args), 'running @heat_steps')
   call zad_args_free(args)
   call zad_function_free(kernel)
   call zad_module_free(module)
   call zad_context_free(context)

   ! ------------------------------------------------- the same in Fortran
   call fortran_heat_steps(reference, r, steps)

   ! ----------------------------------------------------------- compare
   exact = exp(-pi**2*t_final)*sin(pi*x) + 0.5_dp*exp(-9*pi**2*t_final)*sin(3*pi*x)
   exact_content = (2/pi)*exp(-pi**2*t_final) + (1/(3*pi))*exp(-9*pi**2*t_final)
   difference = maxval(abs(u - reference))
   discretisation_error = maxval(abs(u - exact))

   print '(a)', '1-D heat equation u_t = u_xx on [0, 1], u = 0 at both ends,'
   print '(a)', 'u(x, 0) = sin(pi x) + 0.5 sin(3 pi x)'
   print '(a, i0, a, es8.2, a, f4.2)', 'explicit scheme: ', n, ' points (dx = ', dx, '), dt = r dx^2 with r = ', r
   print '(i0, a, f6.4, a)', steps, ' steps to t = ', t_final, &
      ', run in place on the Fortran array by the MLIR kernel heat.mlir'
   print '(a, a, a)', '(JIT-compiled by zad ', zad_version_string(), '), and by the same loop in Fortran'
   print '(a)', ''
   print '(a)', '     x    u (zad kernel)  u (Fortran loop)   exact u(x, t)'
   do k = 0, 10
      i = 1 + k*(n - 1)/10
      print '(f6.2, 3f18.12)', x(i), u(i), reference(i), exact(i)
   end do
   print '(a)', ''
   print '(a, f14.12, a, f14.12, a, f14.12)', 'heat content sum(u) dx: kernel ', content*dx, &
      ', Fortran ', sum(reference)*dx, ', exact ', exact_content
   print '(a, es9.2, a)', 'discretisation error max |kernel - exact|: ', discretisation_error, &
      ' (the scheme''s, O(dx^2 + dt))'
   print '(a, es9.2, a, es7.1, a)', 'max difference vs Fortran reference: ', difference, &
      ' (tolerance ', tolerance, ')'

   if (.not. (difference <= tolerance) .or. .not. (abs(content - sum(reference)) <= n*tolerance)) then
      print '(a)', 'FAILED: the kernel and the Fortran loop disagree'
      error stop 1
   end if
   print '(a)', 'OK'

contains

   !> The reference: the scheme of heat.mlir in plain Fortran, with a second
   !> array instead of heat.mlir's in-place update, so that the two differ
   !> in everything but the arithmetic.
   subroutine fortran_heat_steps(u, r, steps)
      real(dp), intent(inout) :: u(:)
      real(dp), intent(in) :: r
      integer, intent(in) :: steps
      real(dp) :: new(size(u))
      integer :: step, i, n
      n = size(u)
      new = u
      do step = 1, steps
         do i = 2, n - 1
            new(i) = u(i) + r*((u(i - 1) - 2*u(i)) + u(i + 1))
         end do
         u = new
      end do
   end subroutine

end program heat
