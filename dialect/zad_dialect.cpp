// The zad dialect in C++: generated op/type classes plus the verifiers that
// need the symbol table, and the C API hook melior loads it through.

#include "mlir/CAPI/Registration.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

#include "ZadDialect.h.inc"
#define GET_TYPEDEF_CLASSES
#include "ZadTypes.h.inc"
#define GET_OP_CLASSES
#include "ZadOps.h.inc"

#include "ZadDialect.cpp.inc"
#define GET_TYPEDEF_CLASSES
#include "ZadTypes.cpp.inc"
#define GET_OP_CLASSES
#include "ZadOps.cpp.inc"

using namespace mlir;

void zad::ZadDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "ZadTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "ZadOps.cpp.inc"
      >();
}

// Whether `type` is a float or complex scalar, or a memref of them.
static bool isDifferentiable(Type type) {
  if (auto memref = llvm::dyn_cast<MemRefType>(type))
    type = memref.getElementType();
  if (auto complex = llvm::dyn_cast<ComplexType>(type))
    type = complex.getElementType();
  return llvm::isa<FloatType>(type);
}

// Operands and results of a gradient must follow from the callee's type and
// the activities (see the op's description).
LogicalResult zad::GradientOp::verifySymbolUses(SymbolTableCollection &symbols) {
  auto callee = symbols.lookupNearestSymbolFrom<FunctionOpInterface>(*this, getFnAttr());
  if (!callee)
    return emitOpError() << "@" << getFn() << " does not name a function of the module";
  ArrayRef<Type> inputs = callee.getArgumentTypes();
  ArrayRef<Type> outputs = callee.getResultTypes();
  ArrayAttr activity = getActivity();
  if (activity.size() != inputs.size())
    return emitOpError() << "has " << activity.size() << " activities but @" << getFn() << " takes "
                         << inputs.size() << " arguments";
  SmallVector<Type> expectedOperands, expectedResults(outputs.begin(), outputs.end());
  for (auto [index, entry] : llvm::enumerate(activity)) {
    StringRef kind = llvm::cast<StringAttr>(entry).getValue();
    Type type = inputs[index];
    expectedOperands.push_back(type);
    if (kind == "dup") {
      if (!llvm::isa<MemRefType>(type))
        return emitOpError() << "argument " << index + 1 << " is 'dup' but has type " << type
                             << ", not a memref (scalars are 'active' or 'const')";
      expectedOperands.push_back(type);
    } else if (kind == "active") {
      if (!isDifferentiable(type) || llvm::isa<MemRefType>(type))
        return emitOpError() << "argument " << index + 1 << " is 'active' but has type " << type
                             << ", not a float scalar (buffers are 'dup')";
      expectedResults.push_back(type);
    } else if (kind != "const") {
      return emitOpError() << "unknown activity '" << kind << "' for argument " << index + 1
                           << " (expected \"const\", \"active\" or \"dup\")";
    }
  }
  if (TypeRange(getArgs().getTypes()) != TypeRange(expectedOperands))
    return emitOpError() << "expects operands " << TypeRange(expectedOperands)
                         << " (each 'dup' argument followed by its shadow), got "
                         << TypeRange(getArgs().getTypes());
  if (TypeRange(getRes().getTypes()) != TypeRange(expectedResults))
    return emitOpError() << "expects results " << TypeRange(expectedResults)
                         << " (the results of @" << getFn() << ", then one gradient per 'active' argument), got "
                         << TypeRange(getRes().getTypes());
  return success();
}

// Operands and results of a tangent follow from the callee's type, the
// activities and the width (see the op's description).
LogicalResult zad::TangentOp::verifySymbolUses(SymbolTableCollection &symbols) {
  auto callee = symbols.lookupNearestSymbolFrom<FunctionOpInterface>(*this, getFnAttr());
  if (!callee)
    return emitOpError() << "@" << getFn() << " does not name a function of the module";
  ArrayRef<Type> inputs = callee.getArgumentTypes();
  ArrayRef<Type> outputs = callee.getResultTypes();
  int64_t width = getWidth().value_or(1);
  if (width < 1)
    return emitOpError() << "width must be at least 1, not " << width;
  ArrayAttr activity = getActivity();
  if (activity.size() != inputs.size())
    return emitOpError() << "has " << activity.size() << " activities but @" << getFn() << " takes "
                         << inputs.size() << " arguments";
  SmallVector<Type> expectedOperands, expectedResults(outputs.begin(), outputs.end());
  for (auto [index, entry] : llvm::enumerate(activity)) {
    StringRef kind = llvm::cast<StringAttr>(entry).getValue();
    Type type = inputs[index];
    expectedOperands.push_back(type);
    if (kind == "dup") {
      if (!isDifferentiable(type))
        return emitOpError() << "argument " << index + 1 << " is 'dup' but has type " << type
                             << ", not a float scalar or buffer";
      expectedOperands.append(width, type);
    } else if (kind != "const") {
      return emitOpError() << "unknown activity '" << kind << "' for argument " << index + 1
                           << " (forward mode takes \"const\" or \"dup\")";
    }
  }
  for (Type output : outputs)
    if (isDifferentiable(output) && !llvm::isa<MemRefType>(output))
      expectedResults.append(width, output);
  if (TypeRange(getArgs().getTypes()) != TypeRange(expectedOperands))
    return emitOpError() << "expects operands " << TypeRange(expectedOperands)
                         << " (each 'dup' argument followed by its tangents), got " << TypeRange(getArgs().getTypes());
  if (TypeRange(getRes().getTypes()) != TypeRange(expectedResults))
    return emitOpError() << "expects results " << TypeRange(expectedResults) << " (the results of @" << getFn()
                         << ", then the tangents of each float result), got " << TypeRange(getRes().getTypes());
  return success();
}

// Declared with C linkage so that Rust can call it (the macro alone is meant
// for use inside a C header's extern "C" block).
extern "C" {
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Zad, zad);
}
MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Zad, zad, zad::ZadDialect)
