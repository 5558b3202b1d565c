// GradBench's hello eval: "square" is f(x) = x * x, "double" its
// gradient 2x (zad's reverse-mode gradient of this kernel).
func.func @square(%x: f64) -> f64 {
  %y = arith.mulf %x, %x : f64
  return %y : f64
}
