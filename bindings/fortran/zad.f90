! zad: Fortran bindings to the C ABI of include/zad.h.
!
!   use, intrinsic :: iso_c_binding, only: c_ptr, c_double
!   use zad
!   type(c_ptr) :: context, module, kernel, args
!   real(c_double), target :: u(n)          ! TARGET: see "Arrays" below
!   real(c_double), target :: total
!   call zad_check(zad_context_new(context), 'creating a zad context')
!   call zad_check(zad_load(context, 'heat.mlir', module), 'loading heat.mlir')
!   ! or a Fortran routine itself: zad_load_fortran(context, 'heat.f90', module)
!   call zad_check(zad_function(module, 'heat_steps', kernel), 'compiling @heat_steps')
!   call zad_check(zad_args_new(args), 'creating an argument list')
!   call zad_check(zad_push(args, u), 'passing u')
!   call zad_check(zad_push(args, 0.4_c_double), 'passing r')
!   call zad_check(zad_push_index(args, steps), 'passing steps')
!   call zad_check(zad_result(args, total), 'binding the result')
!   call zad_check(zad_function_call(kernel, args), 'calling @heat_steps')
!   call zad_args_free(args); call zad_function_free(kernel)
!   call zad_module_free(module); call zad_context_free(context)
!
! Compile this file with the program's own compiler and flags (.mod files
! differ between compilers and versions), e.g.
!   gfortran -c zad.f90 && gfortran prog.f90 zad.o -lzad
!
! Handles are type(c_ptr); every fallible call is a function returning an
! integer(c_int32_t) status (ZAD_OK on success), as in C. zad_check turns a
! failure into a message on standard error and an ERROR STOP; programs that
! want to recover test the status and read zad_last_error_message().
!
! Arrays
! ------
! zad_push(args, x) hands zad the address of x itself: nothing is copied,
! and the kernel reads and writes the caller's memory when
! zad_function_call runs, which may be long after zad_push returned. Fortran
! only guarantees that such an address stays valid (and that the compiler
! does not keep copies of x in registers across the call) if the actual
! argument has the TARGET (or POINTER) attribute, so declare every array you
! push TARGET. It must also stay allocated until the list is cleared or
! freed.
!
! The dummy arrays are deliberately assumed-shape WITHOUT the CONTIGUOUS
! attribute: for a CONTIGUOUS dummy the compiler passes a temporary copy of a
! non-contiguous actual argument (say u(1:n:2) or a(2:5, :)), and the address
! zad kept would dangle once zad_push returned. Without it the compiler
! passes the actual array, and zad_push measures its strides in memory. For
! a whole array they are the column-major (1, n1, n1*n2), so its kernel
! parameter must say so: memref<?xf64> for rank 1, and for rank 2 and 3
! memref<?x?xf64, strided<[1, ?]>> and memref<?x?x?xf64, strided<[1, ?, ?]>>
! (the kernel then indexes it x[i, j] in Fortran order). Sections such as
! a(2:5, 3:4) keep unit stride along the first dimension and fit the same
! types; sections with a step, x(1:n:2) or a(1:n:2, :), need a dynamic
! first stride: memref<?xf64, strided<[?]>>, strided<[?, ?]>. The shape is
! passed in Fortran order; zad checks shape, strides and element type
! against the kernel's signature when it is called, and refuses a call
! whose arrays do not match rather than read them transposed.
!
! Scalars are pushed as the type of the Fortran variable, so literal
! constants need their kind: zad_push(args, 0.5_c_double) pushes an f64,
! zad_push(args, 0.5) an f32 (default real).
!
! Scalar results are bound with zad_result(args, x) and written when the
! call succeeds; x, too, must be TARGET and stay alive until the call.
!
! Strings (paths, function names) are Fortran strings: trailing blanks are
! insignificant, as everywhere in Fortran, and are trimmed.
!
! Gradients
! ---------
! zad_gradient(module, name, [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST], grad) compiles
! the reverse-mode gradient of a kernel (one activity per argument); grad is
! called like any function, with a shadow array pushed after each ZAD_DUP
! array (TARGET too, zeroed first: the gradient is added to it) and one
! extra result bound per ZAD_ACTIVE scalar. See zad_gradient below and
! examples-fortran/heat_gradient.f90.
!
! Forward and vector mode
! -----------------------
! zad_tangent(module, name, [ZAD_DUP, ZAD_CONST], tan) compiles the
! forward-mode tangent (one activity per argument; ZAD_DUP gives a real
! scalar or array a tangent); tan is called with the direction pushed after
! each ZAD_DUP argument (a scalar, or an array of the same shape, TARGET,
! which holds the tangent of the array's final contents on return) and one
! extra result bound per real result: its directional derivative.
! zad_tangent_batch(module, name, activity, width, tan) takes width
! directions at once: width tangents after each ZAD_DUP argument, width
! extra results per real result.
!
! Checkpointing
! -------------
! A taped gradient of a long time loop keeps every step's tape. With
! zad_gradient_checkpointed(module, name, activity, loops, grad) it keeps
! only snapshots of the loop's state and recomputes steps from them, e.g.
! within a memory budget:
!   [zad_checkpoint(line=LINE, budget_bytes=50000000_c_int64_t)]
! where LINE is the line of the time loop's scf.for in the .mlir file (or of
! its DO statement in Fortran source, which may also carry the directive
! comment `!$zad checkpoint binomial budget(50000000)` instead). The
! gradient is called as zad_gradient's is; zad_stats_take(stats) tells how
! many steps ran, how many snapshots were stored and how much memory they
! and the tapes took. See examples-fortran/heat2d_adjoint.f90.
module zad
   use, intrinsic :: iso_c_binding, only: c_ptr, c_funptr, c_null_ptr, c_null_char, c_char, c_int32_t, &
      c_int64_t, c_intptr_t, c_size_t, c_float, c_double, c_float_complex, c_double_complex, c_associated, &
      c_f_pointer, c_loc, c_sizeof
   use, intrinsic :: iso_fortran_env, only: error_unit
   implicit none
   private

   ! ----------------------------------------------------------------- status
   ! Kept in step with include/zad.h (the integration tests compare them).
   integer(c_int32_t), parameter, public :: ZAD_OK = 0
   integer(c_int32_t), parameter, public :: ZAD_PARSE_ERROR = 1
   integer(c_int32_t), parameter, public :: ZAD_VERIFY_ERROR = 2
   integer(c_int32_t), parameter, public :: ZAD_NOT_FOUND = 3
   integer(c_int32_t), parameter, public :: ZAD_SIGNATURE_ERROR = 4
   integer(c_int32_t), parameter, public :: ZAD_COMPILE_ERROR = 5
   integer(c_int32_t), parameter, public :: ZAD_IO_ERROR = 6
   integer(c_int32_t), parameter, public :: ZAD_INVALID_ARGUMENT = 7
   integer(c_int32_t), parameter, public :: ZAD_UNSUPPORTED = 8
   integer(c_int32_t), parameter, public :: ZAD_INTERNAL = 9
   integer(c_int32_t), parameter, public :: ZAD_RUNTIME_ERROR = 10

   ! Context options (zad_context_set_option): bounds checks, 1 on, 0 off.
   integer(c_int32_t), parameter, public :: ZAD_OPTION_CHECK_BOUNDS = 1

   ! Element type codes (zad_array_type).
   integer(c_int32_t), parameter, public :: ZAD_F32 = 0
   integer(c_int32_t), parameter, public :: ZAD_F64 = 1
   integer(c_int32_t), parameter, public :: ZAD_I32 = 2
   integer(c_int32_t), parameter, public :: ZAD_I64 = 3
   integer(c_int32_t), parameter, public :: ZAD_INDEX = 4
   integer(c_int32_t), parameter, public :: ZAD_F16 = 5
   integer(c_int32_t), parameter, public :: ZAD_BF16 = 6
   integer(c_int32_t), parameter, public :: ZAD_C32 = 7
   integer(c_int32_t), parameter, public :: ZAD_C64 = 8

   ! Activity of each argument of a gradient (zad_gradient): no derivative,
   ! a float scalar whose derivative is returned as an extra result, or a
   ! float array followed in the argument list by its shadow array.
   integer(c_int32_t), parameter, public :: ZAD_CONST = 0
   integer(c_int32_t), parameter, public :: ZAD_ACTIVE = 1
   integer(c_int32_t), parameter, public :: ZAD_DUP = 2

   ! Checkpointing schemes (zad_checkpoint%scheme): binomial checkpointing
   ! (revolve, the fewest recomputations for a number of snapshots) or a
   ! snapshot every zad_checkpoint%snapshots steps.
   integer(c_int32_t), parameter, public :: ZAD_CHECKPOINT_BINOMIAL = 0
   integer(c_int32_t), parameter, public :: ZAD_CHECKPOINT_PERIODIC = 1

   !> Checkpointing of one time loop (zad.h's zad_checkpoint): an scf.for at
   !> the top level of the differentiated function, named by its source line
   !> in the .mlir file, or the line of its DO statement in Fortran source
   !> (0: every top-level loop). Instead of taping every
   !> step, the gradient keeps snapshots of the loop's state (its iteration
   !> arguments and the buffers from outside it that it writes, which must be
   !> contiguous) and recomputes steps from them.
   !>   scheme ZAD_CHECKPOINT_BINOMIAL: snapshots > 0 snapshots, or, with
   !>     snapshots = 0, as many as budget_bytes of memory hold;
   !>   scheme ZAD_CHECKPOINT_PERIODIC: a snapshot every snapshots steps.
   !> Every component has a default, so keywords make it read well:
   !>   zad_checkpoint(line=14, snapshots=20)
   !>   zad_checkpoint(line=14, budget_bytes=50000000_c_int64_t)
   !>   zad_checkpoint(line=14, scheme=ZAD_CHECKPOINT_PERIODIC, snapshots=100)
   !> (line is a uint32_t in C: lines up to 2**31 - 1 here.)
   type, bind(C), public :: zad_checkpoint
      integer(c_int32_t) :: line = 0
      integer(c_int32_t) :: scheme = ZAD_CHECKPOINT_BINOMIAL
      integer(c_int64_t) :: snapshots = 0
      integer(c_int64_t) :: budget_bytes = 0
   end type

   !> Statistics of the gradients run on the calling thread (zad_stats_take):
   !> plain forward steps of checkpointed loops (the forward sweep's and the
   !> recomputations), steps reversed, snapshots written (a slot is written
   !> again each time the schedule reuses it), the most snapshots held at
   !> once, and the most bytes held in snapshots and in tapes at once.
   !> (uint64_t in C.)
   type, bind(C), public :: zad_stats
      integer(c_int64_t) :: forward_steps = 0
      integer(c_int64_t) :: reversed_steps = 0
      integer(c_int64_t) :: snapshot_writes = 0
      integer(c_int64_t) :: snapshots_held = 0
      integer(c_int64_t) :: peak_snapshot_bytes = 0
      integer(c_int64_t) :: peak_tape_bytes = 0
   end type

   !> How a foreign function (a bind(C) procedure registered with
   !> zad_register_function) receives a memref argument of rank 1, 2 or 3:
   !> MLIR's descriptor, by reference. Element (i, j) of a rank-2 memref (from
   !> 0) is at aligned + (offset + i*strides(1) + j*strides(2)) elements;
   !> zad_memref_values gives a rank-1 memref of real(8) as a Fortran array.
   type, bind(C), public :: zad_memref_1d
      type(c_ptr) :: allocated = c_null_ptr
      type(c_ptr) :: aligned = c_null_ptr
      integer(c_int64_t) :: offset = 0
      integer(c_int64_t) :: sizes(1) = 0
      integer(c_int64_t) :: strides(1) = 0
   end type
   type, bind(C), public :: zad_memref_2d
      type(c_ptr) :: allocated = c_null_ptr
      type(c_ptr) :: aligned = c_null_ptr
      integer(c_int64_t) :: offset = 0
      integer(c_int64_t) :: sizes(2) = 0
      integer(c_int64_t) :: strides(2) = 0
   end type
   type, bind(C), public :: zad_memref_3d
      type(c_ptr) :: allocated = c_null_ptr
      type(c_ptr) :: aligned = c_null_ptr
      integer(c_int64_t) :: offset = 0
      integer(c_int64_t) :: sizes(3) = 0
      integer(c_int64_t) :: strides(3) = 0
   end type

   ! The C interface, one to one with zad.h.
   public :: zad_version, zad_last_error
   public :: zad_context_new, zad_context_free
   public :: zad_context_set_option, zad_context_register_function, zad_context_load_library
   public :: zad_context_register_derivative
   public :: zad_module_parse, zad_module_load, zad_module_load_fortran, zad_module_load_c, zad_module_free
   public :: zad_context_set_threads, zad_context_threads, zad_context_set_target
   public :: zad_module_function, zad_module_gradient, zad_module_tangent_batch, zad_module_hvp
   public :: zad_module_gradient_checkpointed, zad_stats_take
   public :: zad_function_free, zad_function_arity, zad_function_pointer, zad_function_call
   public :: zad_function_call_device
   public :: zad_args_new, zad_args_free, zad_args_clear
   public :: zad_args_push_f32, zad_args_push_f64, zad_args_push_i32, zad_args_push_i64, zad_args_push_index
   public :: zad_args_push_array_f64, zad_args_push_array_f32
   public :: zad_args_push_f16, zad_args_push_bf16, zad_args_push_c32, zad_args_push_c64
   public :: zad_args_push_array_c64, zad_args_push_array_c32, zad_args_push_array_f16, zad_args_push_array_bf16
   public :: zad_args_result_f32, zad_args_result_f64, zad_args_result_i32, zad_args_result_i64
   public :: zad_args_result_f16, zad_args_result_bf16, zad_args_result_c32, zad_args_result_c64
   public :: zad_args_result_index, zad_args_result_array
   public :: zad_array_free, zad_array_type, zad_array_rank, zad_array_shape, zad_array_data
   public :: zad_debug_panic

   ! Fortran conveniences.
   public :: zad_version_string, zad_last_error_message, zad_status_name, zad_check
   public :: zad_load, zad_load_fortran, zad_load_c, zad_parse, zad_function, zad_gradient
   public :: zad_gradient_checkpointed, zad_set_target
   public :: zad_tangent, zad_tangent_batch, zad_hvp
   public :: zad_push, zad_push_index, zad_result, zad_result_index, zad_result_array
   public :: zad_array_dims, zad_array_values
   public :: zad_register_function, zad_register_derivative, zad_load_library, zad_memref_values

   interface
      function zad_version() bind(C, name='zad_version')
         import :: c_ptr
         type(c_ptr) :: zad_version
      end function

      function zad_last_error() bind(C, name='zad_last_error')
         import :: c_ptr
         type(c_ptr) :: zad_last_error
      end function

      function zad_context_new(out) bind(C, name='zad_context_new')
         import :: c_ptr, c_int32_t
         type(c_ptr), intent(out) :: out
         integer(c_int32_t) :: zad_context_new
      end function

      subroutine zad_context_free(context) bind(C, name='zad_context_free')
         import :: c_ptr
         type(c_ptr), value :: context
      end subroutine

      function zad_context_set_option(context, option, value) bind(C, name='zad_context_set_option')
         import :: c_ptr, c_int32_t, c_int64_t
         type(c_ptr), value :: context
         integer(c_int32_t), value :: option
         integer(c_int64_t), value :: value
         integer(c_int32_t) :: zad_context_set_option
      end function

      ! name is a NUL-terminated C string and function the c_funloc of a
      ! bind(C) procedure; zad_register_function takes a Fortran string.
      function zad_context_register_function(context, name, function) bind(C, name='zad_context_register_function')
         import :: c_ptr, c_funptr, c_int32_t, c_char
         type(c_ptr), value :: context
         character(kind=c_char), intent(in) :: name(*)
         type(c_funptr), value :: function
         integer(c_int32_t) :: zad_context_register_function
      end function

      ! adjoint and tangent are c_funloc of bind(C) procedures, or
      ! c_null_funptr (not both); zad_register_derivative takes a Fortran string.
      function zad_context_register_derivative(context, name, adjoint, tangent) &
            bind(C, name='zad_context_register_derivative')
         import :: c_ptr, c_funptr, c_int32_t, c_char
         type(c_ptr), value :: context
         character(kind=c_char), intent(in) :: name(*)
         type(c_funptr), value :: adjoint
         type(c_funptr), value :: tangent
         integer(c_int32_t) :: zad_context_register_derivative
      end function

      function zad_context_load_library(context, path) bind(C, name='zad_context_load_library')
         import :: c_ptr, c_int32_t, c_char
         type(c_ptr), value :: context
         character(kind=c_char), intent(in) :: path(*)
         integer(c_int32_t) :: zad_context_load_library
      end function

      ! The threads parallel loops (scf.parallel) run on, from the next call
      ! of any function of the context on; 0 restores the default
      ! (ZAD_NUM_THREADS, else OMP_NUM_THREADS, else every CPU of the
      ! process).
      function zad_context_set_threads(context, threads) bind(C, name='zad_context_set_threads')
         import :: c_ptr, c_int32_t, c_int64_t
         type(c_ptr), value :: context
         integer(c_int64_t), value :: threads
         integer(c_int32_t) :: zad_context_set_threads
      end function

      function zad_context_threads(context, out) bind(C, name='zad_context_threads')
         import :: c_ptr, c_int32_t, c_int64_t
         type(c_ptr), value :: context
         integer(c_int64_t), intent(out) :: out
         integer(c_int32_t) :: zad_context_threads
      end function

      ! target is a NUL-terminated C string; zad_set_target takes a Fortran
      ! string.
      function zad_context_set_target(context, target) bind(C, name='zad_context_set_target')
         import :: c_ptr, c_int32_t, c_char
         type(c_ptr), value :: context
         character(kind=c_char), intent(in) :: target(*)
         integer(c_int32_t) :: zad_context_set_target
      end function

      ! source and source_name are NUL-terminated C strings; zad_parse takes
      ! Fortran strings.
      function zad_module_parse(context, source, source_name, out) bind(C, name='zad_module_parse')
         import :: c_ptr, c_int32_t, c_char
         type(c_ptr), value :: context
         character(kind=c_char), intent(in) :: source(*)
         ! OPTIONAL in a BIND(C) interface passes NULL when absent: "<string>".
         character(kind=c_char), intent(in), optional :: source_name(*)
         type(c_ptr), intent(out) :: out
         integer(c_int32_t) :: zad_module_parse
      end function

      function zad_module_load(context, path, out) bind(C, name='zad_module_load')
         import :: c_ptr, c_int32_t, c_char
         type(c_ptr), value :: context
         character(kind=c_char), intent(in) :: path(*)
         type(c_ptr), intent(out) :: out
         integer(c_int32_t) :: zad_module_load
      end function

      function zad_module_load_fortran(context, path, options, out) bind(C, name='zad_module_load_fortran')
         import :: c_ptr, c_char, c_int32_t
         type(c_ptr), value :: context
         character(kind=c_char), intent(in) :: path(*)
         ! OPTIONAL in a BIND(C) interface passes NULL when absent: defaults.
         character(kind=c_char), intent(in), optional :: options(*)
         type(c_ptr), intent(out) :: out
         integer(c_int32_t) :: zad_module_load_fortran
      end function

      function zad_module_load_c(context, path, options, out) bind(C, name='zad_module_load_c')
         import :: c_ptr, c_char, c_int32_t
         type(c_ptr), value :: context
         character(kind=c_char), intent(in) :: path(*)
         ! OPTIONAL in a BIND(C) interface passes NULL when absent: defaults.
         character(kind=c_char), intent(in), optional :: options(*)
         type(c_ptr), intent(out) :: out
         integer(c_int32_t) :: zad_module_load_c
      end function

      subroutine zad_module_free(module) bind(C, name='zad_module_free')
         import :: c_ptr
         type(c_ptr), value :: module
      end subroutine

      function zad_module_function(module, name, out) bind(C, name='zad_module_function')
         import :: c_ptr, c_int32_t, c_char
         type(c_ptr), value :: module
         character(kind=c_char), intent(in) :: name(*)
         type(c_ptr), intent(out) :: out
         integer(c_int32_t) :: zad_module_function
      end function

      ! activity: num_activity codes ZAD_CONST, ZAD_ACTIVE or ZAD_DUP, one per
      ! argument of the function; zad_gradient takes a Fortran array.
      function zad_module_gradient(module, name, activity, num_activity, out) bind(C, name='zad_module_gradient')
         import :: c_ptr, c_int32_t, c_char, c_size_t
         type(c_ptr), value :: module
         character(kind=c_char), intent(in) :: name(*)
         integer(c_int32_t), intent(in) :: activity(*)
         integer(c_size_t), value :: num_activity
         type(c_ptr), intent(out) :: out
         integer(c_int32_t) :: zad_module_gradient
      end function

      ! As zad_module_gradient, for the forward-mode tangent with width
      ! directions (zad_module_tangent is width 1); zad_tangent and
      ! zad_tangent_batch take Fortran arrays.
      function zad_module_tangent_batch(module, name, activity, num_activity, width, out) &
            bind(C, name='zad_module_tangent_batch')
         import :: c_ptr, c_int32_t, c_char, c_size_t
         type(c_ptr), value :: module
         character(kind=c_char), intent(in) :: name(*)
         integer(c_int32_t), intent(in) :: activity(*)
         integer(c_size_t), value :: num_activity
         integer(c_size_t), value :: width
         type(c_ptr), intent(out) :: out
         integer(c_int32_t) :: zad_module_tangent_batch
      end function

      ! As zad_module_gradient; the compiled function is the Hessian-vector
      ! product (see zad_hvp).
      function zad_module_hvp(module, name, activity, num_activity, out) bind(C, name='zad_module_hvp')
         import :: c_ptr, c_int32_t, c_char, c_size_t
         type(c_ptr), value :: module
         character(kind=c_char), intent(in) :: name(*)
         integer(c_int32_t), intent(in) :: activity(*)
         integer(c_size_t), value :: num_activity
         type(c_ptr), intent(out) :: out
         integer(c_int32_t) :: zad_module_hvp
      end function

      ! loops: num_loops entries; calls: num_calls NUL-terminated function
      ! names (c_loc of each). Either may be absent (NULL) when its count is
      ! 0. zad_gradient_checkpointed takes Fortran arrays and strings.
      function zad_module_gradient_checkpointed(module, name, activity, num_activity, loops, num_loops, &
                                                calls, num_calls, out) bind(C, name='zad_module_gradient_checkpointed')
         import :: c_ptr, c_int32_t, c_char, c_size_t, zad_checkpoint
         type(c_ptr), value :: module
         character(kind=c_char), intent(in) :: name(*)
         integer(c_int32_t), intent(in) :: activity(*)
         integer(c_size_t), value :: num_activity
         type(zad_checkpoint), intent(in), optional :: loops(*)
         integer(c_size_t), value :: num_loops
         type(c_ptr), intent(in), optional :: calls(*)
         integer(c_size_t), value :: num_calls
         type(c_ptr), intent(out) :: out
         integer(c_int32_t) :: zad_module_gradient_checkpointed
      end function

      ! The statistics since the last call on this thread, which starts a
      ! new measurement.
      function zad_stats_take(out) bind(C, name='zad_stats_take')
         import :: c_int32_t, zad_stats
         type(zad_stats), intent(out) :: out
         integer(c_int32_t) :: zad_stats_take
      end function

      subroutine zad_function_free(function) bind(C, name='zad_function_free')
         import :: c_ptr
         type(c_ptr), value :: function
      end subroutine

      function zad_function_arity(function, num_args, num_results) bind(C, name='zad_function_arity')
         import :: c_ptr, c_int32_t, c_size_t
         type(c_ptr), value :: function
         integer(c_size_t), intent(out), optional :: num_args, num_results
         integer(c_int32_t) :: zad_function_arity
      end function

      ! The C prototype says void **; the address is the kernel's C entry
      ! point, so it is received as a c_funptr, ready for c_f_procpointer
      ! with an abstract interface matching the calling convention of zad.h.
      function zad_function_pointer(function, out) bind(C, name='zad_function_pointer')
         import :: c_ptr, c_funptr, c_int32_t
         type(c_ptr), value :: function
         type(c_funptr), intent(out) :: out
         integer(c_int32_t) :: zad_function_pointer
      end function

      function zad_function_call(function, args) bind(C, name='zad_function_call')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: function, args
         integer(c_int32_t) :: zad_function_call
      end function

      ! For a function compiled for CUDA: the arrays pushed are GPU memory
      ! the caller owns (e.g. CUDA Fortran device arrays); nothing is copied.
      function zad_function_call_device(function, args) bind(C, name='zad_function_call_device')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: function, args
         integer(c_int32_t) :: zad_function_call_device
      end function

      function zad_args_new(out) bind(C, name='zad_args_new')
         import :: c_ptr, c_int32_t
         type(c_ptr), intent(out) :: out
         integer(c_int32_t) :: zad_args_new
      end function

      subroutine zad_args_free(args) bind(C, name='zad_args_free')
         import :: c_ptr
         type(c_ptr), value :: args
      end subroutine

      function zad_args_clear(args) bind(C, name='zad_args_clear')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: args
         integer(c_int32_t) :: zad_args_clear
      end function

      function zad_args_push_f32(args, value) bind(C, name='zad_args_push_f32')
         import :: c_ptr, c_int32_t, c_float
         type(c_ptr), value :: args
         real(c_float), value :: value
         integer(c_int32_t) :: zad_args_push_f32
      end function

      function zad_args_push_f64(args, value) bind(C, name='zad_args_push_f64')
         import :: c_ptr, c_int32_t, c_double
         type(c_ptr), value :: args
         real(c_double), value :: value
         integer(c_int32_t) :: zad_args_push_f64
      end function

      function zad_args_push_i32(args, value) bind(C, name='zad_args_push_i32')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: args
         integer(c_int32_t), value :: value
         integer(c_int32_t) :: zad_args_push_i32
      end function

      function zad_args_push_i64(args, value) bind(C, name='zad_args_push_i64')
         import :: c_ptr, c_int32_t, c_int64_t
         type(c_ptr), value :: args
         integer(c_int64_t), value :: value
         integer(c_int32_t) :: zad_args_push_i64
      end function

      function zad_args_push_index(args, value) bind(C, name='zad_args_push_index')
         import :: c_ptr, c_int32_t, c_int64_t
         type(c_ptr), value :: args
         integer(c_int64_t), value :: value
         integer(c_int32_t) :: zad_args_push_index
      end function

      ! data: c_loc of element (0, ..., 0), or c_null_ptr for an empty array;
      ! shape and strides in elements, in the order of the kernel's memref
      ! dimensions; strides may be absent (NULL: C row-major).
      function zad_args_push_array_f64(args, data, rank, shape, strides) bind(C, name='zad_args_push_array_f64')
         import :: c_ptr, c_int32_t, c_int64_t, c_size_t
         type(c_ptr), value :: args, data
         integer(c_size_t), value :: rank
         integer(c_int64_t), intent(in) :: shape(*)
         integer(c_int64_t), intent(in), optional :: strides(*)
         integer(c_int32_t) :: zad_args_push_array_f64
      end function

      function zad_args_push_array_f32(args, data, rank, shape, strides) bind(C, name='zad_args_push_array_f32')
         import :: c_ptr, c_int32_t, c_int64_t, c_size_t
         type(c_ptr), value :: args, data
         integer(c_size_t), value :: rank
         integer(c_int64_t), intent(in) :: shape(*)
         integer(c_int64_t), intent(in), optional :: strides(*)
         integer(c_int32_t) :: zad_args_push_array_f32
      end function

      ! An f16/bf16 scalar, given as a real(c_float) rounded to its precision.
      function zad_args_push_f16(args, value) bind(C, name='zad_args_push_f16')
         import :: c_ptr, c_int32_t, c_float
         type(c_ptr), value :: args
         real(c_float), value :: value
         integer(c_int32_t) :: zad_args_push_f16
      end function

      ! An f16/bf16 scalar, given as a real(c_float) rounded to its precision.
      function zad_args_push_bf16(args, value) bind(C, name='zad_args_push_bf16')
         import :: c_ptr, c_int32_t, c_float
         type(c_ptr), value :: args
         real(c_float), value :: value
         integer(c_int32_t) :: zad_args_push_bf16
      end function

      ! A complex scalar, from its real and imaginary parts.
      function zad_args_push_c32(args, re, im) bind(C, name='zad_args_push_c32')
         import :: c_ptr, c_int32_t, c_float
         type(c_ptr), value :: args
         real(c_float), value :: re, im
         integer(c_int32_t) :: zad_args_push_c32
      end function

      ! A complex scalar, from its real and imaginary parts.
      function zad_args_push_c64(args, re, im) bind(C, name='zad_args_push_c64')
         import :: c_ptr, c_int32_t, c_double
         type(c_ptr), value :: args
         real(c_double), value :: re, im
         integer(c_int32_t) :: zad_args_push_c64
      end function

      function zad_args_push_array_c64(args, data, rank, shape, strides) bind(C, name='zad_args_push_array_c64')
         import :: c_ptr, c_int32_t, c_int64_t, c_size_t
         type(c_ptr), value :: args, data
         integer(c_size_t), value :: rank
         integer(c_int64_t), intent(in) :: shape(*)
         integer(c_int64_t), intent(in), optional :: strides(*)
         integer(c_int32_t) :: zad_args_push_array_c64
      end function

      function zad_args_push_array_c32(args, data, rank, shape, strides) bind(C, name='zad_args_push_array_c32')
         import :: c_ptr, c_int32_t, c_int64_t, c_size_t
         type(c_ptr), value :: args, data
         integer(c_size_t), value :: rank
         integer(c_int64_t), intent(in) :: shape(*)
         integer(c_int64_t), intent(in), optional :: strides(*)
         integer(c_int32_t) :: zad_args_push_array_c32
      end function

      function zad_args_push_array_f16(args, data, rank, shape, strides) bind(C, name='zad_args_push_array_f16')
         import :: c_ptr, c_int32_t, c_int64_t, c_size_t
         type(c_ptr), value :: args, data
         integer(c_size_t), value :: rank
         integer(c_int64_t), intent(in) :: shape(*)
         integer(c_int64_t), intent(in), optional :: strides(*)
         integer(c_int32_t) :: zad_args_push_array_f16
      end function

      function zad_args_push_array_bf16(args, data, rank, shape, strides) bind(C, name='zad_args_push_array_bf16')
         import :: c_ptr, c_int32_t, c_int64_t, c_size_t
         type(c_ptr), value :: args, data
         integer(c_size_t), value :: rank
         integer(c_int64_t), intent(in) :: shape(*)
         integer(c_int64_t), intent(in), optional :: strides(*)
         integer(c_int32_t) :: zad_args_push_array_bf16
      end function

      ! out: c_loc of a real(c_float) (f16, bf16), or of a complex(c_float_complex)
      ! or complex(c_double_complex) variable (c32, c64).
      function zad_args_result_f16(args, out) bind(C, name='zad_args_result_f16')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: args, out
         integer(c_int32_t) :: zad_args_result_f16
      end function

      function zad_args_result_bf16(args, out) bind(C, name='zad_args_result_bf16')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: args, out
         integer(c_int32_t) :: zad_args_result_bf16
      end function

      function zad_args_result_c32(args, out) bind(C, name='zad_args_result_c32')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: args, out
         integer(c_int32_t) :: zad_args_result_c32
      end function

      function zad_args_result_c64(args, out) bind(C, name='zad_args_result_c64')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: args, out
         integer(c_int32_t) :: zad_args_result_c64
      end function

      ! out: c_loc of a TARGET variable of the result's type, written by a
      ! later successful zad_function_call.
      function zad_args_result_f32(args, out) bind(C, name='zad_args_result_f32')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: args, out
         integer(c_int32_t) :: zad_args_result_f32
      end function

      function zad_args_result_f64(args, out) bind(C, name='zad_args_result_f64')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: args, out
         integer(c_int32_t) :: zad_args_result_f64
      end function

      function zad_args_result_i32(args, out) bind(C, name='zad_args_result_i32')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: args, out
         integer(c_int32_t) :: zad_args_result_i32
      end function

      function zad_args_result_i64(args, out) bind(C, name='zad_args_result_i64')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: args, out
         integer(c_int32_t) :: zad_args_result_i64
      end function

      function zad_args_result_index(args, out) bind(C, name='zad_args_result_index')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: args, out
         integer(c_int32_t) :: zad_args_result_index
      end function

      ! out: c_loc of a TARGET type(c_ptr), set to a new zad_array (free it
      ! with zad_array_free) by a later successful zad_function_call.
      function zad_args_result_array(args, out) bind(C, name='zad_args_result_array')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: args, out
         integer(c_int32_t) :: zad_args_result_array
      end function

      subroutine zad_array_free(array) bind(C, name='zad_array_free')
         import :: c_ptr
         type(c_ptr), value :: array
      end subroutine

      function zad_array_type(array) bind(C, name='zad_array_type')
         import :: c_ptr, c_int32_t
         type(c_ptr), value :: array
         integer(c_int32_t) :: zad_array_type
      end function

      function zad_array_rank(array) bind(C, name='zad_array_rank')
         import :: c_ptr, c_size_t
         type(c_ptr), value :: array
         integer(c_size_t) :: zad_array_rank
      end function

      function zad_array_shape(array) bind(C, name='zad_array_shape')
         import :: c_ptr
         type(c_ptr), value :: array
         type(c_ptr) :: zad_array_shape
      end function

      function zad_array_data(array) bind(C, name='zad_array_data')
         import :: c_ptr
         type(c_ptr), value :: array
         type(c_ptr) :: zad_array_data
      end function

      function zad_debug_panic() bind(C, name='zad_debug_panic')
         import :: c_int32_t
         integer(c_int32_t) :: zad_debug_panic
      end function

      ! From the C library, to measure the strings zad returns.
      function c_strlen(string) bind(C, name='strlen')
         import :: c_ptr, c_size_t
         type(c_ptr), value :: string
         integer(c_size_t) :: c_strlen
      end function
   end interface

   !> zad_push(args, x): appends a scalar (real(c_double), real(c_float),
   !> integer(c_int32_t), integer(c_int64_t) -> f64, f32, i32, i64) or a
   !> real(c_double) / real(c_float) array of rank 1 to 3 (memref of f64 or
   !> f32, not copied: see "Arrays" above) to an argument list.
   interface zad_push
      module procedure push_f64, push_f32, push_i32, push_i64
      module procedure push_f64_rank1, push_f64_rank2, push_f64_rank3
      module procedure push_f32_rank1, push_f32_rank2, push_f32_rank3
      module procedure push_c64, push_c32
      module procedure push_c64_rank1, push_c64_rank2, push_c64_rank3
      module procedure push_c32_rank1, push_c32_rank2, push_c32_rank3
   end interface

   !> zad_push_index(args, i): appends an MLIR `index` (i of any integer kind
   !> up to 64 bits; the ABI passes it as 64 bits).
   interface zad_push_index
      module procedure push_index_i32, push_index_i64
   end interface

   !> zad_result(args, x): binds the next result of the call to the TARGET
   !> scalar x, whose type must be the result's (f64, f32, i32, i64).
   interface zad_result
      module procedure result_f64, result_f32, result_i32, result_i64, result_c64, result_c32
   end interface

