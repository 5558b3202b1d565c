// The zad dialect: what a kernel can ask of zad (gradients) and what zad's
// transforms emit (tapes). Compiled by mlir-tblgen in build.rs; the C++ in
// zad_dialect.cpp adds verifiers and the C API registration hook.

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Zad_Dialect : Dialect {
  let name = "zad";
  let cppNamespace = "::zad";
  let summary = "Automatic differentiation of MLIR kernels";
  let useDefaultTypePrinterParser = 1;
}

class Zad_Op<string mnemonic, list<Trait> traits = []> : Op<Zad_Dialect, mnemonic, traits>;

def Zad_TapeType : TypeDef<Zad_Dialect, "Tape"> {
  let mnemonic = "tape";
  let summary = "A LIFO stack of values recorded by a forward sweep for its reverse sweep";
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

def Zad_GradientOp : Zad_Op<"gradient", [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Reverse-mode gradient of a function of the module";
  let description = [{
    Calls the adjoint of `fn`. `activity` has one entry per argument of `fn`:
    "const" (no derivative), "active" (a scalar whose gradient is returned)
    or "dup" (a buffer followed by its shadow, into which the gradient is
    accumulated). Operands: the arguments of `fn` in order, each "dup"
    argument followed by its shadow. Results: the results of `fn`, then one
    gradient per "active" argument, in order.
  }];
  let arguments = (ins FlatSymbolRefAttr:$fn, StrArrayAttr:$activity, Variadic<AnyType>:$args);
  let results = (outs Variadic<AnyType>:$res);
  let assemblyFormat = "$fn `(` $args `)` attr-dict `:` functional-type($args, results)";
}

def Zad_TangentOp : Zad_Op<"tangent", [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Forward-mode tangent (Jacobian-vector product) of a function of the module";
  let description = [{
    Calls the tangent function of `fn`. `activity` has one entry per
    argument of `fn`: "const" (no tangent) or "dup" (a float scalar or float
    buffer followed by `width` tangents of the same type: for a buffer, the
    tangent of its contents on entry, updated in place to the tangent of its
    final contents). Results: the results of `fn`, then `width` tangents per
    float result. `width` (default 1) above 1 computes that many tangents in
    one sweep (vector mode).
  }];
  let arguments = (ins FlatSymbolRefAttr:$fn, StrArrayAttr:$activity, OptionalAttr<I64Attr>:$width,
                       Variadic<AnyType>:$args);
  let results = (outs Variadic<AnyType>:$res);
  let assemblyFormat = "$fn `(` $args `)` attr-dict `:` functional-type($args, results)";
}

def Zad_TapeNewOp : Zad_Op<"tape_new"> {
  let summary = "Creates an empty tape";
  let results = (outs Zad_TapeType:$tape);
  let assemblyFormat = "attr-dict `:` type($tape)";
}

def Zad_PushOp : Zad_Op<"push", [
    TypesMatchWith<"value type matches the tape's element type", "tape", "value",
                   "::llvm::cast<::zad::TapeType>($_self).getElementType()">]> {
  let summary = "Pushes a value onto a tape";
  let arguments = (ins Zad_TapeType:$tape, AnyType:$value);
  let assemblyFormat = "$tape `,` $value attr-dict `:` type($tape)";
}

def Zad_PopOp : Zad_Op<"pop", [
    TypesMatchWith<"result type matches the tape's element type", "tape", "value",
                   "::llvm::cast<::zad::TapeType>($_self).getElementType()">]> {
  let summary = "Pops the value pushed last";
  let arguments = (ins Zad_TapeType:$tape);
  let results = (outs AnyType:$value);
  let assemblyFormat = "$tape attr-dict `:` type($tape)";
}

def Zad_TapeFreeOp : Zad_Op<"tape_free"> {
  let summary = "Frees a tape";
  let arguments = (ins Zad_TapeType:$tape);
  let assemblyFormat = "$tape attr-dict `:` type($tape)";
}

def Zad_HookOp : Zad_Op<"hook", [Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "Passes a value on and transforms its adjoint with a function";
  let description = [{
    The result is the operand. In reverse mode the adjoint of the result is
    passed through `@hook` (a function `(T) -> T`, defined in the module
    or foreign) before it reaches the operand: gradient clipping, scaling,
    logging (Zygote's `hook`). Forward mode passes the tangent unchanged.
    Replaced by its operand when the module is compiled.
  }];
  let arguments = (ins FlatSymbolRefAttr:$hook, AnyTypeOf<[AnyFloat, AnyComplex]>:$value);
  let results = (outs AnyTypeOf<[AnyFloat, AnyComplex]>:$result);
  let assemblyFormat = "$hook `(` $value `)` attr-dict `:` type($value)";
}

def Zad_StopGradientOp : Zad_Op<"stop_gradient", [Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "Passes a value on and stops derivatives through it";
  let description = [{
    The result is the operand; under differentiation it is a constant: no
    derivative flows from the result back to the operand (reverse mode) or
    from the operand's tangent to the result (forward mode). Replaced by its
    operand when the module is compiled. Scalars only: a buffer passed
    through it would be a second name for memory whose derivatives zad
    tracks.
  }];
  let arguments = (ins AnyTypeOf<[AnyFloat, AnyComplex, AnySignlessIntegerOrIndex]>:$value);
  let results = (outs AnyTypeOf<[AnyFloat, AnyComplex, AnySignlessIntegerOrIndex]>:$result);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}
