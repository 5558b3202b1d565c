irdl.dialect @zad {
  irdl.attribute @activity {
    %const = irdl.is "const"
    %active = irdl.is "active"
    %dup = irdl.is "dup"
    %kind = irdl.any_of(%const, %active, %dup)
    irdl.parameters(kind: %kind)
  }
  irdl.type @tape {
    %elem = irdl.any
    irdl.parameters(elem: %elem)
  }
  irdl.operation @gradient {
    %any = irdl.any
    %callee = irdl.base "#builtin.symbol_ref"
    %list = irdl.base "#builtin.array"
    irdl.attributes { "fn" = %callee, "activity" = %list }
    irdl.operands(args: variadic %any)
    irdl.results(res: variadic %any)
  }
  irdl.operation @tape_new {
    %elem = irdl.any
    %tape = irdl.parametric @zad::@tape<%elem>
    irdl.results(tape: %tape)
  }
  irdl.operation @push {
    %elem = irdl.any
    %tape = irdl.parametric @zad::@tape<%elem>
    irdl.operands(tape: %tape, value: %elem)
  }
  irdl.operation @pop {
    %elem = irdl.any
    %tape = irdl.parametric @zad::@tape<%elem>
    irdl.operands(tape: %tape)
    irdl.results(value: %elem)
  }
  irdl.operation @tape_free {
    %elem = irdl.any
    %tape = irdl.parametric @zad::@tape<%elem>
    irdl.operands(tape: %tape)
  }
}
