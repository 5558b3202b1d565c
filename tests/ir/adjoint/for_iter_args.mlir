// An scf.for carrying two values (Horner's rule for p(x) and, alongside,
// the running product x^k): the reverse loop runs backwards carrying
// their adjoints. The coefficients are a const array.
// ADJOINT: f active,const
// ARGS: [1.1, [0.5, -1.0, 2.0, 0.25, -0.75]]

func.func @f(%x: f64, %coefficients: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %n = memref.dim %coefficients, %c0 : memref<?xf64>
  %p, %power = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero, %xk = %one) -> (f64, f64) {
    %coefficient = memref.load %coefficients[%i] : memref<?xf64>
    %scaled = arith.mulf %acc, %x : f64
    %next = arith.addf %scaled, %coefficient : f64
    %next_power = arith.mulf %xk, %x : f64
    scf.yield %next, %next_power : f64, f64
  }
  %result = arith.addf %p, %power : f64
  return %result : f64
}
