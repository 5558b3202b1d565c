// scf.if at the top level with results, nested scf.if inside a branch,
// and an scf.if without an else whose branch stores into a buffer:
// piecewise smooth in (x, y), points away from the switches.
// GRAD: piecewise
// ARG: scalar -2.0 2.0
// ARG: scalar -2.0 2.0
// ARG: array 5
func.func @piecewise(%x: f64, %y: f64, %buf: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %xpos = arith.cmpf ogt, %x, %zero : f64
  %r = scf.if %xpos -> (f64) {
    %ypos = arith.cmpf ogt, %y, %zero : f64
    %inner = scf.if %ypos -> (f64) {
      %p = arith.mulf %x, %y : f64
      %e = math.exp %p : f64
      scf.yield %e : f64
    } else {
      %p = arith.mulf %x, %x : f64
      %q = arith.subf %p, %y : f64
      scf.yield %q : f64
    }
    scf.yield %inner : f64
  } else {
    %c = math.cos %y : f64
    %p = arith.mulf %c, %x : f64
    scf.yield %p : f64
  }
  %ylow = arith.cmpf olt, %y, %x : f64
  scf.if %ylow {
    %b0 = memref.load %buf[%c0] : memref<?xf64>
    %t = arith.mulf %b0, %r : f64
    memref.store %t, %buf[%c1] : memref<?xf64>
  }
  %b1 = memref.load %buf[%c1] : memref<?xf64>
  %f = arith.addf %r, %b1 : f64
  return %f : f64
}
