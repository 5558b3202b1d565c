// A complex array inside the kernel: z_k = x_k + i y_k stored in a
// memref<?xcomplex<f64>>, then a loop accumulating z_k * z_{k+1} (a
// complex carry), and the squared modulus of the sum: the shadows of
// complex buffers and complex loop carries.
// GRAD: complex_array_loop
// ARG: array 6
// ARG: array 6
func.func @complex_array_loop(%x: memref<?xf64>, %y: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %z = memref.alloc(%n) : memref<?xcomplex<f64>>
  scf.for %i = %c0 to %n step %c1 {
    %re = memref.load %x[%i] : memref<?xf64>
    %im = memref.load %y[%i] : memref<?xf64>
    %v = complex.create %re, %im : complex<f64>
    memref.store %v, %z[%i] : memref<?xcomplex<f64>>
  }
  %zero = complex.constant [0.0 : f64, 0.0 : f64] : complex<f64>
  %m = arith.subi %n, %c1 : index
  %s = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (complex<f64>) {
    %j = arith.addi %i, %c1 : index
    %u = memref.load %z[%i] : memref<?xcomplex<f64>>
    %v = memref.load %z[%j] : memref<?xcomplex<f64>>
    %p = complex.mul %u, %v : complex<f64>
    %acc2 = complex.add %acc, %p : complex<f64>
    scf.yield %acc2 : complex<f64>
  }
  memref.dealloc %z : memref<?xcomplex<f64>>
  %r = complex.re %s : complex<f64>
  %i2 = complex.im %s : complex<f64>
  %rr = arith.mulf %r, %r : f64
  %ii = arith.mulf %i2, %i2 : f64
  %f = arith.addf %rr, %ii : f64
  return %f : f64
}
