// Well-formed kernels that bad_input.c calls the wrong way. Each fixes one
// property of its arguments that zad checks before calling.

// Two dynamic-size vectors, one f64 result.
func.func @dot(%x: memref<?xf64>, %y: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%partial = %zero) -> (f64) {
    %a = memref.load %x[%i] : memref<?xf64>
    %b = memref.load %y[%i] : memref<?xf64>
    %product = arith.mulf %a, %b : f64
    %next = arith.addf %partial, %product : f64
    scf.yield %next : f64
  }
  return %sum : f64
}

// A static shape: exactly 4 elements.
func.func @sum4(%x: memref<4xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f64
  %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%partial = %zero) -> (f64) {
    %a = memref.load %x[%i] : memref<4xf64>
    %next = arith.addf %partial, %a : f64
    scf.yield %next : f64
  }
  return %sum : f64
}

// A column-major (Fortran) matrix.
func.func @corner(%a: memref<?x?xf64, strided<[1, ?]>>) -> f64 {
  %c0 = arith.constant 0 : index
  %value = memref.load %a[%c0, %c0] : memref<?x?xf64, strided<[1, ?]>>
  return %value : f64
}

// A scalar of a type the ABI does not carry.
func.func @negate(%flag: i1) -> i1 {
  %true = arith.constant true
  %result = arith.xori %flag, %true : i1
  return %result : i1
}

// The sum of a C-order (row-major) matrix: its dynamic strides must be
// those of C order for the sizes given.
func.func @total(%m: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %rows = memref.dim %m, %c0 : memref<?x?xf64>
  %columns = memref.dim %m, %c1 : memref<?x?xf64>
  %sum = scf.for %i = %c0 to %rows step %c1 iter_args(%outer = %zero) -> (f64) {
    %row = scf.for %j = %c0 to %columns step %c1 iter_args(%inner = %outer) -> (f64) {
      %a = memref.load %m[%i, %j] : memref<?x?xf64>
      %next = arith.addf %inner, %a : f64
      scf.yield %next : f64
    }
    scf.yield %row : f64
  }
  return %sum : f64
}

// A time loop to differentiate: u is damped in place `steps` times, then
// J = sum(u^2). Its gradient (u dup, kappa active, steps const) takes
// (u, the shadow of u, kappa, steps, an optional seed).
func.func @misfit(%u: memref<?xf64>, %kappa: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %factor = arith.subf %one, %kappa : f64
  scf.for %t = %c0 to %steps step %c1 {
    scf.for %i = %c0 to %n step %c1 {
      %a = memref.load %u[%i] : memref<?xf64>
      %b = arith.mulf %a, %factor : f64
      memref.store %b, %u[%i] : memref<?xf64>
    }
  }
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%partial = %zero) -> (f64) {
    %a = memref.load %u[%i] : memref<?xf64>
    %square = arith.mulf %a, %a : f64
    %next = arith.addf %partial, %square : f64
    scf.yield %next : f64
  }
  return %sum : f64
}
