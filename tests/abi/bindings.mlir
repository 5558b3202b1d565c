// Kernels for the binding tests (fortran_bindings.f90, cpp_bindings.cpp):
// each exercises one way of crossing the ABI, in a way that makes mistakes
// visible in the numbers.
//
// The @label* kernels return the sum of the array's elements and then
// overwrite element [i, j, k] (0-based, in the memref's dimension order)
// with i + 10 j + 100 k. The caller checks the sum (reads reach the right
// memory) and the labels (writes do, in the right order: a transposed or
// mis-strided view puts the labels in the wrong places).

// Every scalar type, in and out.
func.func @scalars(%a: f64, %b: f32, %c: i32, %d: i64, %e: index) -> (f64, f32, i32, i64, index) {
  %two_f64 = arith.constant 2.0 : f64
  %two_f32 = arith.constant 2.0 : f32
  %one_i32 = arith.constant 1 : i32
  %one_i64 = arith.constant 1 : i64
  %one = arith.constant 1 : index
  %a2 = arith.mulf %a, %two_f64 : f64
  %b2 = arith.mulf %b, %two_f32 : f32
  %c1 = arith.addi %c, %one_i32 : i32
  %d1 = arith.addi %d, %one_i64 : i64
  %e1 = arith.addi %e, %one : index
  return %a2, %b2, %c1, %d1, %e1 : f64, f32, i32, i64, index
}

// One scalar in, one out: for the raw entry point.
func.func @twice(%x: f64) -> f64 {
  %two = arith.constant 2.0 : f64
  %y = arith.mulf %x, %two : f64
  return %y : f64
}

// A new 2 x 3 array, [[0, 1, 2], [10, 11, 12]] + %shift.
func.func @matrix(%shift: f64) -> memref<2x3xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c10 = arith.constant 10 : index
  %result = memref.alloc() : memref<2x3xf64>
  scf.for %i = %c0 to %c2 step %c1 {
    scf.for %j = %c0 to %c3 step %c1 {
      %ten_i = arith.muli %i, %c10 : index
      %value_index = arith.addi %ten_i, %j : index
      %value_i64 = arith.index_cast %value_index : index to i64
      %value = arith.sitofp %value_i64 : i64 to f64
      %shifted = arith.addf %value, %shift : f64
      memref.store %shifted, %result[%i, %j] : memref<2x3xf64>
    }
  }
  return %result : memref<2x3xf64>
}

// Rank 1, any stride (contiguous arrays and sections alike).
func.func @label1_f64(%x: memref<?xf64, strided<[?]>>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n0 = memref.dim %x, %c0 : memref<?xf64, strided<[?]>>
  %total = scf.for %i = %c0 to %n0 step %c1 iter_args(%acc0 = %zero) -> (f64) {
    %old = memref.load %x[%i] : memref<?xf64, strided<[?]>>
    %sum = arith.addf %acc0, %old : f64
    %label_i64 = arith.index_cast %i : index to i64
    %label = arith.sitofp %label_i64 : i64 to f64
    memref.store %label, %x[%i] : memref<?xf64, strided<[?]>>
    scf.yield %sum : f64
  }
  return %total : f64
}