contains

   ! ---------------------------------------------------------------- strings

   !> A NUL-terminated copy of a Fortran string, without trailing blanks.
   pure function c_string(string)
      character(len=*), intent(in) :: string
      character(kind=c_char, len=:), allocatable :: c_string
      c_string = trim(string)//c_null_char
   end function

   !> A Fortran copy of a NUL-terminated C string ('' for NULL).
   function fortran_string(pointer) result(string)
      type(c_ptr), intent(in) :: pointer
      character(len=:), allocatable :: string
      character(kind=c_char), pointer :: chars(:)
      integer :: length, i
      if (.not. c_associated(pointer)) then
         string = ''
         return
      end if
      length = int(c_strlen(pointer))
      call c_f_pointer(pointer, chars, [length])
      allocate (character(len=length) :: string)
      do i = 1, length
         string(i:i) = chars(i)
      end do
   end function

   !> The version of the zad library, e.g. '0.1.0'.
   function zad_version_string() result(version)
      character(len=:), allocatable :: version
      version = fortran_string(zad_version())
   end function

   !> The message of the last failed zad call on this thread ('' if none),
   !> with MLIR's file:line:col where there is one. May span several lines.
   function zad_last_error_message() result(message)
      character(len=:), allocatable :: message
      message = fortran_string(zad_last_error())
   end function

   !> 'ZAD_OK', 'ZAD_PARSE_ERROR', ... for a status code.
   pure function zad_status_name(status) result(name)
      integer(c_int32_t), intent(in) :: status
      character(len=:), allocatable :: name
      select case (status)
      case (ZAD_OK); name = 'ZAD_OK'
      case (ZAD_PARSE_ERROR); name = 'ZAD_PARSE_ERROR'
      case (ZAD_VERIFY_ERROR); name = 'ZAD_VERIFY_ERROR'
      case (ZAD_NOT_FOUND); name = 'ZAD_NOT_FOUND'
      case (ZAD_SIGNATURE_ERROR); name = 'ZAD_SIGNATURE_ERROR'
      case (ZAD_COMPILE_ERROR); name = 'ZAD_COMPILE_ERROR'
      case (ZAD_IO_ERROR); name = 'ZAD_IO_ERROR'
      case (ZAD_INVALID_ARGUMENT); name = 'ZAD_INVALID_ARGUMENT'
      case (ZAD_UNSUPPORTED); name = 'ZAD_UNSUPPORTED'
      case (ZAD_INTERNAL); name = 'ZAD_INTERNAL'
      case (ZAD_RUNTIME_ERROR); name = 'ZAD_RUNTIME_ERROR'
      case default; name = 'unknown zad status'
      end select
   end function

   !> Does nothing if status is ZAD_OK; otherwise prints what failed, the
   !> status and zad's message on standard error and stops the program
   !> with ERROR STOP.
   subroutine zad_check(status, what)
      integer(c_int32_t), intent(in) :: status
      character(len=*), intent(in) :: what
      character(len=8) :: code
      if (status == ZAD_OK) return
      write (code, '(i0)') status
      write (error_unit, '(a)') 'zad: '//what//' failed: '//zad_status_name(status)//' ('//trim(code)//')'
      write (error_unit, '(a)') zad_last_error_message()
      ! The runtime may buffer standard error; flush it so that the message
      ! comes out before whatever ERROR STOP prints.
      flush (error_unit)
      error stop
   end subroutine

   ! ------------------------------------------------------ foreign functions

   !> Makes the bind(C) procedure at function (c_funloc(procedure)) the
   !> definition of the kernels' foreign function name (a func.func private
   !> @name without a body), for modules compiled from context afterwards.
   !> Scalars arrive by value (declare them value), memrefs as descriptors
   !> (zad_memref_1d, ...), one scalar result as the function's value.
   function zad_register_function(context, name, function) result(status)
      type(c_ptr), intent(in) :: context
      character(len=*), intent(in) :: name
      type(c_funptr), intent(in) :: function
      integer(c_int32_t) :: status
      status = zad_context_register_function(context, c_string(name), function)
   end function

   !> Registers the adjoint and/or the tangent (c_funloc of bind(C)
   !> procedures, c_null_funptr for none) of the foreign function name, called
   !> instead of differentiating its calls (see zad_context_register_derivative
   !> in zad.h for their signatures).
   function zad_register_derivative(context, name, adjoint, tangent) result(status)
      type(c_ptr), intent(in) :: context
      character(len=*), intent(in) :: name
      type(c_funptr), intent(in) :: adjoint
      type(c_funptr), intent(in) :: tangent
      integer(c_int32_t) :: status
      status = zad_context_register_derivative(context, c_string(name), adjoint, tangent)
   end function

   !> Loads the shared library at path, whose functions define foreign
   !> functions of modules compiled from context afterwards.
   function zad_load_library(context, path) result(status)
      type(c_ptr), intent(in) :: context
      character(len=*), intent(in) :: path
      integer(c_int32_t) :: status
      status = zad_context_load_library(context, c_string(path))
   end function

   !> The elements of a rank-1 memref of real(8) a foreign function received,
   !> as a Fortran array pointer (strides included; writes go to the memref).
   subroutine zad_memref_values(descriptor, values)
      type(zad_memref_1d), intent(in) :: descriptor
      real(c_double), pointer, intent(out) :: values(:)
      real(c_double), pointer :: base(:)
      integer(c_int64_t) :: first, last, stride
      stride = max(descriptor%strides(1), 1_c_int64_t)
      first = descriptor%offset + 1
      last = descriptor%offset + (descriptor%sizes(1) - 1)*stride + 1
      call c_f_pointer(descriptor%aligned, base, [max(last, first)])
      values => base(first:last:stride)
   end subroutine

   ! ----------------------------------------------------- modules, functions

   !> Reads, parses and verifies the MLIR file at path into a new module
   !> (c_null_ptr on failure).
   function zad_load(context, path, module) result(status)
      type(c_ptr), intent(in) :: context
      character(len=*), intent(in) :: path
      type(c_ptr), intent(out) :: module
      integer(c_int32_t) :: status
      module = c_null_ptr
      status = zad_module_load(context, c_string(path), module)
   end function

   !> Converts the procedures of a Fortran source file into a new module
   !> (c_null_ptr on failure), with flang. Functions are then named by their
   !> Fortran names (any case; module::name where two modules define one).
   !> options, if given, are options for reading the source, as on a
   !> compiler's command line: '-I include -DNX=100 -ffixed-form'.
   function zad_load_fortran(context, path, module, options) result(status)
      type(c_ptr), intent(in) :: context
      character(len=*), intent(in) :: path
      type(c_ptr), intent(out) :: module
      character(len=*), intent(in), optional :: options
      integer(c_int32_t) :: status
      module = c_null_ptr
      if (present(options)) then
         status = zad_module_load_fortran(context, c_string(path), c_string(options), module)
      else
         status = zad_module_load_fortran(context, c_string(path), out=module)
      end if
   end function

   !> Converts the functions of a C source file into a new module
   !> (c_null_ptr on failure), with clang. Functions keep their C names;
   !> pointer parameters are 1-D arrays. options, if given, are options for
   !> reading the source: '-I include -DN=100 -std=c11'.
   function zad_load_c(context, path, module, options) result(status)
      type(c_ptr), intent(in) :: context
      character(len=*), intent(in) :: path
      type(c_ptr), intent(out) :: module
      character(len=*), intent(in), optional :: options
      integer(c_int32_t) :: status
      module = c_null_ptr
      if (present(options)) then
         status = zad_module_load_c(context, c_string(path), c_string(options), module)
      else
         status = zad_module_load_c(context, c_string(path), out=module)
      end if
   end function

   !> Parses and verifies MLIR text into a new module (c_null_ptr on
   !> failure); source_name, if given, names the text in messages.
   function zad_parse(context, source, module, source_name) result(status)
      type(c_ptr), intent(in) :: context
      character(len=*), intent(in) :: source
      type(c_ptr), intent(out) :: module
      character(len=*), intent(in), optional :: source_name
      integer(c_int32_t) :: status
      module = c_null_ptr
      ! The text is passed untrimmed: only the NUL is added.
      if (present(source_name)) then
         status = zad_module_parse(context, source//c_null_char, c_string(source_name), module)
      else
         status = zad_module_parse(context, source//c_null_char, out=module)
      end if
   end function

   !> Where the parallel loops of the functions compiled from now on run:
   !> 'cpu' (threads, the default), 'cuda' (an NVIDIA GPU) or 'cuda:sm_XY'.
   function zad_set_target(context, target) result(status)
      type(c_ptr), intent(in) :: context
      character(len=*), intent(in) :: target
      integer(c_int32_t) :: status
      status = zad_context_set_target(context, c_string(target))
   end function

   !> The compiled function called name (without '@') of a module, as a new
   !> handle (c_null_ptr on failure). The first request JIT-compiles the
   !> module.
   function zad_function(module, name, function) result(status)
      type(c_ptr), intent(in) :: module
      character(len=*), intent(in) :: name
      type(c_ptr), intent(out) :: function
      integer(c_int32_t) :: status
      function = c_null_ptr
      status = zad_module_function(module, c_string(name), function)
   end function

   !> activity as the C side reads it, activity(1 : size(activity)): a
   !> contiguous copy, at least one element long.
   pure function activity_codes(activity) result(codes)
      integer(c_int32_t), intent(in) :: activity(:)
      integer(c_int32_t) :: codes(max(size(activity), 1))
      codes = ZAD_CONST
      codes(1:size(activity)) = activity
   end function

   !> The compiled reverse-mode gradient of the function called name, as a
   !> new handle (c_null_ptr on failure), for the given activity of each of
   !> its arguments: ZAD_CONST (no derivative), ZAD_ACTIVE (a real scalar
   !> whose derivative is returned) or ZAD_DUP (a real array with a shadow).
   !>
   !> Call it with zad_function_call like the function itself: push the
   !> function's arguments in order, each ZAD_DUP array followed by its
   !> shadow, an array of the same shape (and layout) into which the
   !> gradient is ADDED, so zero it first; optionally push one seed per real
   !> result (the factor the derivative is multiplied by; 1 when omitted).
   !> Bind the function's results, then one real result per ZAD_ACTIVE
   !> argument, in order: its derivative. For an array the kernel
   !> overwrites, the shadow holds d(result)/d(initial contents) on return.
   !>
   !>   ! func.func @misfit(%u0: memref<?xf64>, %kappa: f64, %n: index) -> f64
   !>   call zad_check(zad_gradient(module, 'misfit', [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST], grad), '...')
   !>   du0 = 0
   !>   ... zad_push(args, u0), zad_push(args, du0), zad_push(args, kappa), zad_push_index(args, n)
   !>   ... zad_result(args, j), zad_result(args, dj_dkappa)
   function zad_gradient(module, name, activity, function) result(status)
      type(c_ptr), intent(in) :: module
      character(len=*), intent(in) :: name
      integer(c_int32_t), intent(in) :: activity(:)
      type(c_ptr), intent(out) :: function
      integer(c_int32_t) :: status
      function = c_null_ptr
      status = zad_module_gradient(module, c_string(name), activity_codes(activity), int(size(activity), c_size_t), function)
   end function

   !> The compiled forward-mode tangent of the function called name, as a
   !> new handle (c_null_ptr on failure), for the given activity of each of
   !> its arguments: ZAD_DUP (a real scalar or array with a tangent;
   !> ZAD_ACTIVE means the same for scalars) or ZAD_CONST (none).
   !>
   !> Call it with zad_function_call like the function itself: push the
   !> function's arguments in order, each ZAD_DUP one followed by its
   !> tangent (the direction: a scalar, or an array of the same shape and
   !> layout; for an array the kernel writes, it holds the tangent of the
   !> final contents on return). Bind the function's results, then one real
   !> result per real result of the function: its directional derivative.
   !>
   !>   ! func.func @misfit(%u0: memref<?xf64>, %kappa: f64, %n: index) -> f64
   !>   call zad_check(zad_tangent(module, 'misfit', [ZAD_DUP, ZAD_DUP, ZAD_CONST], tan), '...')
   !>   ... zad_push(args, u0), zad_push(args, du0), zad_push(args, kappa), zad_push(args, dkappa), zad_push_index(args, n)
   !>   ... zad_result(args, j), zad_result(args, dj)
   function zad_tangent(module, name, activity, function) result(status)
      type(c_ptr), intent(in) :: module
      character(len=*), intent(in) :: name
      integer(c_int32_t), intent(in) :: activity(:)
      type(c_ptr), intent(out) :: function
      integer(c_int32_t) :: status
      status = zad_tangent_batch(module, name, activity, 1, function)
   end function

   !> As zad_tangent, with width directions at once (vector mode): each
   !> ZAD_DUP argument is followed by width tangents, and each real result
   !> by width results (one per direction, in order).
   function zad_tangent_batch(module, name, activity, width, function) result(status)
      type(c_ptr), intent(in) :: module
      character(len=*), intent(in) :: name
      integer(c_int32_t), intent(in) :: activity(:)
      integer, intent(in) :: width
      type(c_ptr), intent(out) :: function
      integer(c_int32_t) :: status
      function = c_null_ptr
      status = zad_module_tangent_batch(module, c_string(name), activity_codes(activity), &
                                        int(size(activity), c_size_t), int(max(width, 0), c_size_t), function)
   end function

   !> Compiles the Hessian-vector product of procedure name (forward over
   !> reverse) for one activity per argument, as zad_gradient. Call it with,
   !> per argument: the argument; for a ZAD_ACTIVE scalar then its direction
   !> v; for a ZAD_DUP array then its shadow (the gradient is added to it),
   !> its direction V and an array into which H V is added (zero the shadow
   !> and that array first); nothing more for ZAD_CONST. Bind the results,
   !> then one gradient per ZAD_ACTIVE argument, then (H V) per ZAD_ACTIVE
   !> argument.
   !>
   !>   ! func.func @energy(%u: memref<?xf64>, %k: f64) -> f64
   !>   call zad_check(zad_hvp(module, 'energy', [ZAD_DUP, ZAD_ACTIVE], hvp), '...')
   !>   du = 0; hu = 0
   !>   ... zad_push(args, u), zad_push(args, du), zad_push(args, vu), zad_push(args, hu)
   !>   ... zad_push(args, k), zad_push(args, vk)
   !>   ... zad_result(args, e), zad_result(args, de_dk), zad_result(args, hv_k)
   function zad_hvp(module, name, activity, function) result(status)
      type(c_ptr), intent(in) :: module
      character(len=*), intent(in) :: name
      integer(c_int32_t), intent(in) :: activity(:)
      type(c_ptr), intent(out) :: function
      integer(c_int32_t) :: status
      function = c_null_ptr
      status = zad_module_hvp(module, c_string(name), activity_codes(activity), int(size(activity), c_size_t), function)
   end function

   !> As zad_gradient, with checkpointing of the time loops described by
   !> loops (see zad_checkpoint). calls, if present, names functions every
   !> call of which is checkpointed too: not inlined, run untaped forward and
   !> rerun taped in reverse. The gradient is called exactly like
   !> zad_gradient's; zad_stats_take then reports what it did.
   !>
   !>   ! the time loop of heat_misfit is the DO on line 42 of its source
   !>   call zad_check(zad_gradient_checkpointed(module, 'heat_misfit', [ZAD_DUP, ZAD_ACTIVE, ZAD_CONST], &
   !>                  [zad_checkpoint(line=42, budget_bytes=50000000_c_int64_t)], grad), '...')
   function zad_gradient_checkpointed(module, name, activity, loops, function, calls) result(status)
      type(c_ptr), intent(in) :: module
      character(len=*), intent(in) :: name
      integer(c_int32_t), intent(in) :: activity(:)
      type(zad_checkpoint), intent(in) :: loops(:)
      type(c_ptr), intent(out) :: function
      character(len=*), intent(in), optional :: calls(:)
      integer(c_int32_t) :: status
      ! A contiguous copy (the C side reads loops(1 : size(loops))), at
      ! least one element long.
      type(zad_checkpoint) :: entries(max(size(loops), 1))
      ! The names, NUL-terminated one after the other, and their addresses.
      character(kind=c_char), allocatable, target :: names(:)
      type(c_ptr), allocatable :: pointers(:)
      integer :: i, k, start, num_calls
      function = c_null_ptr
      entries(1:size(loops)) = loops
      num_calls = 0
      if (present(calls)) num_calls = size(calls)
      allocate (pointers(max(num_calls, 1)))
      pointers = c_null_ptr
      if (num_calls > 0) then
         allocate (names(sum(len_trim(calls)) + num_calls))
         start = 1
         do i = 1, num_calls
            do k = 1, len_trim(calls(i))
               names(start + k - 1) = calls(i)(k:k)
            end do
            names(start + len_trim(calls(i))) = c_null_char
            pointers(i) = c_loc(names(start))
            start = start + len_trim(calls(i)) + 1
         end do
      end if
      status = zad_module_gradient_checkpointed(module, c_string(name), activity_codes(activity), int(size(activity), c_size_t), &
                                                entries, int(size(loops), c_size_t), pointers, &
                                                int(num_calls, c_size_t), function)
   end function

   ! ---------------------------------------------------------------- scalars

   function push_f64(args, x) result(status)
      type(c_ptr), intent(in) :: args
      real(c_double), intent(in) :: x
      integer(c_int32_t) :: status
      status = zad_args_push_f64(args, x)
   end function

   function push_f32(args, x) result(status)
      type(c_ptr), intent(in) :: args
      real(c_float), intent(in) :: x
      integer(c_int32_t) :: status
      status = zad_args_push_f32(args, x)
   end function

   function push_i32(args, x) result(status)
      type(c_ptr), intent(in) :: args
      integer(c_int32_t), intent(in) :: x
      integer(c_int32_t) :: status
      status = zad_args_push_i32(args, x)
   end function

   function push_i64(args, x) result(status)
      type(c_ptr), intent(in) :: args
      integer(c_int64_t), intent(in) :: x
      integer(c_int32_t) :: status
      status = zad_args_push_i64(args, x)
   end function

   function push_index_i32(args, i) result(status)
      type(c_ptr), intent(in) :: args
      integer(c_int32_t), intent(in) :: i
      integer(c_int32_t) :: status
      status = zad_args_push_index(args, int(i, c_int64_t))
   end function

   function push_index_i64(args, i) result(status)
      type(c_ptr), intent(in) :: args
      integer(c_int64_t), intent(in) :: i
      integer(c_int32_t) :: status
      status = zad_args_push_index(args, i)
   end function

   ! ----------------------------------------------------------------- arrays
   !
   ! Each specific finds the address of element (1, ..., 1) and the distance
   ! in memory between neighbours along each dimension, in elements, and
   ! hands those to zad: the array itself is passed, whatever its layout.
   ! The x dummies have no INTENT because only the kernel knows whether it
   ! writes to them.

   !> The distance from base to element, in elements of element_size bytes.
   function element_distance(base, element, element_size) result(distance)
      type(c_ptr), intent(in) :: base, element
      integer(c_size_t), intent(in) :: element_size
      integer(c_int64_t) :: distance
      integer(c_intptr_t) :: bytes
      bytes = transfer(element, bytes) - transfer(base, bytes)
      ! Arrays of real(c_double) or real(c_float) (even components of an
      ! array of derived type, which compilers align) are always a whole
      ! number of elements apart; anything else cannot be described to MLIR.
      if (modulo(bytes, int(element_size, c_intptr_t)) /= 0) then
         write (error_unit, '(a)') 'zad_push: the array''s elements are not a whole number of elements apart '// &
            'in memory; copy it into a plain array first'
         error stop 'zad_push: unsupported array layout'
      end if
      distance = int(bytes/int(element_size, c_intptr_t), c_int64_t)
   end function

   !> Column-major strides of a contiguous array of shape extents, used for
   !> dimensions along which no step is ever taken (extent 0 or 1), where
   !> zad does not look at the stride.
   pure function column_major_strides(extents) result(strides)
      integer(c_int64_t), intent(in) :: extents(:)
      integer(c_int64_t) :: strides(size(extents))
      integer :: d
      strides(1) = 1
      do d = 2, size(extents)
         strides(d) = strides(d - 1)*max(extents(d - 1), 1_c_int64_t)
      end do
   end function

   !> Pushes an array of element type element (ZAD_F64, ...) of shape
   !> extents whose elements are storage bits wide: at(1) is the address of
   !> element (1, ..., 1), at(1 + d) that of the next element along
   !> dimension d (c_null_ptr throughout for an empty array).
   function push_array(args, element, extents, at, bits) result(status)
      type(c_ptr), intent(in) :: args
      integer(c_int32_t), intent(in) :: element
      integer(c_int64_t), intent(in) :: extents(:)
      type(c_ptr), intent(in) :: at(:)
      integer, intent(in) :: bits
      integer(c_int32_t) :: status
      integer(c_int64_t) :: strides(size(extents))
      integer(c_size_t) :: rank
      integer :: d
      rank = int(size(extents), c_size_t)
      strides = column_major_strides(extents)
      if (c_associated(at(1))) then
         do d = 1, size(extents)
            if (extents(d) > 1) strides(d) = element_distance(at(1), at(1 + d), int(bits/8, c_size_t))
         end do
      end if
      select case (element)
      case (ZAD_F64)
         status = zad_args_push_array_f64(args, at(1), rank, extents, strides)
      case (ZAD_F32)
         status = zad_args_push_array_f32(args, at(1), rank, extents, strides)
      case (ZAD_C64)
         status = zad_args_push_array_c64(args, at(1), rank, extents, strides)
      case default
         status = zad_args_push_array_c32(args, at(1), rank, extents, strides)
      end select
   end function

   function push_f64_rank1(args, x) result(status)
      type(c_ptr), intent(in) :: args
      real(c_double), target :: x(:)
      integer(c_int32_t) :: status
      type(c_ptr) :: at(2)
      at = c_null_ptr
      if (size(x) > 0) at = [c_loc(x(1)), c_loc(x(min(2, size(x, 1))))]
      status = push_array(args, ZAD_F64, shape(x, c_int64_t), at, storage_size(x))
   end function

   function push_f64_rank2(args, x) result(status)
      type(c_ptr), intent(in) :: args
      real(c_double), target :: x(:, :)
      integer(c_int32_t) :: status
      type(c_ptr) :: at(3)
      at = c_null_ptr
      if (size(x) > 0) at = [c_loc(x(1, 1)), c_loc(x(min(2, size(x, 1)), 1)), c_loc(x(1, min(2, size(x, 2))))]
      status = push_array(args, ZAD_F64, shape(x, c_int64_t), at, storage_size(x))
   end function

   function push_f64_rank3(args, x) result(status)
      type(c_ptr), intent(in) :: args
      real(c_double), target :: x(:, :, :)
      integer(c_int32_t) :: status
      type(c_ptr) :: at(4)
      at = c_null_ptr
      if (size(x) > 0) at = [c_loc(x(1, 1, 1)), c_loc(x(min(2, size(x, 1)), 1, 1)), &
                             c_loc(x(1, min(2, size(x, 2)), 1)), c_loc(x(1, 1, min(2, size(x, 3))))]
      status = push_array(args, ZAD_F64, shape(x, c_int64_t), at, storage_size(x))
   end function

   function push_f32_rank1(args, x) result(status)
      type(c_ptr), intent(in) :: args
      real(c_float), target :: x(:)
      integer(c_int32_t) :: status
      type(c_ptr) :: at(2)
      at = c_null_ptr
      if (size(x) > 0) at = [c_loc(x(1)), c_loc(x(min(2, size(x, 1))))]
      status = push_array(args, ZAD_F32, shape(x, c_int64_t), at, storage_size(x))
   end function

   function push_f32_rank2(args, x) result(status)
      type(c_ptr), intent(in) :: args
      real(c_float), target :: x(:, :)
      integer(c_int32_t) :: status
      type(c_ptr) :: at(3)
      at = c_null_ptr
      if (size(x) > 0) at = [c_loc(x(1, 1)), c_loc(x(min(2, size(x, 1)), 1)), c_loc(x(1, min(2, size(x, 2))))]
      status = push_array(args, ZAD_F32, shape(x, c_int64_t), at, storage_size(x))
   end function

   function push_f32_rank3(args, x) result(status)
      type(c_ptr), intent(in) :: args
      real(c_float), target :: x(:, :, :)
      integer(c_int32_t) :: status
      type(c_ptr) :: at(4)
      at = c_null_ptr
      if (size(x) > 0) at = [c_loc(x(1, 1, 1)), c_loc(x(min(2, size(x, 1)), 1, 1)), &
                             c_loc(x(1, min(2, size(x, 2)), 1)), c_loc(x(1, 1, min(2, size(x, 3))))]
      status = push_array(args, ZAD_F32, shape(x, c_int64_t), at, storage_size(x))
   end function

   function push_c64_rank1(args, x) result(status)
      type(c_ptr), intent(in) :: args
      complex(c_double_complex), target :: x(:)
      integer(c_int32_t) :: status
      type(c_ptr) :: at(2)
      at = c_null_ptr
      if (size(x) > 0) at = [c_loc(x(1)), c_loc(x(min(2, size(x, 1))))]
      status = push_array(args, ZAD_C64, shape(x, c_int64_t), at, storage_size(x))
   end function

   function push_c64_rank2(args, x) result(status)
      type(c_ptr), intent(in) :: args
      complex(c_double_complex), target :: x(:, :)
      integer(c_int32_t) :: status
      type(c_ptr) :: at(3)
      at = c_null_ptr
      if (size(x) > 0) at = [c_loc(x(1, 1)), c_loc(x(min(2, size(x, 1)), 1)), c_loc(x(1, min(2, size(x, 2))))]
      status = push_array(args, ZAD_C64, shape(x, c_int64_t), at, storage_size(x))
   end function

   function push_c64_rank3(args, x) result(status)
      type(c_ptr), intent(in) :: args
      complex(c_double_complex), target :: x(:, :, :)
      integer(c_int32_t) :: status
      type(c_ptr) :: at(4)
      at = c_null_ptr
      if (size(x) > 0) at = [c_loc(x(1, 1, 1)), c_loc(x(min(2, size(x, 1)), 1, 1)), &
                             c_loc(x(1, min(2, size(x, 2)), 1)), c_loc(x(1, 1, min(2, size(x, 3))))]
      status = push_array(args, ZAD_C64, shape(x, c_int64_t), at, storage_size(x))
   end function

   function push_c32_rank1(args, x) result(status)
      type(c_ptr), intent(in) :: args
      complex(c_float_complex), target :: x(:)
      integer(c_int32_t) :: status
      type(c_ptr) :: at(2)
      at = c_null_ptr
      if (size(x) > 0) at = [c_loc(x(1)), c_loc(x(min(2, size(x, 1))))]
      status = push_array(args, ZAD_C32, shape(x, c_int64_t), at, storage_size(x))
   end function

   function push_c32_rank2(args, x) result(status)
      type(c_ptr), intent(in) :: args
      complex(c_float_complex), target :: x(:, :)
      integer(c_int32_t) :: status
      type(c_ptr) :: at(3)
      at = c_null_ptr
      if (size(x) > 0) at = [c_loc(x(1, 1)), c_loc(x(min(2, size(x, 1)), 1)), c_loc(x(1, min(2, size(x, 2))))]
      status = push_array(args, ZAD_C32, shape(x, c_int64_t), at, storage_size(x))
   end function

   function push_c32_rank3(args, x) result(status)
      type(c_ptr), intent(in) :: args
      complex(c_float_complex), target :: x(:, :, :)
      integer(c_int32_t) :: status
      type(c_ptr) :: at(4)
      at = c_null_ptr
      if (size(x) > 0) at = [c_loc(x(1, 1, 1)), c_loc(x(min(2, size(x, 1)), 1, 1)), &
                             c_loc(x(1, min(2, size(x, 2)), 1)), c_loc(x(1, 1, min(2, size(x, 3))))]
      status = push_array(args, ZAD_C32, shape(x, c_int64_t), at, storage_size(x))
   end function

   ! -------------------------------------------------------- complex scalars

   function push_c64(args, x) result(status)
      type(c_ptr), intent(in) :: args
      complex(c_double_complex), intent(in) :: x
      integer(c_int32_t) :: status
      status = zad_args_push_c64(args, real(x, c_double), aimag(x))
   end function

   function push_c32(args, x) result(status)
      type(c_ptr), intent(in) :: args
      complex(c_float_complex), intent(in) :: x
      integer(c_int32_t) :: status
      status = zad_args_push_c32(args, real(x, c_float), aimag(x))
   end function

   ! ---------------------------------------------------------------- results

   function result_c64(args, x) result(status)
      type(c_ptr), intent(in) :: args
      complex(c_double_complex), intent(out), target :: x
      integer(c_int32_t) :: status
      status = zad_args_result_c64(args, c_loc(x))
   end function

   function result_c32(args, x) result(status)
      type(c_ptr), intent(in) :: args
      complex(c_float_complex), intent(out), target :: x
      integer(c_int32_t) :: status
      status = zad_args_result_c32(args, c_loc(x))
   end function

   function result_f64(args, x) result(status)
      type(c_ptr), intent(in) :: args
      real(c_double), intent(out), target :: x
      integer(c_int32_t) :: status
      status = zad_args_result_f64(args, c_loc(x))
   end function

   function result_f32(args, x) result(status)
      type(c_ptr), intent(in) :: args
      real(c_float), intent(out), target :: x
      integer(c_int32_t) :: status
      status = zad_args_result_f32(args, c_loc(x))
   end function

   function result_i32(args, x) result(status)
      type(c_ptr), intent(in) :: args
      integer(c_int32_t), intent(out), target :: x
      integer(c_int32_t) :: status
      status = zad_args_result_i32(args, c_loc(x))
   end function

   function result_i64(args, x) result(status)
      type(c_ptr), intent(in) :: args
      integer(c_int64_t), intent(out), target :: x
      integer(c_int32_t) :: status
      status = zad_args_result_i64(args, c_loc(x))
   end function

   !> Binds the next result, an MLIR `index`, to the TARGET integer(c_int64_t) i.
   function zad_result_index(args, i) result(status)
      type(c_ptr), intent(in) :: args
      integer(c_int64_t), intent(out), target :: i
      integer(c_int32_t) :: status
      status = zad_args_result_index(args, c_loc(i))
   end function

   !> Binds the next result, a memref, to the TARGET type(c_ptr) array: after
   !> a successful call it is a new zad_array, row-major, owned by the caller
   !> (read it with zad_array_dims and zad_array_values, free it with
   !> zad_array_free).
   function zad_result_array(args, array) result(status)
      type(c_ptr), intent(in) :: args
      type(c_ptr), intent(out), target :: array
      integer(c_int32_t) :: status
      array = c_null_ptr
      status = zad_args_result_array(args, c_loc(array))
   end function

   ! ------------------------------------------------------ returned arrays

   !> The shape of a zad_array in the kernel's (row-major, C) order: a
   !> kernel's memref<3x4xf64> gives [3, 4]. Empty for c_null_ptr.
   function zad_array_dims(array) result(dims)
      type(c_ptr), intent(in) :: array
      integer(c_int64_t), allocatable :: dims(:)
      integer(c_int64_t), pointer :: shape_(:)
      integer :: rank
      rank = int(zad_array_rank(array))
      allocate (dims(rank))
      if (rank == 0) return
      call c_f_pointer(zad_array_shape(array), shape_, [rank])
      dims = shape_
   end function

   !> The elements of a zad_array in row-major order, as real(c_double)
   !> (f32 arrays are widened exactly). Element (i, j) of a kernel's
   !> memref<MxN> is values(i*N + j + 1); reshape(values, [N, M]) is its
   !> transpose in Fortran order. Empty for c_null_ptr.
   function zad_array_values(array) result(values)
      type(c_ptr), intent(in) :: array
      real(c_double), allocatable :: values(:)
      real(c_double), pointer :: f64(:)
      real(c_float), pointer :: f32(:)
      integer(c_int64_t) :: count
      if (.not. c_associated(array)) then
         allocate (values(0))
         return
      end if
      count = product(zad_array_dims(array))
      allocate (values(count))
      if (count == 0) return
      select case (zad_array_type(array))
      case (ZAD_F64)
         call c_f_pointer(zad_array_data(array), f64, [count])
         values = f64
      case (ZAD_F32)
         call c_f_pointer(zad_array_data(array), f32, [count])
         values = real(f32, c_double)
      end select
   end function

end module zad
