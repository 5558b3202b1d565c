// GradBench eval `lstm` (ADBench's LSTM; its weight matrices are
// diagonal). L layers of b cells; %main is 2L x 4b (for layer k, row 2k
// holds the weights and row 2k+1 the biases of the forget, input and output
// gates and the candidate, b each), %extra is 3 x b (input weights, output
// weights, output biases), %state0 is 2L x b (hidden, then cell, per layer)
// and %sequence is c x b (the characters as bits).
//
// For t < c - 1 the network predicts character t+1 from character t:
//   y = w_out * h_L + b_out,  ynorm = y - log(sum exp(y) + 2),
// and the loss is -sum_t sum_i sequence_{t+1,i} ynorm_i / ((c - 1) b).
func.func @lstm(%main: memref<?x?xf64>, %extra: memref<?x?xf64>, %state0: memref<?x?xf64>,
                %sequence: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f64
  %two = arith.constant 2.0 : f64
  %rows = memref.dim %state0, %c0 : memref<?x?xf64>
  %b = memref.dim %state0, %c1 : memref<?x?xf64>
  %layers = arith.divui %rows, %c2 : index
  %chars = memref.dim %sequence, %c0 : memref<?x?xf64>
  %steps = arith.subi %chars, %c1 : index
  %b2 = arith.muli %b, %c2 : index
  %b3 = arith.muli %b, %c3 : index

  %state = memref.alloc(%rows, %b) : memref<?x?xf64>
  memref.copy %state0, %state : memref<?x?xf64> to memref<?x?xf64>
  // The input of the layer being computed, then its output (in place).
  %signal = memref.alloc(%b) : memref<?xf64>
  %prediction = memref.alloc(%b) : memref<?xf64>
  %total = scf.for %t = %c0 to %steps step %c1 iter_args(%acc = %zero) -> (f64) {
    scf.for %i = %c0 to %b step %c1 {
      %xi = memref.load %sequence[%t, %i] : memref<?x?xf64>
      %wi = memref.load %extra[%c0, %i] : memref<?x?xf64>
      %input = arith.mulf %xi, %wi : f64
      memref.store %input, %signal[%i] : memref<?xf64>
    }
    scf.for %layer = %c0 to %layers step %c1 {
      %weights = arith.muli %layer, %c2 : index
      %biases = arith.addi %weights, %c1 : index
      scf.for %i = %c0 to %b step %c1 {
        %input = memref.load %signal[%i] : memref<?xf64>
        %hidden = memref.load %state[%weights, %i] : memref<?x?xf64>
        %cell = memref.load %state[%biases, %i] : memref<?x?xf64>
        %i_in = arith.addi %i, %b : index
        %i_out = arith.addi %i, %b2 : index
        %i_change = arith.addi %i, %b3 : index
        %forget = func.call @gate(%main, %weights, %i, %input) : (memref<?x?xf64>, index, index, f64) -> f64
        %ingate = func.call @gate(%main, %weights, %i_in, %hidden) : (memref<?x?xf64>, index, index, f64) -> f64
        %outgate = func.call @gate(%main, %weights, %i_out, %input) : (memref<?x?xf64>, index, index, f64) -> f64
        %w_change = memref.load %main[%weights, %i_change] : memref<?x?xf64>
        %b_change = memref.load %main[%biases, %i_change] : memref<?x?xf64>
        %z_change = arith.mulf %hidden, %w_change : f64
        %pre_change = arith.addf %z_change, %b_change : f64
        %change = math.tanh %pre_change : f64
        %kept = arith.mulf %cell, %forget : f64
        %added = arith.mulf %ingate, %change : f64
        %new_cell = arith.addf %kept, %added : f64
        %squashed = math.tanh %new_cell : f64
        %new_hidden = arith.mulf %outgate, %squashed : f64
        memref.store %new_hidden, %state[%weights, %i] : memref<?x?xf64>
        memref.store %new_cell, %state[%biases, %i] : memref<?x?xf64>
        memref.store %new_hidden, %signal[%i] : memref<?xf64>
      }
    }
    %sum_exp = scf.for %i = %c0 to %b step %c1 iter_args(%s = %zero) -> (f64) {
      %h = memref.load %signal[%i] : memref<?xf64>
      %w = memref.load %extra[%c1, %i] : memref<?x?xf64>
      %bias = memref.load %extra[%c2, %i] : memref<?x?xf64>
      %scaled = arith.mulf %h, %w : f64
      %y = arith.addf %scaled, %bias : f64
      memref.store %y, %prediction[%i] : memref<?xf64>
      %e = math.exp %y : f64
      %more = arith.addf %s, %e : f64
      scf.yield %more : f64
    }
    %shifted = arith.addf %sum_exp, %two : f64
    %lse = math.log %shifted : f64
    %next = arith.addi %t, %c1 : index
    %step_total = scf.for %i = %c0 to %b step %c1 iter_args(%s = %acc) -> (f64) {
      %y = memref.load %prediction[%i] : memref<?xf64>
      %gold = memref.load %sequence[%next, %i] : memref<?x?xf64>
      %ynorm = arith.subf %y, %lse : f64
      %term = arith.mulf %gold, %ynorm : f64
      %more = arith.addf %s, %term : f64
      scf.yield %more : f64
    }
    scf.yield %step_total : f64
  }
  memref.dealloc %state : memref<?x?xf64>
  memref.dealloc %signal : memref<?xf64>
  memref.dealloc %prediction : memref<?xf64>
  %steps_i64 = arith.index_cast %steps : index to i64
  %b_i64 = arith.index_cast %b : index to i64
  %count_i64 = arith.muli %steps_i64, %b_i64 : i64
  %count = arith.sitofp %count_i64 : i64 to f64
  %mean = arith.divf %total, %count : f64
  %loss = arith.negf %mean : f64
  return %loss : f64
}

// sigmoid(z w_j + bias_j), the weight in row %weights and the bias in the
// row after it, column %j.
func.func private @gate(%main: memref<?x?xf64>, %weights: index, %j: index, %z: f64) -> f64 {
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %biases = arith.addi %weights, %c1 : index
  %w = memref.load %main[%weights, %j] : memref<?x?xf64>
  %bias = memref.load %main[%biases, %j] : memref<?x?xf64>
  %zw = arith.mulf %z, %w : f64
  %pre = arith.addf %zw, %bias : f64
  %minus = arith.negf %pre : f64
  %e = math.exp %minus : f64
  %denominator = arith.addf %one, %e : f64
  %sigmoid = arith.divf %one, %denominator : f64
  return %sigmoid : f64
}
