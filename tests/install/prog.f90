! f(x) = sum(x**2) and its gradient 2x, through the zad module.
program prog
   use, intrinsic :: iso_c_binding, only: c_ptr, c_double
   use zad
   implicit none
   character(len=*), parameter :: nl = new_line('a')
   character(len=*), parameter :: kernel = &
      'func.func @sumsq(%x: memref<?xf64>) -> f64 {'//nl// &
      '  %c0 = arith.constant 0 : index'//nl// &
      '  %c1 = arith.constant 1 : index'//nl// &
      '  %zero = arith.constant 0.0 : f64'//nl// &
      '  %n = memref.dim %x, %c0 : memref<?xf64>'//nl// &
      '  %s = scf.for %i = %c0 to %n step %c1 iter_args(%a = %zero) -> f64 {'//nl// &
      '    %v = memref.load %x[%i] : memref<?xf64>'//nl// &
      '    %w = arith.mulf %v, %v : f64'//nl// &
      '    %b = arith.addf %a, %w : f64'//nl// &
      '    scf.yield %b : f64'//nl// &
      '  }'//nl// &
      '  return %s : f64'//nl// &
      '}'//nl
   real(c_double), target :: x(3), dx(3), f
   type(c_ptr) :: context, module, gradient, args
   logical :: ok

   x = [1.0_c_double, 2.0_c_double, 3.0_c_double]
   dx = 0
   call zad_check(zad_context_new(context), 'creating a context')
   call zad_check(zad_parse(context, kernel, module, 'sumsq.mlir'), 'parsing the kernel')
   call zad_check(zad_gradient(module, 'sumsq', [ZAD_DUP], gradient), 'differentiating @sumsq')
   call zad_check(zad_args_new(args), 'creating an argument list')
   call zad_check(zad_push(args, x), 'passing x')
   call zad_check(zad_push(args, dx), 'passing its shadow')
   call zad_check(zad_result(args, f), 'binding f')
   call zad_check(zad_function_call(gradient, args), 'calling the gradient')
   ok = abs(f - 14) < 1e-12_c_double .and. all(abs(dx - 2*x) < 1e-12_c_double)
   if (ok) then
      print '(a, f0.1, a, 3(f0.1, 1x), a)', 'Fortran: f = ', f, ', df/dx = ', dx, 'OK'
   else
      print '(a)', 'Fortran: WRONG'
   end if
   call zad_args_free(args)
   call zad_function_free(gradient)
   call zad_module_free(module)
   call zad_context_free(context)
   if (.not. ok) error stop 1
end program prog
