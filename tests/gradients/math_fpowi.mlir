// math.fpowi (float base, i32 exponent) with negative bases and odd and
// even exponents: f = fpowi(x, 3) + fpowi(x - y, 4) + fpowi(y, n) with n
// a const i32 argument.
// GRAD: integer_powers
// ARG: scalar -2.0 -0.3
// ARG: scalar -1.5 1.5
// ARG: index 5
func.func @integer_powers(%x: f64, %y: f64, %n: i32) -> f64 {
  %three = arith.constant 3 : i32
  %four = arith.constant 4 : i32
  %a = math.fpowi %x, %three : f64, i32
  %d = arith.subf %x, %y : f64
  %b = math.fpowi %d, %four : f64, i32
  %c = math.fpowi %y, %n : f64, i32
  %ab = arith.addf %a, %b : f64
  %f = arith.addf %ab, %c : f64
  return %f : f64
}