// Rank 2, column-major: whole Fortran arrays.
func.func @label2_f64(%x: memref<?x?xf64, strided<[1, ?]>>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %zero = arith.constant 0.0 : f64
  %n0 = memref.dim %x, %c0 : memref<?x?xf64, strided<[1, ?]>>
  %n1 = memref.dim %x, %c1 : memref<?x?xf64, strided<[1, ?]>>
  %total = scf.for %i = %c0 to %n0 step %c1 iter_args(%acc0 = %zero) -> (f64) {
    %sum1 = scf.for %j = %c0 to %n1 step %c1 iter_args(%acc1 = %acc0) -> (f64) {
      %old = memref.load %x[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
      %sum = arith.addf %acc1, %old : f64
      %ten_j = arith.muli %j, %c10 : index
      %ij = arith.addi %i, %ten_j : index
      %label_i64 = arith.index_cast %ij : index to i64
      %label = arith.sitofp %label_i64 : i64 to f64
      memref.store %label, %x[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
      scf.yield %sum : f64
    }
    scf.yield %sum1 : f64
  }
  return %total : f64
}

// Rank 2, any strides: array sections.
func.func @label2_any_f64(%x: memref<?x?xf64, strided<[?, ?]>>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %zero = arith.constant 0.0 : f64
  %n0 = memref.dim %x, %c0 : memref<?x?xf64, strided<[?, ?]>>
  %n1 = memref.dim %x, %c1 : memref<?x?xf64, strided<[?, ?]>>
  %total = scf.for %i = %c0 to %n0 step %c1 iter_args(%acc0 = %zero) -> (f64) {
    %sum1 = scf.for %j = %c0 to %n1 step %c1 iter_args(%acc1 = %acc0) -> (f64) {
      %old = memref.load %x[%i, %j] : memref<?x?xf64, strided<[?, ?]>>
      %sum = arith.addf %acc1, %old : f64
      %ten_j = arith.muli %j, %c10 : index
      %ij = arith.addi %i, %ten_j : index
      %label_i64 = arith.index_cast %ij : index to i64
      %label = arith.sitofp %label_i64 : i64 to f64
      memref.store %label, %x[%i, %j] : memref<?x?xf64, strided<[?, ?]>>
      scf.yield %sum : f64
    }
    scf.yield %sum1 : f64
  }
  return %total : f64
}

// Rank 2, row-major (C order): C arrays; rejects whole Fortran arrays.
func.func @label2_rows_f64(%x: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %zero = arith.constant 0.0 : f64
  %n0 = memref.dim %x, %c0 : memref<?x?xf64>
  %n1 = memref.dim %x, %c1 : memref<?x?xf64>
  %total = scf.for %i = %c0 to %n0 step %c1 iter_args(%acc0 = %zero) -> (f64) {
    %sum1 = scf.for %j = %c0 to %n1 step %c1 iter_args(%acc1 = %acc0) -> (f64) {
      %old = memref.load %x[%i, %j] : memref<?x?xf64>
      %sum = arith.addf %acc1, %old : f64
      %ten_j = arith.muli %j, %c10 : index
      %ij = arith.addi %i, %ten_j : index
      %label_i64 = arith.index_cast %ij : index to i64
      %label = arith.sitofp %label_i64 : i64 to f64
      memref.store %label, %x[%i, %j] : memref<?x?xf64>
      scf.yield %sum : f64
    }
    scf.yield %sum1 : f64
  }
  return %total : f64
}

// Rank 3, column-major.
func.func @label3_f64(%x: memref<?x?x?xf64, strided<[1, ?, ?]>>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c10 = arith.constant 10 : index
  %c100 = arith.constant 100 : index
  %zero = arith.constant 0.0 : f64
  %n0 = memref.dim %x, %c0 : memref<?x?x?xf64, strided<[1, ?, ?]>>
  %n1 = memref.dim %x, %c1 : memref<?x?x?xf64, strided<[1, ?, ?]>>
  %n2 = memref.dim %x, %c2 : memref<?x?x?xf64, strided<[1, ?, ?]>>
  %total = scf.for %i = %c0 to %n0 step %c1 iter_args(%acc0 = %zero) -> (f64) {
    %sum1 = scf.for %j = %c0 to %n1 step %c1 iter_args(%acc1 = %acc0) -> (f64) {
      %sum2 = scf.for %k = %c0 to %n2 step %c1 iter_args(%acc2 = %acc1) -> (f64) {
        %old = memref.load %x[%i, %j, %k] : memref<?x?x?xf64, strided<[1, ?, ?]>>
        %sum = arith.addf %acc2, %old : f64
        %ten_j = arith.muli %j, %c10 : index
        %ij = arith.addi %i, %ten_j : index
        %hundred_k = arith.muli %k, %c100 : index
        %ijk = arith.addi %ij, %hundred_k : index
        %label_i64 = arith.index_cast %ijk : index to i64
        %label = arith.sitofp %label_i64 : i64 to f64
        memref.store %label, %x[%i, %j, %k] : memref<?x?x?xf64, strided<[1, ?, ?]>>
        scf.yield %sum : f64
      }
      scf.yield %sum2 : f64
    }
    scf.yield %sum1 : f64
  }
  return %total : f64
}

// The same for f32.
func.func @label1_f32(%x: memref<?xf32, strided<[?]>>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n0 = memref.dim %x, %c0 : memref<?xf32, strided<[?]>>
  %total = scf.for %i = %c0 to %n0 step %c1 iter_args(%acc0 = %zero) -> (f32) {
    %old = memref.load %x[%i] : memref<?xf32, strided<[?]>>
    %sum = arith.addf %acc0, %old : f32
    %label_i64 = arith.index_cast %i : index to i64
    %label = arith.sitofp %label_i64 : i64 to f32
    memref.store %label, %x[%i] : memref<?xf32, strided<[?]>>
    scf.yield %sum : f32
  }
  return %total : f32
}

func.func @label2_f32(%x: memref<?x?xf32, strided<[1, ?]>>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %zero = arith.constant 0.0 : f32
  %n0 = memref.dim %x, %c0 : memref<?x?xf32, strided<[1, ?]>>
  %n1 = memref.dim %x, %c1 : memref<?x?xf32, strided<[1, ?]>>
  %total = scf.for %i = %c0 to %n0 step %c1 iter_args(%acc0 = %zero) -> (f32) {
    %sum1 = scf.for %j = %c0 to %n1 step %c1 iter_args(%acc1 = %acc0) -> (f32) {
      %old = memref.load %x[%i, %j] : memref<?x?xf32, strided<[1, ?]>>
      %sum = arith.addf %acc1, %old : f32
      %ten_j = arith.muli %j, %c10 : index
      %ij = arith.addi %i, %ten_j : index
      %label_i64 = arith.index_cast %ij : index to i64
      %label = arith.sitofp %label_i64 : i64 to f32
      memref.store %label, %x[%i, %j] : memref<?x?xf32, strided<[1, ?]>>
      scf.yield %sum : f32
    }
    scf.yield %sum1 : f32
  }
  return %total : f32
}

func.func @label3_f32(%x: memref<?x?x?xf32, strided<[1, ?, ?]>>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c10 = arith.constant 10 : index
  %c100 = arith.constant 100 : index
  %zero = arith.constant 0.0 : f32
  %n0 = memref.dim %x, %c0 : memref<?x?x?xf32, strided<[1, ?, ?]>>
  %n1 = memref.dim %x, %c1 : memref<?x?x?xf32, strided<[1, ?, ?]>>
  %n2 = memref.dim %x, %c2 : memref<?x?x?xf32, strided<[1, ?, ?]>>
  %total = scf.for %i = %c0 to %n0 step %c1 iter_args(%acc0 = %zero) -> (f32) {
    %sum1 = scf.for %j = %c0 to %n1 step %c1 iter_args(%acc1 = %acc0) -> (f32) {
      %sum2 = scf.for %k = %c0 to %n2 step %c1 iter_args(%acc2 = %acc1) -> (f32) {
        %old = memref.load %x[%i, %j, %k] : memref<?x?x?xf32, strided<[1, ?, ?]>>
        %sum = arith.addf %acc2, %old : f32
        %ten_j = arith.muli %j, %c10 : index
        %ij = arith.addi %i, %ten_j : index
        %hundred_k = arith.muli %k, %c100 : index
        %ijk = arith.addi %ij, %hundred_k : index
        %label_i64 = arith.index_cast %ijk : index to i64
        %label = arith.sitofp %label_i64 : i64 to f32
        memref.store %label, %x[%i, %j, %k] : memref<?x?x?xf32, strided<[1, ?, ?]>>
        scf.yield %sum : f32
      }
      scf.yield %sum2 : f32
    }
    scf.yield %sum1 : f32
  }
  return %total : f32
}

// For the gradient bindings: w * sum_i (i + 1) x[i]^2, whose gradient is
// dx[i] = 2 w (i + 1) x[i] and dw = sum_i (i + 1) x[i]^2. The weights
// depend on the position, so a shadow read or written in the wrong order
// shows.
func.func @weighted_squares1(%x: memref<?xf64>, %w: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n0 = memref.dim %x, %c0 : memref<?xf64>
  %total = scf.for %i = %c0 to %n0 step %c1 iter_args(%acc = %zero) -> (f64) {
    %value = memref.load %x[%i] : memref<?xf64>
    %square = arith.mulf %value, %value : f64
    %i1 = arith.addi %i, %c1 : index
    %weight_i64 = arith.index_cast %i1 : index to i64
    %weight = arith.sitofp %weight_i64 : i64 to f64
    %term = arith.mulf %weight, %square : f64
    %sum = arith.addf %acc, %term : f64
    scf.yield %sum : f64
  }
  %result = arith.mulf %w, %total : f64
  return %result : f64
}

// Rank 2, column-major: w * sum_ij (i + 10 j + 1) x[i, j]^2, so that
// dx[i, j] = 2 w (i + 10 j + 1) x[i, j] and dw = sum_ij (i + 10 j + 1) x[i, j]^2.
func.func @weighted_squares2(%x: memref<?x?xf64, strided<[1, ?]>>, %w: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %zero = arith.constant 0.0 : f64
  %n0 = memref.dim %x, %c0 : memref<?x?xf64, strided<[1, ?]>>
  %n1 = memref.dim %x, %c1 : memref<?x?xf64, strided<[1, ?]>>
  %total = scf.for %i = %c0 to %n0 step %c1 iter_args(%acc0 = %zero) -> (f64) {
    %sum1 = scf.for %j = %c0 to %n1 step %c1 iter_args(%acc1 = %acc0) -> (f64) {
      %value = memref.load %x[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
      %square = arith.mulf %value, %value : f64
      %ten_j = arith.muli %j, %c10 : index
      %ij = arith.addi %i, %ten_j : index
      %ij1 = arith.addi %ij, %c1 : index
      %weight_i64 = arith.index_cast %ij1 : index to i64
      %weight = arith.sitofp %weight_i64 : i64 to f64
      %term = arith.mulf %weight, %square : f64
      %sum = arith.addf %acc1, %term : f64
      scf.yield %sum : f64
    }
    scf.yield %sum1 : f64
  }
  %result = arith.mulf %w, %total : f64
  return %result : f64
}

// For the checkpointing bindings: %steps steps of a time loop (the one
// top-level scf.for), each scaling x by a and adding sum_i (i + 1) x[i] to
// the carried total. With S = sum_i (i + 1) x0[i]:
//   J = S sum_{t=1..steps} a^t,
//   dJ/dx0[i] = (i + 1) sum_{t=1..steps} a^t,
//   dJ/da = S sum_{t=1..steps} t a^(t-1),
// exact in floating point for a = 1/2 and small integers in x0. The state
// of the loop is x (written in place) and the carried total.
func.func @decay_steps(%x: memref<?xf64>, %a: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n0 = memref.dim %x, %c0 : memref<?xf64>
  %total = scf.for %t = %c0 to %steps step %c1 iter_args(%acc = %zero) -> (f64) {
    %step_total = scf.for %i = %c0 to %n0 step %c1 iter_args(%acc1 = %acc) -> (f64) {
      %value = memref.load %x[%i] : memref<?xf64>
      %scaled = arith.mulf %a, %value : f64
      memref.store %scaled, %x[%i] : memref<?xf64>
      %i1 = arith.addi %i, %c1 : index
      %weight_i64 = arith.index_cast %i1 : index to i64
      %weight = arith.sitofp %weight_i64 : i64 to f64
      %term = arith.mulf %weight, %scaled : f64
      %sum = arith.addf %acc1, %term : f64
      scf.yield %sum : f64
    }
    scf.yield %step_total : f64
  }
  return %total : f64
}

// @decay_steps with the step's work in a function of its own, for
// checkpointed calls: the same J and gradient.
func.func @scale_and_weigh(%x: memref<?xf64>, %a: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n0 = memref.dim %x, %c0 : memref<?xf64>
  %total = scf.for %i = %c0 to %n0 step %c1 iter_args(%acc = %zero) -> (f64) {
    %value = memref.load %x[%i] : memref<?xf64>
    %scaled = arith.mulf %a, %value : f64
    memref.store %scaled, %x[%i] : memref<?xf64>
    %i1 = arith.addi %i, %c1 : index
    %weight_i64 = arith.index_cast %i1 : index to i64
    %weight = arith.sitofp %weight_i64 : i64 to f64
    %term = arith.mulf %weight, %scaled : f64
    %sum = arith.addf %acc, %term : f64
    scf.yield %sum : f64
  }
  return %total : f64
}

func.func @decay_calls(%x: memref<?xf64>, %a: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %total = scf.for %t = %c0 to %steps step %c1 iter_args(%acc = %zero) -> (f64) {
    %step_total = func.call @scale_and_weigh(%x, %a) : (memref<?xf64>, f64) -> f64
    %sum = arith.addf %acc, %step_total : f64
    scf.yield %sum : f64
  }
  return %total : f64
}
