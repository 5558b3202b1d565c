// Integer and index arithmetic: arith.addi/subi/muli/divsi/remsi/
// floordivsi/ceildivsi/divui, bit operations (andi/ori/xori/shli/shrsi/
// shrui), maxsi/minsi, cmpi + select, on i64, i32 (with wrap-around on
// overflow) and index; integer results must match exactly.
//
// RUN: int_i64 [-47, 6]
// EXPECT: [-41, -53, -282, -7, -5, -8, -7, 0, -41, -41, -376, -6, 2305843009213693946, 6]
// RUN: int_i64 [1000003, -37]
// EXPECT: [999966, 1000040, -37000111, -27027, 4, -27028, -27027, 1000003, -37, -1000040, 8000024,
// ... 125000, 125000, -37]
// RUN: int_i64 [4611686018427387905, 3]
// EXPECT: [4611686018427387908, 4611686018427387902, -4611686018427387901, 1537228672809129301, 2,
// ... 1537228672809129301, 1537228672809129302, 1, 4611686018427387907, 4611686018427387906, 8,
// ... 576460752303423488, 576460752303423488, 3]
// RUN: int_i64 [-9, -4]
// EXPECT: [-13, -5, 36, 2, -1, 2, 3, -12, -1, 11, -72, -2, 2305843009213693950, -4]
// RUN: int_i32 [100000, 100000]
// EXPECT: [1410065408, 200000, 1, 1, 1]
// RUN: int_i32 [-7, 2]
// EXPECT: [-14, -5, -3, 2147483644, 1]
// RUN: int_i32 [5, -3]
// EXPECT: [-15, 2, -1, 0, 0]
// RUN: int_index [3, 4, 5, 7, 11, 8]
// EXPECT: [280, 3, 4, 5, 35]
// RUN: int_index [0, 6, 10, 7, 11, 8]
// EXPECT: [76, 0, 6, 10, 10]
// RUN: int_index [2, 0, 0, 3, 5, 4]
// EXPECT: [30, 2, 0, 0, 8]

func.func @int_i64(%a: i64, %b: i64) -> (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) {
  %add = arith.addi %a, %b : i64
  %sub = arith.subi %a, %b : i64
  %mul = arith.muli %a, %b : i64
  %div = arith.divsi %a, %b : i64
  %rem = arith.remsi %a, %b : i64
  %fdiv = arith.floordivsi %a, %b : i64
  %cdiv = arith.ceildivsi %a, %b : i64
  %and = arith.andi %a, %b : i64
  %or = arith.ori %a, %b : i64
  %xor = arith.xori %a, %b : i64
  %c3 = arith.constant 3 : i64
  %shl = arith.shli %a, %c3 : i64
  %shrs = arith.shrsi %a, %c3 : i64
  %shru = arith.shrui %a, %c3 : i64
  %lt = arith.cmpi slt, %a, %b : i64
  %max = arith.maxsi %a, %b : i64
  %min = arith.minsi %a, %b : i64
  %sel = arith.select %lt, %max, %min : i64
  return %add, %sub, %mul, %div, %rem, %fdiv, %cdiv, %and, %or, %xor, %shl, %shrs, %shru, %sel
      : i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64
}

// i32: products wrap modulo 2^32; divui treats the bits as unsigned.
func.func @int_i32(%a: i32, %b: i32) -> (i32, i32, i32, i32, i32) {
  %mul = arith.muli %a, %b : i32
  %add = arith.addi %a, %b : i32
  %div = arith.divsi %a, %b : i32
  %udiv = arith.divui %a, %b : i32
  %ge = arith.cmpi uge, %a, %b : i32
  %one = arith.constant 1 : i32
  %zero = arith.constant 0 : i32
  %flag = arith.select %ge, %one, %zero : i32
  return %mul, %add, %div, %udiv, %flag : i32, i32, i32, i32, i32
}

// index: the linear offset of (i, j, k) in a row-major n1 x n2 x n3 array,
// its decomposition back, and the rounded-up number of blocks of size b.
func.func @int_index(%i: index, %j: index, %k: index, %n2: index, %n3: index, %b: index)
    -> (index, index, index, index, index) {
  %t0 = arith.muli %i, %n2 : index
  %t1 = arith.addi %t0, %j : index
  %t2 = arith.muli %t1, %n3 : index
  %lin = arith.addi %t2, %k : index
  %kk = arith.remui %lin, %n3 : index
  %q = arith.divui %lin, %n3 : index
  %jj = arith.remui %q, %n2 : index
  %ii = arith.divui %q, %n2 : index
  %blocks = arith.ceildivui %lin, %b : index
  return %lin, %ii, %jj, %kk, %blocks : index, index, index, index, index
}
