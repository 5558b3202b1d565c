! Steady temperature in a rectangular plate: Jacobi sweeps for Laplace's
! equation by an MLIR kernel (laplace.mlir) working on Fortran rank-2
! arrays in their natural column-major layout, checked against the same
! sweeps in Fortran.
!
! The plate is nx by ny grid points, nx /= ny, with its left edge held at
! temperature 1 and the other three edges at 0. The grid is not square and
! the boundary not symmetric under swapping x and y, so a kernel that read
! the arrays transposed would produce visibly different numbers.
!
! Run from this directory (it opens laplace.mlir). Exits with a non-zero
! status if the kernel and the Fortran loops disagree.
program laplace
   use, intrinsic :: iso_c_binding, only: c_ptr, c_double
   use zad
   implicit none

   integer, parameter :: dp = c_double
   integer, parameter :: nx = 64, ny = 48
   integer, parameter :: sweeps = 2000
   ! The kernel and the loops below do the same operations in the same
   ! order, none of them a multiply-add, so they should agree exactly;
   ! the tolerance only allows for a compiler's liberties.
   real(dp), parameter :: tolerance = 1.0e-12_dp

   ! TARGET: zad keeps the addresses of u, work and change until the call.
   real(dp), target :: u(nx, ny), work(nx, ny)
   real(dp), target :: change
   real(dp) :: reference(nx, ny), reference_change, difference
   type(c_ptr) :: context, module, kernel, args
   integer :: i, j

   u = 0
   u(1, :) = 1
   ! The corners belong to two edges; give them the mean of both.
   u(1, 1) = 0.5_dp
   u(1, ny) = 0.5_dp
   reference = u
   work = 0

   call zad_check(zad_context_new(context), 'creating a zad context')
   call zad_check(zad_load(context, 'laplace.mlir', module), 'loading laplace.mlir')
   call zad_check(zad_function(module, 'jacobi_sweeps', kernel), 'compiling @jacobi_sweeps')
   call zad_check(zad_args_new(args), 'creating an argument list')
   ! @jacobi_sweeps(%u: memref<?x?xf64, strided<[1, ?]>>,
   !                %work: memref<?x?xf64, strided<[1, ?]>>, %sweeps: index) -> f64
   call zad_check(zad_push(args, u), 'passing u')
   call zad_check(zad_push(args, work), 'passing work')
   call zad_check(zad_push_index(args, sweeps), 'passing the number of sweeps')
   call zad_check(zad_result(args, change), 'binding the last change')
   call zad_check(zad_function_call(kernel, args), 'running @jacobi_sweeps')
   call zad_args_free(args)
   call zad_function_free(kernel)
   call zad_module_free(module)
   call zad_context_free(context)

   call fortran_jacobi_sweeps(reference, sweeps, reference_change)
   difference = maxval(abs(u - reference))

   print '(a, i0, a, i0, a)', 'Laplace''s equation on a ', nx, ' x ', ny, &
      ' grid, left edge at 1, other edges at 0 (column-major Fortran arrays)'
   print '(i0, a, es9.2, a, es9.2)', sweeps, ' Jacobi sweeps; largest change in the last sweep: kernel ', &
      change, ', Fortran ', reference_change
   print '(a)', ''
   print '(a)', 'temperature along the middle row j = ny/2 (kernel, then Fortran):'
   print '(a, 9i8)', '  i  ', (i, i=1, nx, 8)
   print '(a, 9f8.5)', '     ', (u(i, ny/2), i=1, nx, 8)
   print '(a, 9f8.5)', '     ', (reference(i, ny/2), i=1, nx, 8)
   print '(a)', 'temperature along the column i = 2 next to the hot edge:'
   print '(a, 9i8)', '  j  ', (j, j=1, ny, 6)
   print '(a, 9f8.5)', '     ', (u(2, j), j=1, ny, 6)
   print '(a)', ''
   print '(a, es9.2, a, es7.1, a)', 'max difference vs Fortran reference: ', difference, &
      ' (tolerance ', tolerance, ')'

   if (.not. (difference <= tolerance) .or. .not. (abs(change - reference_change) <= tolerance)) then
      print '(a)', 'FAILED: the kernel and the Fortran loops disagree'
      error stop 1
   end if
   print '(a)', 'OK'

contains

   !> The reference: the sweeps of laplace.mlir in Fortran, with array
   !> syntax where the kernel has loops.
   subroutine fortran_jacobi_sweeps(u, sweeps, change)
      real(dp), intent(inout) :: u(:, :)
      integer, intent(in) :: sweeps
      real(dp), intent(out) :: change
      real(dp) :: new(size(u, 1), size(u, 2))
      integer :: sweep, nx, ny
      nx = size(u, 1)
      ny = size(u, 2)
      change = 0
      do sweep = 1, sweeps
         new(2:nx - 1, 2:ny - 1) = 0.25_dp*((u(1:nx - 2, 2:ny - 1) + u(3:nx, 2:ny - 1)) &
                                            + (u(2:nx - 1, 1:ny - 2) + u(2:nx - 1, 3:ny)))
         change = maxval(abs(new(2:nx - 1, 2:ny - 1) - u(2:nx - 1, 2:ny - 1)))
         u(2:nx - 1, 2:ny - 1) = new(2:nx - 1, 2:ny - 1)
      end do
   end subroutine

end program laplace
