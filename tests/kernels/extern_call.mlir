// Calls to external functions declared in the module (func.func private
// declarations without a body), resolved from the C library at JIT time:
// cos and hypot from libm. A second entry point with no external call
// checks that the rest of the module works.
//
// RUN: use_libm [0.5, 3.0, 4.0]
// EXPECT: [0.8775825618903728, 5.0]
// RUN: no_extern [0.5]
// EXPECT: [0.8775825618903728]

func.func private @cos(f64) -> f64
func.func private @hypot(f64, f64) -> f64

func.func @use_libm(%x: f64, %a: f64, %b: f64) -> (f64, f64) {
  %c = func.call @cos(%x) : (f64) -> f64
  %h = func.call @hypot(%a, %b) : (f64, f64) -> f64
  return %c, %h : f64, f64
}

func.func @no_extern(%x: f64) -> f64 {
  %c = math.cos %x : f64
  return %c : f64
}
