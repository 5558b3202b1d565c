! Fits the initial condition of a Burgers simulation to observations by
! gradient descent: the program runs its own solver (burgers.f90) and asks
! zad for the gradient of the misfit, differentiated from that source.
! Prints the misfit as it decreases, and checks one component of the
! gradient against a central difference of the solver compiled here.
program burgers_descent
   use, intrinsic :: iso_c_binding, only: c_ptr, c_double, c_int32_t
   use zad
   use solver, only: burgers_misfit
   implicit none
   integer, parameter :: n = 200, nsteps = 100, probe = 66
   real(c_double), parameter :: dt = 0.002_c_double, nu = 0.005_c_double, rate = 0.5_c_double
   real(c_double), target :: u0(n), du0(n), u_obs(n), misfit
   real(c_double) :: x, fd, h
   type(c_ptr) :: context, module, gradient, args
   integer :: i, iteration

   do i = 1, n
      x = real(i - 1, c_double)/(n - 1)
      u0(i) = 0.5_c_double
      u_obs(i) = 0.5_c_double + 0.3_c_double*exp(-100*(x - 0.4_c_double)**2)
   end do

   ! The glue: zad reads the solver's Fortran source and differentiates it.
   call zad_check(zad_context_new(context), 'creating a context')
   call zad_check(zad_load_fortran(context, 'burgers.f90', module), 'loading burgers.f90')
   ! burgers_misfit(u0, n, nsteps, dt, nu, u_obs): d/du0 only.
   call zad_check(zad_gradient(module, 'burgers_misfit', [ZAD_DUP, ZAD_CONST, ZAD_CONST, ZAD_CONST, &
                                                          ZAD_CONST, ZAD_CONST], gradient), 'differentiating')
   call zad_check(zad_args_new(args), 'creating an argument list')
   do iteration = 1, 20
      du0 = 0
      call zad_check(zad_args_clear(args), 'clearing the arguments')
      call zad_check(zad_push(args, u0), 'u0')
      call zad_check(zad_push(args, du0), 'du0')
      call zad_check(zad_push(args, int(n, c_int32_t)), 'n')
      call zad_check(zad_push(args, int(nsteps, c_int32_t)), 'nsteps')
      call zad_check(zad_push(args, dt), 'dt')
      call zad_check(zad_push(args, nu), 'nu')
      call zad_check(zad_push(args, u_obs), 'u_obs')
      call zad_check(zad_result(args, misfit), 'the misfit')
      call zad_check(zad_function_call(gradient, args), 'the gradient')
      if (mod(iteration, 5) == 1) print '(a, i3, a, es12.5)', 'iteration', iteration, '  misfit', misfit
      if (iteration == 1) then
         h = 1.0e-6_c_double
         u0(probe) = u0(probe) + h
         fd = burgers_misfit(u0, n, nsteps, dt, nu, u_obs)
         u0(probe) = u0(probe) - 2*h
         fd = (fd - burgers_misfit(u0, n, nsteps, dt, nu, u_obs))/(2*h)
         u0(probe) = u0(probe) + h
         print '(a, es22.14, a, es22.14)', 'dJ/du0(66): zad', du0(probe), '  central difference', fd
      end if
      u0 = u0 - rate*du0
   end do
   print '(a, es12.5)', 'final misfit', burgers_misfit(u0, n, nsteps, dt, nu, u_obs)
   call zad_args_free(args)
   call zad_function_free(gradient)
   call zad_module_free(module)
   call zad_context_free(context)
end program burgers_descent
