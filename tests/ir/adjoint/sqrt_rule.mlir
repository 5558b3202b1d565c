// The rules of math.sqrt and math.rsqrt, whose derivatives have the
// non-integer constants 0.5 and -0.5: the constants must be written as
// MLIR float literals.
// ADJOINT: f active,active
// ARGS: [2.5, 0.8]

func.func @f(%x: f64, %y: f64) -> f64 {
  %xy = arith.mulf %x, %y : f64
  %root = math.sqrt %xy : f64
  %inverse = math.rsqrt %x : f64
  %sum = arith.addf %root, %inverse : f64
  return %sum : f64
}
