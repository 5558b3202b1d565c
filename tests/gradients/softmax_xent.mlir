// Softmax cross-entropy over a batch of 3 rows of 7 logits, with the class
// labels an index argument per row encoded as floats in a const array
// (converted with fptosi): f = mean_r (lse(z_r) - z_r[label_r]). The
// logits are produced by a weight matrix times features: z = X W with W
// dup (5 x 7) and X const (3 x 5).
// ACTIVITY: const,dup,const
// GRAD: xent
// ARG: array 3x5
// ARG: array 5x7
// ARG: array 3 0.0 6.99
func.func @xent(%X: memref<?x?xf64>, %W: memref<?x?xf64>, %labels: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %ninf = arith.constant -1.0e300 : f64
  %rows = memref.dim %X, %c0 : memref<?x?xf64>
  %feat = memref.dim %X, %c1 : memref<?x?xf64>
  %cls = memref.dim %W, %c1 : memref<?x?xf64>
  %z = memref.alloc(%cls) : memref<?xf64>
  %total = scf.for %r = %c0 to %rows step %c1 iter_args(%acc = %zero) -> (f64) {
    %mx = scf.for %k = %c0 to %cls step %c1 iter_args(%m = %ninf) -> (f64) {
      %zk = scf.for %j = %c0 to %feat step %c1 iter_args(%s = %zero) -> (f64) {
        %x = memref.load %X[%r, %j] : memref<?x?xf64>
        %w = memref.load %W[%j, %k] : memref<?x?xf64>
        %p = arith.mulf %x, %w : f64
        %s2 = arith.addf %s, %p : f64
        scf.yield %s2 : f64
      }
      memref.store %zk, %z[%k] : memref<?xf64>
      %m2 = arith.maximumf %m, %zk : f64
      scf.yield %m2 : f64
    }
    %se = scf.for %k = %c0 to %cls step %c1 iter_args(%s = %zero) -> (f64) {
      %zk = memref.load %z[%k] : memref<?xf64>
      %d = arith.subf %zk, %mx : f64
      %e = math.exp %d : f64
      %s2 = arith.addf %s, %e : f64
      scf.yield %s2 : f64
    }
    %l = math.log %se : f64
    %lse = arith.addf %l, %mx : f64
    %lab = memref.load %labels[%r] : memref<?xf64>
    %li = arith.fptosi %lab : f64 to i64
    %lidx = arith.index_cast %li : i64 to index
    %zl = memref.load %z[%lidx] : memref<?xf64>
    %loss = arith.subf %lse, %zl : f64
    %acc2 = arith.addf %acc, %loss : f64
    scf.yield %acc2 : f64
  }
  memref.dealloc %z : memref<?xf64>
  %ri = arith.index_cast %rows : index to i64
  %rf = arith.sitofp %ri : i64 to f64
  %mean = arith.divf %total, %rf : f64
  return %mean : f64
}
