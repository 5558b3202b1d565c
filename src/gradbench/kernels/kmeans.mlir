// GradBench eval `kmeans`: the cost of centroids C for points P, the sum
// over points of the squared distance to the nearest centroid,
//   f(P, C) = sum_i min_j |C_j - P_i|^2
// (squared, as GradBench's reference computes it). Its gradient and
// Hessian (diagonal) with respect to C give the Newton direction.
//
// The nearest centroid is found first, as an index: the search only
// compares distances, so no derivative flows through it and zad neither
// tapes nor reverses it. The cost then adds the distance to that centroid,
// recomputed: the derivative of the min is the derivative of the winning
// term (a tie's derivative is the first winner's, as min's).
func.func @kmeans(%points: memref<?x?xf64>, %centroids: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %infinity = arith.constant 0x7FF0000000000000 : f64
  %n = memref.dim %points, %c0 : memref<?x?xf64>
  %d = memref.dim %points, %c1 : memref<?x?xf64>
  %k = memref.dim %centroids, %c0 : memref<?x?xf64>
  %cost = scf.for %i = %c0 to %n step %c1 iter_args(%total = %zero) -> (f64) {
    %search:2 = scf.for %j = %c0 to %k step %c1 iter_args(%best = %infinity, %best_j = %c0) -> (f64, index) {
      %distance = func.call @squared_distance(%points, %i, %centroids, %j, %d) : (memref<?x?xf64>, index, memref<?x?xf64>, index, index) -> f64
      %closer = arith.cmpf olt, %distance, %best : f64
      %next_best = arith.select %closer, %distance, %best : f64
      %next_j = arith.select %closer, %j, %best_j : index
      scf.yield %next_best, %next_j : f64, index
    }
    %nearest = func.call @squared_distance(%points, %i, %centroids, %search#1, %d) : (memref<?x?xf64>, index, memref<?x?xf64>, index, index) -> f64
    %next = arith.addf %total, %nearest : f64
    scf.yield %next : f64
  }
  return %cost : f64
}

// |C_j - P_i|^2.
func.func @squared_distance(%points: memref<?x?xf64>, %i: index, %centroids: memref<?x?xf64>, %j: index, %d: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %distance = scf.for %e = %c0 to %d step %c1 iter_args(%sum = %zero) -> (f64) {
    %p = memref.load %points[%i, %e] : memref<?x?xf64>
    %c = memref.load %centroids[%j, %e] : memref<?x?xf64>
    %difference = arith.subf %c, %p : f64
    %square = arith.mulf %difference, %difference : f64
    %more = arith.addf %sum, %square : f64
    scf.yield %more : f64
  }
  return %distance : f64
}
