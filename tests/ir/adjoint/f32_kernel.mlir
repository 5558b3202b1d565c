// Single precision: a softplus-weighted sum in f32, with f32 shadows and an
// f32 active scalar; constants and adjoints stay in f32.
// ADJOINT: f dup,active
// ARGS: [[0.5, -1.25, 2.0, 0.75], 0.3]
// TOLERANCE: 2e-3
// STEP: 1e-2

func.func @f(%x: memref<?xf32>, %b: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %n = memref.dim %x, %c0 : memref<?xf32>
  %total = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %v = memref.load %x[%i] : memref<?xf32>
    %shifted = arith.addf %v, %b : f32
    %e = math.exp %shifted : f32
    %onep = arith.addf %one, %e : f32
    %softplus = math.log %onep : f32
    %weighted = arith.mulf %softplus, %v : f32
    %next = arith.addf %acc, %weighted : f32
    scf.yield %next : f32
  }
  return %total : f32
}
