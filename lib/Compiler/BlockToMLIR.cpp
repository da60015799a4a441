//===- BlockToMLIR.cpp - A BlockSpec as a func.func in the terra dialect --===//
//
// Each eager op of the block becomes one or a few terra ops. The eager API is
// PyTorch's: implicit broadcasting, type promotion, negative axes, 1-D
// matmul operands. The terra dialect has none of that, so this file spells it
// out (terra.cast, terra.broadcast_to, terra.reshape) using the result types
// the block recorded, which tell exactly what the eager op produced.
//
//===----------------------------------------------------------------------===//

#include "BlockToMLIR.h"

#include "terra/Compiler/BlockCompiler.h"
#include "terra/TerraDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

using namespace mlir;
// The terra dialect (mlir::terra), not the runtime (::terra).
namespace tdl = mlir::terra;

namespace terra {
namespace compiler {

namespace {

llvm::Error malformed(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "malformed block: " + message);
}

std::string describeOp(const BlockSpec &spec, size_t index) {
  return "op #" + std::to_string(index) + " '" + spec.ops[index].name + "'";
}

/// Checks that `value` names an input or a result of an op before `opIndex`.
llvm::Error checkValue(const BlockSpec &spec, const ValueId &value,
                       size_t opIndex, const std::string &where) {
  if (value.isInput()) {
    if (value.index < 0 ||
        static_cast<size_t>(value.index) >= spec.inputs.size())
      return malformed(where + " refers to input " +
                       std::to_string(value.index) + " of " +
                       std::to_string(spec.inputs.size()));
    return llvm::Error::success();
  }
  if (value.op < 0 || static_cast<size_t>(value.op) >= opIndex)
    return malformed(where + " refers to op #" + std::to_string(value.op) +
                     ", which does not come before it");
  const OpSpec &producer = spec.ops[value.op];
  if (value.index < 0 ||
      static_cast<size_t>(value.index) >= producer.results.size())
    return malformed(where + " refers to result " +
                     std::to_string(value.index) + " of " +
                     describeOp(spec, value.op) + ", which has " +
                     std::to_string(producer.results.size()));
  return llvm::Error::success();
}

llvm::Error checkType(const TensorType &type, const std::string &where) {
  if (static_cast<unsigned>(type.dtype) > static_cast<unsigned>(DType::Float64))
    return malformed(where + " has an unknown dtype");
  for (int64_t size : type.shape)
    if (size < 0 && !isSymbolicSize(size))
      return malformed(where + " has a negative dimension");
  return llvm::Error::success();
}

} // namespace

llvm::Error validateBlockSpec(const BlockSpec &spec) {
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    if (auto error = checkType(spec.inputs[i], "input " + std::to_string(i)))
      return error;
  for (size_t i = 0; i < spec.ops.size(); ++i) {
    const OpSpec &op = spec.ops[i];
    std::string where = describeOp(spec, i);
    if (op.results.empty())
      return malformed(where + " has no result type");
    for (size_t r = 0; r < op.results.size(); ++r)
      if (auto error =
              checkType(op.results[r], where + " result " + std::to_string(r)))
        return error;
    for (size_t o = 0; o < op.operands.size(); ++o)
      if (auto error = checkValue(spec, op.operands[o], i,
                                  where + " operand " + std::to_string(o)))
        return error;
  }
  if (spec.outputs.empty())
    return malformed("it has no outputs");
  for (size_t o = 0; o < spec.outputs.size(); ++o)
    if (auto error = checkValue(spec, spec.outputs[o], spec.ops.size(),
                                "output " + std::to_string(o)))
      return error;
  return llvm::Error::success();
}

namespace {

Type elementTypeOf(MLIRContext *context, DType dtype) {
  switch (dtype) {
  case DType::Bool:
    return IntegerType::get(context, 1);
  case DType::Int32:
    return IntegerType::get(context, 32);
  case DType::Int64:
    return IntegerType::get(context, 64);
  case DType::Float32:
    return Float32Type::get(context);
  case DType::Float64:
    return Float64Type::get(context);
  }
  return {};
}

/// bool < integer < floating, the categories of PyTorch's promotion.
int categoryOf(DType dtype) {
  if (dtype == DType::Bool)
    return 0;
  return isFloating(dtype) ? 2 : 1;
}

/// The dtype an eager binary op computes in (Elementwise.cpp's resultType):
/// a 0-d operand only decides it when its category is higher.
DType computeType(const TensorType &lhs, const TensorType &rhs) {
  bool lhsScalar = lhs.shape.empty(), rhsScalar = rhs.shape.empty();
  if (lhsScalar == rhsScalar)
    return promoteTypes(lhs.dtype, rhs.dtype);
  const TensorType &dimensioned = lhsScalar ? rhs : lhs;
  const TensorType &scalar = lhsScalar ? lhs : rhs;
  return categoryOf(scalar.dtype) > categoryOf(dimensioned.dtype)
             ? scalar.dtype
             : dimensioned.dtype;
}

/// Builds the body of @block, one op at a time.
class BlockBuilder {
public:
  BlockBuilder(MLIRContext &context, const BlockSpec &spec)
      : context(&context), spec(spec), builder(&context),
        loc(UnknownLoc::get(&context)) {}

  llvm::Expected<OwningOpRef<ModuleOp>> build();

private:
  // Types and values. A symbolic size is a dynamic dimension.
  static SmallVector<int64_t> mlirShape(ArrayRef<int64_t> shape) {
    SmallVector<int64_t> result(shape);
    for (int64_t &size : result)
      if (isSymbolicSize(size))
        size = ShapedType::kDynamic;
    return result;
  }
  RankedTensorType tensorType(const TensorType &type) {
    return RankedTensorType::get(mlirShape(type.shape),
                                 elementTypeOf(context, type.dtype));
  }
  RankedTensorType withElement(Value value, Type element) {
    return RankedTensorType::get(shapeOf(value), element);
  }
  static RankedTensorType typeOf(Value value) {
    return cast<RankedTensorType>(value.getType());
  }
  static ArrayRef<int64_t> shapeOf(Value value) {
    return typeOf(value).getShape();
  }
  Type element(DType dtype) { return elementTypeOf(context, dtype); }
  Value valueOf(const ValueId &id) {
    return id.isInput() ? inputs[id.index] : results[id.op][id.index];
  }

  Value castTo(Value value, Type elementType);
  /// `shape` may hold symbolic sizes, which a broadcast from a size-1 or
  /// missing dimension needs (see symbolSize()).
  Value broadcastTo(Value value, ArrayRef<int64_t> shape);
  Value reshape(Value value, ArrayRef<int64_t> shape);
  /// `value` with all but its last `trailing` dimensions flattened into one
  /// (sizes computed where several are dynamic).
  Value flattenLeading(Value value, int64_t trailing);
  /// A tensor of `type` filled with `number`; a dynamic `type` takes its
  /// sizes from `like`, a value of that shape, or else is the current op's
  /// result type.
  Value splat(double number, RankedTensorType type, Value like = {});
  /// Operand `index` of the current op in `element` type, broadcast to the
  /// op's result shape (elementwise ops' operands).
  Value operandAsResult(size_t index, Type element);
  /// The value of symbolic size `size` in the block: the dimension of the
  /// first input or earlier result that has it. Null (and `missingSize`
  /// set) when no value before the current op has it.
  Value symbolSize(int64_t size);

  // The op being built and its attributes.
  llvm::Error unsupported(const llvm::Twine &reason) {
    return llvm::make_error<UnsupportedOpError>(op->name, opIndex,
                                                reason.str());
  }
  llvm::Error badOp(const llvm::Twine &reason) {
    return malformed(describeOp(spec, opIndex) + ": " + reason);
  }
  llvm::Error expectOperands(size_t low, size_t high);
  llvm::Expected<int64_t> intAttr(const char *name);
  std::optional<int64_t> optionalInt(const char *name);
  llvm::Expected<double> floatAttr(const char *name);
  std::optional<double> optionalFloat(const char *name);
  bool boolAttr(const char *name, bool defaultValue);
  llvm::Expected<std::vector<int64_t>> intsAttr(const char *name);
  /// A pair (height, width) given as one integer or a list of 1 or 2.
  llvm::Expected<std::vector<int64_t>> pairAttr(const char *name,
                                                std::vector<int64_t> fallback);
  llvm::Expected<int64_t> axis(int64_t value, int64_t rank);
  llvm::Expected<std::vector<int64_t>> reductionAxes(int64_t rank);

  // Op families; each returns the op's result values.
  using Results = llvm::Expected<std::vector<Value>>;
  Results buildOp();
  Results buildUnary();
  Results buildBinary();
  Results buildCompare();
  Results buildWhere();
  Results buildClamp();
  Results buildReluGrad();
  /// Checks a normalization op's operands, results and dtypes.
  llvm::Error expectNormalization(bool grad, int64_t minRank);
  Results buildBatchNorm();
  Results buildLayerNorm();
  Results buildView();
  Results buildReduction();
  Results buildArgExtremum();
  Results buildVar();
  Results buildSoftmax();
  Results buildConcat();
  Results buildPad();
  Results buildIndexing();
  Results buildMatmul();
  Results buildConvolution();
  /// The current pooling op's window (kernel, stride, padding, dilation).
  struct PoolWindow {
    std::vector<int64_t> kernel, stride, padding, dilation;
  };
  llvm::Expected<PoolWindow> poolWindow();
  Results buildPooling();
  Results buildMaxPoolGrad();
  Results buildRandom();
  Results buildSumToShape();

  MLIRContext *context;
  const BlockSpec &spec;
  OpBuilder builder;
  Location loc;
  std::vector<Value> inputs;
  std::vector<std::vector<Value>> results;
  /// Results some op or output reads (max_pool2d's indices may be unused).
  std::set<std::pair<int32_t, int32_t>> used;
  size_t opIndex = 0;
  const OpSpec *op = nullptr;
  /// The first recorded result type.
  TensorType resultType;
  /// Symbolic size -> the first value (input or op result) and dimension
  /// that has it.
  std::map<int64_t, std::pair<ValueId, int64_t>> symbolSources;
  /// Symbolic sizes no input has, and the argument holding their values.
  std::vector<int64_t> sizeArgumentSymbols;
  Value sizeArgument;
  bool missingSize = false;
  bool unsupportedReshape = false;
};

Value BlockBuilder::castTo(Value value, Type elementType) {
  if (typeOf(value).getElementType() == elementType)
    return value;
  return tdl::CastOp::create(builder, loc, withElement(value, elementType),
                             value);
}

Value BlockBuilder::symbolSize(int64_t size) {
  auto position =
      std::find(sizeArgumentSymbols.begin(), sizeArgumentSymbols.end(), size);
  if (position != sizeArgumentSymbols.end()) {
    Value index = arith::ConstantIndexOp::create(
        builder, loc, position - sizeArgumentSymbols.begin());
    Value value = tensor::ExtractOp::create(builder, loc, sizeArgument, index);
    return arith::IndexCastOp::create(builder, loc, builder.getIndexType(),
                                      value);
  }
  auto source = symbolSources.find(size);
  if (source == symbolSources.end() ||
      (!source->second.first.isInput() &&
       size_t(source->second.first.op) >= opIndex)) {
    missingSize = true;
    return {};
  }
  return tensor::DimOp::create(builder, loc, valueOf(source->second.first),
                               source->second.second);
}

Value BlockBuilder::broadcastTo(Value value, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> target = mlirShape(shape);
  if (shapeOf(value) == ArrayRef<int64_t>(target))
    return value;
  auto type = RankedTensorType::get(target, typeOf(value).getElementType());
  // Dynamic input dimensions are never broadcast, so they give their size;
  // any other dynamic size comes from the block (all sizes or none).
  int64_t offset = int64_t(target.size()) - typeOf(value).getRank();
  bool inputGivesSizes = true;
  for (size_t d = 0; d < target.size(); ++d)
    if (ShapedType::isDynamic(target[d]) &&
        (int64_t(d) < offset || !typeOf(value).isDynamicDim(d - offset)))
      inputGivesSizes = false;
  SmallVector<Value> sizes;
  for (size_t d = 0; !inputGivesSizes && d < target.size(); ++d) {
    if (!ShapedType::isDynamic(target[d]))
      continue;
    Value size =
        int64_t(d) >= offset && typeOf(value).isDynamicDim(d - offset)
            ? tensor::DimOp::create(builder, loc, value, d - offset).getResult()
            : symbolSize(shape[d]);
    if (!size)
      return value; // missingSize tells buildOp.
    sizes.push_back(size);
  }
  return tdl::BroadcastToOp::create(builder, loc, type, value, sizes);
}

Value BlockBuilder::reshape(Value value, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> target = mlirShape(shape);
  if (shapeOf(value) == ArrayRef<int64_t>(target))
    return value;
  // terra.reshape infers one dynamic size from the element count; more
  // are given, which takes the symbolic shape (the op's result's when
  // `shape` is its MLIR form).
  SmallVector<Value> sizes;
  if (llvm::count(target, ShapedType::kDynamic) > 1) {
    ArrayRef<int64_t> symbolic = shape;
    if (!llvm::any_of(shape, isSymbolicSize) &&
        ArrayRef<int64_t>(target) ==
            ArrayRef<int64_t>(mlirShape(resultType.shape)))
      symbolic = resultType.shape;
    for (int64_t size : symbolic) {
      if (!isSymbolicSize(size) && !ShapedType::isDynamic(size))
        continue;
      Value given = isSymbolicSize(size) ? symbolSize(size) : Value();
      if (!given) {
        unsupportedReshape = true;
        return value;
      }
      sizes.push_back(given);
    }
  }
  return tdl::ReshapeOp::create(
      builder, loc,
      RankedTensorType::get(target, typeOf(value).getElementType()), value,
      sizes);
}

Value BlockBuilder::flattenLeading(Value value, int64_t trailing) {
  RankedTensorType type = typeOf(value);
  int64_t rank = type.getRank(), leading = rank - trailing;
  SmallVector<int64_t> target = {1};
  for (int64_t d = 0; d < leading; ++d)
    target[0] = type.isDynamicDim(d) || ShapedType::isDynamic(target[0])
                    ? ShapedType::kDynamic
                    : target[0] * type.getDimSize(d);
  for (int64_t d = leading; d < rank; ++d)
    target.push_back(type.getDimSize(d));
  if (ArrayRef<int64_t>(target) == type.getShape())
    return value;
  if (llvm::count(target, ShapedType::kDynamic) <= 1)
    return tdl::ReshapeOp::create(
        builder, loc, RankedTensorType::get(target, type.getElementType()),
        value);
  auto dim = [&](int64_t d) -> Value {
    return tensor::DimOp::create(builder, loc, value, d);
  };
  SmallVector<Value> sizes;
  if (ShapedType::isDynamic(target[0])) {
    Value count = arith::ConstantIndexOp::create(builder, loc, 1);
    for (int64_t d = 0; d < leading; ++d)
      count = arith::MulIOp::create(
          builder, loc, count,
          type.isDynamicDim(d)
              ? dim(d)
              : arith::ConstantIndexOp::create(builder, loc, type.getDimSize(d))
                    .getResult());
    sizes.push_back(count);
  }
  for (int64_t d = leading; d < rank; ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(dim(d));
  return tdl::ReshapeOp::create(
      builder, loc, RankedTensorType::get(target, type.getElementType()), value,
      sizes);
}

/// A constant tensor of `type` filled with `number`, converted as
/// static_cast would (truncating for integers, as Tensor::full does).
Value BlockBuilder::splat(double number, RankedTensorType type, Value like) {
  if (!type.hasStaticShape()) {
    Value scalar =
        splat(number, RankedTensorType::get({}, type.getElementType()));
    // Without `like`, the op's own (symbolic) result shape.
    if (!like) {
      if (type == tensorType({resultType.dtype, resultType.shape}))
        return broadcastTo(scalar, resultType.shape);
      missingSize = true;
      return scalar;
    }
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(tensor::DimOp::create(builder, loc, like, d));
    return tdl::BroadcastToOp::create(builder, loc, type, scalar, sizes);
  }
  Type elementType = type.getElementType();
  mlir::Attribute value;
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    value = FloatAttr::get(floatType, number);
  } else {
    unsigned width = elementType.getIntOrFloatBitWidth();
    int64_t integer = width == 1 ? (number != 0) : static_cast<int64_t>(number);
    value = IntegerAttr::get(elementType,
                             APInt(width, static_cast<uint64_t>(integer),
                                   /*isSigned=*/width > 1,
                                   /*implicitTrunc=*/true));
  }
  return tdl::ConstantOp::create(
      builder, loc, type,
      cast<ElementsAttr>(DenseElementsAttr::get(type, value)));
}

Value BlockBuilder::operandAsResult(size_t index, Type element) {
  return broadcastTo(castTo(valueOf(op->operands[index]), element),
                     resultType.shape);
}

llvm::Error BlockBuilder::expectOperands(size_t low, size_t high) {
  size_t count = op->operands.size();
  if (count < low || count > high)
    return badOp("expected " +
                 (low == high
                      ? std::to_string(low)
                      : std::to_string(low) + " to " + std::to_string(high)) +
                 " operands, got " + std::to_string(count));
  return llvm::Error::success();
}

std::optional<int64_t> BlockBuilder::optionalInt(const char *name) {
  const Attribute *attribute = op->attribute(name);
  if (!attribute)
    return std::nullopt;
  if (auto *integer = std::get_if<int64_t>(attribute))
    return *integer;
  if (auto *flag = std::get_if<bool>(attribute))
    return *flag;
  return std::nullopt;
}

llvm::Expected<int64_t> BlockBuilder::intAttr(const char *name) {
  if (std::optional<int64_t> value = optionalInt(name))
    return *value;
  return badOp(llvm::Twine("needs an integer attribute '") + name + "'");
}

std::optional<double> BlockBuilder::optionalFloat(const char *name) {
  const Attribute *attribute = op->attribute(name);
  if (!attribute)
    return std::nullopt;
  if (auto *number = std::get_if<double>(attribute))
    return *number;
  if (auto *integer = std::get_if<int64_t>(attribute))
    return static_cast<double>(*integer);
  return std::nullopt;
}

llvm::Expected<double> BlockBuilder::floatAttr(const char *name) {
  if (std::optional<double> value = optionalFloat(name))
    return *value;
  return badOp(llvm::Twine("needs a number attribute '") + name + "'");
}

bool BlockBuilder::boolAttr(const char *name, bool defaultValue) {
  const Attribute *attribute = op->attribute(name);
  if (!attribute)
    return defaultValue;
  if (auto *flag = std::get_if<bool>(attribute))
    return *flag;
  if (auto *integer = std::get_if<int64_t>(attribute))
    return *integer != 0;
  return defaultValue;
}

llvm::Expected<std::vector<int64_t>> BlockBuilder::intsAttr(const char *name) {
  const Attribute *attribute = op->attribute(name);
  if (attribute) {
    if (auto *list = std::get_if<std::vector<int64_t>>(attribute))
      return *list;
    if (auto *integer = std::get_if<int64_t>(attribute))
      return std::vector<int64_t>{*integer};
  }
  return badOp(llvm::Twine("needs an integer list attribute '") + name + "'");
}

llvm::Expected<std::vector<int64_t>>
BlockBuilder::pairAttr(const char *name, std::vector<int64_t> fallback) {
  if (!op->attribute(name))
    return fallback;
  auto values = intsAttr(name);
  if (!values)
    return values.takeError();
  if (values->empty())
    return fallback;
  if (values->size() == 1)
    return std::vector<int64_t>{(*values)[0], (*values)[0]};
  if (values->size() != 2)
    return badOp(llvm::Twine("'") + name + "' needs 1 or 2 values");
  return *values;
}

/// A possibly negative axis, normalised as terra::normalizeAxis does.
llvm::Expected<int64_t> BlockBuilder::axis(int64_t value, int64_t rank) {
  int64_t bound = std::max<int64_t>(rank, 1);
  if (value < -bound || value >= bound)
    return badOp("axis " + std::to_string(value) + " is out of range");
  return value < 0 ? value + bound : value;
}

/// The `axes` attribute, normalised, sorted and deduplicated; no axes means
/// all of them.
llvm::Expected<std::vector<int64_t>> BlockBuilder::reductionAxes(int64_t rank) {
  std::vector<int64_t> axes;
  if (op->attribute("axes")) {
    auto listed = intsAttr("axes");
    if (!listed)
      return listed.takeError();
    axes = *listed;
  }
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
    return axes;
  }
  for (int64_t &a : axes) {
    auto normalised = axis(a, rank);
    if (!normalised)
      return normalised.takeError();
    a = *normalised;
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  // A 0-d tensor reduces over "axis 0" (PyTorch allows dim=0/-1 there).
  if (rank == 0)
    axes.clear();
  return axes;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

BlockBuilder::Results BlockBuilder::buildUnary() {
  if (auto error = expectOperands(1, 1))
    return std::move(error);
  const std::string &name = op->name;
  if (name == "sin" || name == "cos")
    return unsupported("the terra dialect has no " + name + " op");
  Value x = valueOf(op->operands[0]);
  RankedTensorType type = tensorType(resultType);
  if (name == "logical_not") {
    // !x is x == 0, whatever x's type; then the recorded result dtype.
    Value zero = splat(0, typeOf(x), x);
    Value isZero = tdl::CompareOp::create(
        builder, loc, withElement(x, builder.getI1Type()),
        tdl::ComparisonDirection::eq, x, zero);
    return std::vector<Value>{castTo(isZero, type.getElementType())};
  }
  if (resultType.dtype == DType::Bool)
    return unsupported(name + " on a bool tensor");
  // Float-only functions of integers compute in the recorded float dtype.
  x = castTo(x, type.getElementType());
  Value y;
  bool floating = isFloating(resultType.dtype);
  auto needFloat = [&]() -> llvm::Error {
    if (floating)
      return llvm::Error::success();
    return unsupported(name + " with an integer result");
  };
  if (name == "neg")
    y = tdl::NegOp::create(builder, loc, type, x);
  else if (name == "abs")
    y = tdl::AbsOp::create(builder, loc, type, x);
  else if (name == "relu")
    y = tdl::ReluOp::create(builder, loc, type, x);
  else if (auto error = needFloat())
    return std::move(error);
  else if (name == "exp")
    y = tdl::ExpOp::create(builder, loc, type, x);
  else if (name == "log")
    y = tdl::LogOp::create(builder, loc, type, x);
  else if (name == "sqrt")
    y = tdl::SqrtOp::create(builder, loc, type, x);
  else if (name == "rsqrt")
    y = tdl::RsqrtOp::create(builder, loc, type, x);
  else if (name == "tanh")
    y = tdl::TanhOp::create(builder, loc, type, x);
  else if (name == "sigmoid")
    y = tdl::SigmoidOp::create(builder, loc, type, x);
  else if (name == "gelu" || name == "gelu_tanh")
    y = tdl::GeluOp::create(builder, loc, type, x, name == "gelu_tanh");
  else if (name == "erf")
    y = tdl::ErfOp::create(builder, loc, type, x);
  return std::vector<Value>{y};
}

BlockBuilder::Results BlockBuilder::buildBinary() {
  if (auto error = expectOperands(2, 2))
    return std::move(error);
  const std::string &name = op->name;
  // The recorded dtype is the one the eager kernel computed in (true
  // division of integers already says float32).
  if (resultType.dtype == DType::Bool)
    return unsupported(name + " of bool tensors");
  if (name == "pow" && !isFloating(resultType.dtype))
    return unsupported("integer pow (terra.pow is float-only)");
  RankedTensorType type = tensorType(resultType);
  Value lhs = operandAsResult(0, type.getElementType());
  Value rhs = operandAsResult(1, type.getElementType());
  Value y;
  if (name == "add")
    y = tdl::AddOp::create(builder, loc, type, lhs, rhs);
  else if (name == "sub")
    y = tdl::SubOp::create(builder, loc, type, lhs, rhs);
  else if (name == "mul")
    y = tdl::MulOp::create(builder, loc, type, lhs, rhs);
  else if (name == "div")
    y = tdl::DivOp::create(builder, loc, type, lhs, rhs);
  else if (name == "pow")
    y = tdl::PowOp::create(builder, loc, type, lhs, rhs);
  else if (name == "maximum")
    y = tdl::MaximumOp::create(builder, loc, type, lhs, rhs);
  else
    y = tdl::MinimumOp::create(builder, loc, type, lhs, rhs);
  return std::vector<Value>{y};
}

BlockBuilder::Results BlockBuilder::buildCompare() {
  if (auto error = expectOperands(2, 2))
    return std::move(error);
  if (resultType.dtype != DType::Bool)
    return badOp("a comparison gives bool");
  DType common =
      computeType(spec.typeOf(op->operands[0]), spec.typeOf(op->operands[1]));
  static const std::map<std::string, tdl::ComparisonDirection> directions = {
      {"eq", tdl::ComparisonDirection::eq},
      {"ne", tdl::ComparisonDirection::ne},
      {"lt", tdl::ComparisonDirection::lt},
      {"le", tdl::ComparisonDirection::le},
      {"gt", tdl::ComparisonDirection::gt},
      {"ge", tdl::ComparisonDirection::ge}};
  Value lhs = operandAsResult(0, element(common));
  Value rhs = operandAsResult(1, element(common));
  return std::vector<Value>{tdl::CompareOp::create(
      builder, loc, tensorType(resultType), directions.at(op->name), lhs, rhs)};
}

BlockBuilder::Results BlockBuilder::buildWhere() {
  if (auto error = expectOperands(3, 3))
    return std::move(error);
  if (spec.typeOf(op->operands[0]).dtype != DType::Bool)
    return badOp("the condition of where is bool");
  RankedTensorType type = tensorType(resultType);
  Value condition = broadcastTo(valueOf(op->operands[0]), resultType.shape);
  Value x = operandAsResult(1, type.getElementType());
  Value y = operandAsResult(2, type.getElementType());
  return std::vector<Value>{
      tdl::SelectOp::create(builder, loc, type, condition, x, y)};
}

BlockBuilder::Results BlockBuilder::buildClamp() {
  if (auto error = expectOperands(1, 1))
    return std::move(error);
  if (resultType.dtype == DType::Bool)
    return unsupported("clamp of a bool tensor");
  // As ops::clamp: maximum with a 0-d bound of the input's dtype, then
  // minimum.
  RankedTensorType type = tensorType(resultType);
  Value x = castTo(valueOf(op->operands[0]), type.getElementType());
  if (std::optional<double> low = optionalFloat("min"))
    x = tdl::MaximumOp::create(builder, loc, type, x, splat(*low, type, x));
  if (std::optional<double> high = optionalFloat("max"))
    x = tdl::MinimumOp::create(builder, loc, type, x, splat(*high, type, x));
  return std::vector<Value>{x};
}

BlockBuilder::Results BlockBuilder::buildReluGrad() {
  if (auto error = expectOperands(2, 2))
    return std::move(error);
  if (resultType.dtype == DType::Bool)
    return unsupported("relu_grad of a bool tensor");
  // As the eager kernel: 0 where relu's result is <= 0, else the gradient.
  RankedTensorType type = tensorType(resultType);
  Value grad = operandAsResult(0, type.getElementType());
  Value result = operandAsResult(1, type.getElementType());
  Value zero = splat(0, typeOf(grad), grad);
  Value notPositive = tdl::CompareOp::create(
      builder, loc, withElement(result, builder.getI1Type()),
      tdl::ComparisonDirection::le, result, zero);
  return std::vector<Value>{
      tdl::SelectOp::create(builder, loc, type, notPositive, zero, grad)};
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

llvm::Error BlockBuilder::expectNormalization(bool grad, int64_t minRank) {
  // Forward: (input[, weight, bias]); gradient: (dy, input, statistic,
  // statistic[, weight]); three results; one float dtype throughout.
  if (auto error = grad ? expectOperands(4, 5) : expectOperands(1, 3))
    return error;
  if (!grad && op->operands.size() == 2)
    return badOp(op->name +
                 " takes an input, or an input, a weight and a bias");
  if (op->results.size() != 3)
    return badOp(op->name + " gives three results");
  const TensorType &inputType = spec.typeOf(op->operands[grad ? 1 : 0]);
  if (!isFloating(inputType.dtype) ||
      static_cast<int64_t>(inputType.shape.size()) < minRank)
    return badOp(op->name + " needs a float input of rank " +
                 llvm::Twine(minRank) + " or more");
  for (const ValueId &operand : op->operands)
    if (spec.typeOf(operand).dtype != inputType.dtype)
      return badOp(op->name + "'s operands share the input's dtype");
  return llvm::Error::success();
}

BlockBuilder::Results BlockBuilder::buildBatchNorm() {
  // batch_norm (input[, weight, bias]) -> (output, mean, variance) and
  // batch_norm_grad (dy, input, mean, variance[, weight]) -> (dx, dweight,
  // dbias), composed of the dialect's reductions and elementwise ops with
  // the eager kernel's formulas (lib/Runtime/Normalization.cpp).
  bool grad = op->name == "batch_norm_grad";
  if (auto error = expectNormalization(grad, 2))
    return std::move(error);
  auto eps = floatAttr("eps");
  if (!eps)
    return eps.takeError();
  const TensorType &inputType = spec.typeOf(op->operands[grad ? 1 : 0]);
  Value x = valueOf(op->operands[grad ? 1 : 0]);
  RankedTensorType type = typeOf(x);
  if (type.isDynamicDim(1))
    return unsupported(op->name + " over a dynamic number of channels");
  Type element = type.getElementType();
  int64_t rank = type.getRank(), channels = type.getDimSize(1);
  std::vector<int64_t> axes = {0};
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  SmallVector<int64_t> kept(rank, 1);
  kept[1] = channels;
  auto keptType = RankedTensorType::get(kept, element);
  const std::vector<int64_t> &shape = inputType.shape;
  // [C] -> [1, C, 1, ...] and back; per-channel values spread over x.
  auto perChannel = [&](const ValueId &id) {
    return reshape(valueOf(id), kept);
  };
  auto spread = [&](Value value) { return broadcastTo(value, shape); };
  auto channelVector = [&](Value value) { return reshape(value, {channels}); };
  auto mean = [&](Value value) -> Value {
    return tdl::MeanOp::create(builder, loc, keptType, value, axes, true);
  };
  auto sum = [&](Value value) -> Value {
    return tdl::SumOp::create(builder, loc, keptType, value, axes, true);
  };
  auto mul = [&](Value a, Value b) -> Value {
    return tdl::MulOp::create(builder, loc, typeOf(a), a, b);
  };
  auto sub = [&](Value a, Value b) -> Value {
    return tdl::SubOp::create(builder, loc, typeOf(a), a, b);
  };
  auto invstdOf = [&](Value variance) -> Value {
    return tdl::RsqrtOp::create(builder, loc, keptType,
                                tdl::AddOp::create(builder, loc, keptType,
                                                   variance,
                                                   splat(*eps, keptType)));
  };
  bool affine = op->operands.size() == (grad ? 5u : 3u);
  if (!grad) {
    Value channelMean = mean(x);
    Value deviation = sub(x, spread(channelMean));
    Value variance = mean(mul(deviation, deviation));
    Value scale = invstdOf(variance);
    if (affine)
      scale = mul(scale, perChannel(op->operands[1]));
    Value shift = mul(channelMean, scale);
    shift = affine ? sub(perChannel(op->operands[2]), shift)
                   : tdl::NegOp::create(builder, loc, keptType, shift);
    Value y = tdl::AddOp::create(builder, loc, type, mul(x, spread(scale)),
                                 spread(shift));
    return std::vector<Value>{y, channelVector(channelMean),
                              channelVector(variance)};
  }
  Value dy = valueOf(op->operands[0]);
  Value invstd = invstdOf(perChannel(op->operands[3]));
  Value deviation = sub(x, spread(perChannel(op->operands[2])));
  Value product = mul(dy, deviation);
  Value projection = mul(mean(product), mul(invstd, invstd));
  Value scale = affine ? mul(invstd, perChannel(op->operands[4])) : invstd;
  Value dx =
      mul(sub(sub(dy, spread(mean(dy))), mul(deviation, spread(projection))),
          spread(scale));
  return std::vector<Value>{dx, channelVector(mul(sum(product), invstd)),
                            channelVector(sum(dy))};
}

BlockBuilder::Results BlockBuilder::buildLayerNorm() {
  // layer_norm (input[, weight, bias]) -> (output, mean, rstd) and
  // layer_norm_grad (dy, input, mean, rstd[, weight]) -> (dx, dweight,
  // dbias) over the last `dims` dimensions, as lib/Runtime/Normalization.cpp.
  bool grad = op->name == "layer_norm_grad";
  auto dims = intAttr("dims");
  if (!dims)
    return dims.takeError();
  if (auto error = expectNormalization(grad, std::max<int64_t>(*dims, 1)))
    return std::move(error);
  const TensorType &inputType = spec.typeOf(op->operands[grad ? 1 : 0]);
  int64_t rank = static_cast<int64_t>(inputType.shape.size());
  if (*dims < 1)
    return badOp("layer_norm normalizes at least one dimension");
  Value x = valueOf(op->operands[grad ? 1 : 0]);
  RankedTensorType type = typeOf(x);
  Type element = type.getElementType();
  std::vector<int64_t> rowAxes, leadingAxes;
  SmallVector<int64_t> kept(type.getShape());
  for (int64_t d = 0; d < rank; ++d) {
    if (d < rank - *dims) {
      leadingAxes.push_back(d);
      continue;
    }
    if (type.isDynamicDim(d))
      return unsupported(op->name + " over a dynamic normalized dimension");
    rowAxes.push_back(d);
    kept[d] = 1;
  }
  auto keptType = RankedTensorType::get(kept, element);
  const std::vector<int64_t> &shape = inputType.shape;
  auto spread = [&](Value value) { return broadcastTo(value, shape); };
  auto rowMean = [&](Value value) -> Value {
    return tdl::MeanOp::create(builder, loc, keptType, value, rowAxes, true);
  };
  auto mul = [&](Value a, Value b) -> Value {
    return tdl::MulOp::create(builder, loc, typeOf(a), a, b);
  };
  auto sub = [&](Value a, Value b) -> Value {
    return tdl::SubOp::create(builder, loc, typeOf(a), a, b);
  };
  bool affine = op->operands.size() == (grad ? 5u : 3u);
  if (!grad) {
    auto eps = floatAttr("eps");
    if (!eps)
      return eps.takeError();
    Value mean = rowMean(x);
    Value deviation = sub(x, spread(mean));
    Value variance = rowMean(mul(deviation, deviation));
    Value rstd = tdl::RsqrtOp::create(
        builder, loc, keptType,
        tdl::AddOp::create(builder, loc, keptType, variance,
                           splat(*eps, keptType, variance)));
    Value y = mul(deviation, spread(rstd));
    if (affine)
      y = tdl::AddOp::create(builder, loc, type,
                             mul(y, spread(valueOf(op->operands[1]))),
                             spread(valueOf(op->operands[2])));
    return std::vector<Value>{y, reshape(mean, op->results[1].shape),
                              reshape(rstd, op->results[2].shape)};
  }
  Value dy = valueOf(op->operands[0]);
  Value rstd = spread(reshape(valueOf(op->operands[3]), kept));
  Value normalized =
      mul(sub(x, spread(reshape(valueOf(op->operands[2]), kept))), rstd);
  Value g = affine ? mul(dy, spread(valueOf(op->operands[4]))) : dy;
  // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) over each row.
  Value dx = mul(sub(sub(g, spread(rowMean(g))),
                     mul(normalized, spread(rowMean(mul(g, normalized))))),
                 rstd);
  auto columnSum = [&](Value value) -> Value {
    if (leadingAxes.empty())
      return value;
    return tdl::SumOp::create(builder, loc, tensorType(op->results[1]), value,
                              leadingAxes, false);
  };
  return std::vector<Value>{dx, columnSum(mul(dy, normalized)), columnSum(dy)};
}

//===----------------------------------------------------------------------===//
// Views: shape ops on values (the compiled block has no aliasing to keep)
//===----------------------------------------------------------------------===//

BlockBuilder::Results BlockBuilder::buildView() {
  const std::string &name = op->name;
  if (auto error = expectOperands(1, 1))
    return std::move(error);
  Value x = valueOf(op->operands[0]);
  int64_t rank = typeOf(x).getRank();
  RankedTensorType type = tensorType(resultType);
  if (typeOf(x).getElementType() != type.getElementType())
    return badOp("a view keeps the dtype");
  if (name == "contiguous" || name == "clone")
    return std::vector<Value>{x};
  if (name == "reshape" || name == "unsqueeze" || name == "squeeze")
    return std::vector<Value>{reshape(x, type.getShape())};
  if (name == "expand")
    return std::vector<Value>{broadcastTo(x, resultType.shape)};
  if (name == "permute" || name == "transpose") {
    std::vector<int64_t> permutation;
    if (name == "permute") {
      auto dims = intsAttr("dims");
      if (!dims)
        return dims.takeError();
      if (static_cast<int64_t>(dims->size()) != rank)
        return badOp("permute needs one dim per axis");
      for (int64_t dim : *dims) {
        auto normalised = axis(dim, rank);
        if (!normalised)
          return normalised.takeError();
        permutation.push_back(*normalised);
      }
    } else {
      auto dim0 = intAttr("dim0"), dim1 = intAttr("dim1");
      if (!dim0)
        return dim0.takeError();
      if (!dim1)
        return dim1.takeError();
      if (rank < 2)
        return std::vector<Value>{x};
      auto a = axis(*dim0, rank), b = axis(*dim1, rank);
      if (!a)
        return a.takeError();
      if (!b)
        return b.takeError();
      for (int64_t d = 0; d < rank; ++d)
        permutation.push_back(d);
      std::swap(permutation[*a], permutation[*b]);
    }
    if (rank == 0)
      return std::vector<Value>{x};
    return std::vector<Value>{
        tdl::TransposeOp::create(builder, loc, type, x, permutation)};
  }
  // slice and select: a terra.slice along one axis.
  auto axisValue = intAttr("axis");
  if (!axisValue)
    return axisValue.takeError();
  if (rank == 0)
    return badOp("cannot index a 0-d tensor");
  auto dim = axis(*axisValue, rank);
  if (!dim)
    return dim.takeError();
  int64_t size = shapeOf(x)[*dim];
  if (ShapedType::isDynamic(size))
    return unsupported("indexing along a dynamic dimension");
  int64_t start, stop, step = 1;
  if (name == "slice") {
    // Python's clamped bounds, as Tensor::slice.
    auto startValue = intAttr("start"), stopValue = intAttr("stop");
    if (!startValue)
      return startValue.takeError();
    if (!stopValue)
      return stopValue.takeError();
    step = optionalInt("step").value_or(1);
    if (step <= 0)
      return badOp("slice step must be positive");
    auto clampIndex = [size](int64_t index) {
      if (index < 0)
        index += size;
      return std::clamp<int64_t>(index, 0, size);
    };
    start = clampIndex(*startValue);
    stop = std::max(clampIndex(*stopValue), start);
  } else {
    auto index = intAttr("index");
    if (!index)
      return index.takeError();
    if (*index < -size || *index >= size)
      return badOp("select index out of range");
    start = *index < 0 ? *index + size : *index;
    stop = start + 1;
  }
  SmallVector<int64_t> starts(rank, 0), limits(shapeOf(x)), strides(rank, 1);
  starts[*dim] = start;
  limits[*dim] = stop;
  strides[*dim] = step;
  SmallVector<int64_t> shape(shapeOf(x));
  shape[*dim] = (stop - start + step - 1) / step;
  Value sliced = tdl::SliceOp::create(
      builder, loc, RankedTensorType::get(shape, type.getElementType()), x,
      starts, limits, strides);
  return std::vector<Value>{reshape(sliced, type.getShape())};
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

BlockBuilder::Results BlockBuilder::buildReduction() {
  if (auto error = expectOperands(1, 1))
    return std::move(error);
  const std::string &name = op->name;
  RankedTensorType type = tensorType(resultType);
  // Sums of bool and integers are int64: convert first, as PyTorch does.
  Value x = castTo(valueOf(op->operands[0]), type.getElementType());
  if (resultType.dtype == DType::Bool)
    return unsupported(name + " of a bool tensor");
  if (name == "mean" && !isFloating(resultType.dtype))
    return badOp("mean needs a float tensor");
  auto axes = reductionAxes(typeOf(x).getRank());
  if (!axes)
    return axes.takeError();
  bool keepdim = boolAttr("keepdim", false);
  if (axes->empty())
    return std::vector<Value>{reshape(x, type.getShape())};
  Value y;
  if (name == "sum")
    y = tdl::SumOp::create(builder, loc, type, x, *axes, keepdim);
  else if (name == "mean")
    y = tdl::MeanOp::create(builder, loc, type, x, *axes, keepdim);
  else if (name == "amax")
    y = tdl::MaxOp::create(builder, loc, type, x, *axes, keepdim);
  else
    y = tdl::MinOp::create(builder, loc, type, x, *axes, keepdim);
  return std::vector<Value>{y};
}

BlockBuilder::Results BlockBuilder::buildArgExtremum() {
  if (auto error = expectOperands(1, 1))
    return std::move(error);
  Value x = valueOf(op->operands[0]);
  DType dtype = spec.typeOf(op->operands[0]).dtype;
  if (dtype == DType::Bool)
    return unsupported(op->name + " of a bool tensor");
  if (resultType.dtype != DType::Int64)
    return badOp("an index is int64");
  if (op->name == "argmin") {
    // The first minimum of x is the first maximum of an order-reversing map:
    // -x for floats (NaN stays NaN), ~x = -1 - x for integers (no overflow).
    if (isFloating(dtype))
      x = tdl::NegOp::create(builder, loc, typeOf(x), x);
    else
      x = tdl::SubOp::create(builder, loc, typeOf(x), splat(-1, typeOf(x), x),
                             x);
  }
  bool keepdim = boolAttr("keepdim", false);
  std::optional<int64_t> axisValue = optionalInt("axis");
  int64_t dim = 0;
  if (!axisValue || typeOf(x).getRank() == 0) {
    // Over the flattened tensor; keepdim's all-ones shape is a reshape.
    x = reshape(x, {typeOf(x).hasStaticShape() ? typeOf(x).getNumElements()
                                               : ShapedType::kDynamic});
    keepdim = false;
  } else {
    auto normalised = axis(*axisValue, typeOf(x).getRank());
    if (!normalised)
      return normalised.takeError();
    dim = *normalised;
  }
  if (shapeOf(x)[dim] == 0)
    return badOp("argmax of an empty axis");
  SmallVector<int64_t> shape(shapeOf(x));
  if (keepdim)
    shape[dim] = 1;
  else
    shape.erase(shape.begin() + dim);
  Value index = tdl::ArgMaxOp::create(
      builder, loc, RankedTensorType::get(shape, builder.getI64Type()), x, dim,
      keepdim);
  return std::vector<Value>{reshape(index, resultType.shape)};
}

BlockBuilder::Results BlockBuilder::buildVar() {
  if (auto error = expectOperands(1, 1))
    return std::move(error);
  if (!isFloating(resultType.dtype))
    return badOp("var needs a float tensor");
  Value x = valueOf(op->operands[0]);
  RankedTensorType type = tensorType(resultType);
  auto axes = reductionAxes(typeOf(x).getRank());
  if (!axes)
    return axes.takeError();
  int64_t correction = optionalInt("correction").value_or(1);
  // Two passes, as the eager kernel: the mean, then squared deviations.
  // Over a dynamic dimension the count is known at run time only: the
  // biased variance (LayerNorm's, BatchNorm's) is then a mean.
  bool dynamicCount =
      llvm::any_of(*axes, [&](int64_t a) { return typeOf(x).isDynamicDim(a); });
  if (dynamicCount && correction != 0)
    return unsupported("var with a correction over a dynamic dimension");
  double count = 1;
  SmallVector<int64_t> kept(shapeOf(x));
  for (int64_t a : *axes) {
    if (!dynamicCount)
      count *= static_cast<double>(kept[a]);
    kept[a] = 1;
  }
  Value deviation = x;
  if (!axes->empty()) {
    Value mean = tdl::MeanOp::create(
        builder, loc, RankedTensorType::get(kept, type.getElementType()), x,
        *axes, true);
    deviation = tdl::SubOp::create(
        builder, loc, typeOf(x), x,
        broadcastTo(mean, spec.typeOf(op->operands[0]).shape));
  } else {
    deviation = tdl::SubOp::create(builder, loc, typeOf(x), x, x);
  }
  Value squares =
      tdl::MulOp::create(builder, loc, typeOf(x), deviation, deviation);
  // The sum keeps reduced dimensions; the reshape then drops them unless
  // keepdim.
  if (dynamicCount)
    return std::vector<Value>{reshape(
        tdl::MeanOp::create(builder, loc,
                            RankedTensorType::get(kept, type.getElementType()),
                            squares, *axes, /*keepdim=*/true),
        resultType.shape)};
  Value sum = squares;
  if (!axes->empty())
    sum = tdl::SumOp::create(builder, loc,
                             RankedTensorType::get(kept, type.getElementType()),
                             squares, *axes, /*keepdim=*/true);
  sum = reshape(sum, resultType.shape);
  double divisor = std::max<double>(0, count - static_cast<double>(correction));
  return std::vector<Value>{
      tdl::DivOp::create(builder, loc, type, sum, splat(divisor, type, sum))};
}

BlockBuilder::Results BlockBuilder::buildSoftmax() {
  if (auto error = expectOperands(1, 1))
    return std::move(error);
  if (!isFloating(resultType.dtype))
    return badOp("softmax needs a float tensor");
  RankedTensorType type = tensorType(resultType);
  Value x = castTo(valueOf(op->operands[0]), type.getElementType());
  if (type.getRank() == 0)
    return unsupported("softmax of a 0-d tensor");
  auto axisValue = intAttr("axis");
  if (!axisValue)
    return axisValue.takeError();
  auto dim = axis(*axisValue, type.getRank());
  if (!dim)
    return dim.takeError();
  if (op->name == "softmax")
    return std::vector<Value>{
        tdl::SoftmaxOp::create(builder, loc, type, x, *dim)};
  return std::vector<Value>{
      tdl::LogSoftmaxOp::create(builder, loc, type, x, *dim)};
}

//===----------------------------------------------------------------------===//
// Shape ops that copy
//===----------------------------------------------------------------------===//

BlockBuilder::Results BlockBuilder::buildConcat() {
  if (op->operands.empty())
    return badOp("needs at least one tensor");
  RankedTensorType type = tensorType(resultType);
  auto axisValue = intAttr("axis");
  if (!axisValue)
    return axisValue.takeError();
  auto dim = axis(*axisValue, type.getRank());
  if (!dim)
    return dim.takeError();
  SmallVector<Value> pieces;
  for (const ValueId &operand : op->operands) {
    Value piece = castTo(valueOf(operand), type.getElementType());
    if (op->name == "stack") {
      SmallVector<int64_t> shape(shapeOf(piece));
      if (*dim > static_cast<int64_t>(shape.size()))
        return badOp("stack axis out of range");
      shape.insert(shape.begin() + *dim, 1);
      piece = reshape(piece, shape);
    }
    if (typeOf(piece).getRank() != type.getRank())
      return unsupported("cat of tensors of different ranks");
    pieces.push_back(piece);
  }
  if (pieces.size() == 1)
    return std::vector<Value>{reshape(pieces[0], type.getShape())};
  return std::vector<Value>{
      tdl::ConcatOp::create(builder, loc, type, pieces, *dim)};
}

BlockBuilder::Results BlockBuilder::buildPad() {
  if (auto error = expectOperands(1, 1))
    return std::move(error);
  Value x = valueOf(op->operands[0]);
  int64_t rank = typeOf(x).getRank();
  auto low = intsAttr("low"), high = intsAttr("high");
  if (!low)
    return low.takeError();
  if (!high)
    return high.takeError();
  auto value = floatAttr("value");
  if (!value)
    return value.takeError();
  if (static_cast<int64_t>(low->size()) != rank ||
      static_cast<int64_t>(high->size()) != rank)
    return badOp("pad needs one low and one high padding per dimension");
  // Negative padding crops (as ops::pad): a slice first, then the rest.
  SmallVector<int64_t> starts(rank, 0), limits(shapeOf(x)), strides(rank, 1);
  SmallVector<int64_t> padLow(rank), padHigh(rank), cropped(shapeOf(x));
  bool crop = false;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = shapeOf(x)[d];
    starts[d] = std::min(size, std::max<int64_t>(0, -(*low)[d]));
    limits[d] = std::max(starts[d], size - std::max<int64_t>(0, -(*high)[d]));
    cropped[d] = limits[d] - starts[d];
    crop |= cropped[d] != size;
    padLow[d] = std::max<int64_t>(0, (*low)[d]);
    padHigh[d] = std::max<int64_t>(0, (*high)[d]);
  }
  Type elementType = typeOf(x).getElementType();
  // The eager kernel fills with the value converted to the element type
  // (Tensor::full): truncated for integers, nonzero for bools.
  double fill = *value;
  if (elementType.isInteger(1))
    fill = fill != 0;
  else if (elementType.isInteger())
    fill = std::trunc(fill);
  if (crop)
    x = tdl::SliceOp::create(builder, loc,
                             RankedTensorType::get(cropped, elementType), x,
                             starts, limits, strides);
  if (llvm::all_of(padLow, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(padHigh, [](int64_t p) { return p == 0; }))
    return std::vector<Value>{x};
  if (typeOf(x).hasStaticShape() && typeOf(x).getNumElements() == 0)
    return std::vector<Value>{splat(fill, tensorType(resultType))};
  return std::vector<Value>{tdl::PadOp::create(
      builder, loc, tensorType(resultType), x, padLow, padHigh, APFloat(fill))};
}

BlockBuilder::Results BlockBuilder::buildIndexing() {
  RankedTensorType type = tensorType(resultType);
  if (op->name == "masked_select")
    return unsupported("its result shape depends on the mask's values");
  auto axisValue = intAttr("axis");
  if (!axisValue)
    return axisValue.takeError();
  if (auto error = expectOperands(2, 2))
    return std::move(error);
  if (op->name == "index_select") {
    Value input = valueOf(op->operands[0]), indices = valueOf(op->operands[1]);
    if (typeOf(input).getRank() == 0)
      return unsupported("index_select of a 0-d tensor");
    auto dim = axis(*axisValue, typeOf(input).getRank());
    if (!dim)
      return dim.takeError();
    if (spec.typeOf(op->operands[1]).dtype != DType::Int64 &&
        spec.typeOf(op->operands[1]).dtype != DType::Int32)
      return badOp("indices are int32 or int64");
    return std::vector<Value>{
        tdl::GatherOp::create(builder, loc, type, input, indices, *dim)};
  }
  // index_add{shape, axis}(indices, source): the gradient of index_select.
  Value indices = valueOf(op->operands[0]), source = valueOf(op->operands[1]);
  if (type.getRank() == 0)
    return unsupported("index_add into a 0-d tensor");
  auto dim = axis(*axisValue, type.getRank());
  if (!dim)
    return dim.takeError();
  if (resultType.dtype == DType::Bool)
    return unsupported("index_add of bool tensors");
  source = castTo(source, type.getElementType());
  return std::vector<Value>{tdl::ScatterAddOp::create(
      builder, loc, type, splat(0, type), indices, source, *dim)};
}

BlockBuilder::Results BlockBuilder::buildSumToShape() {
  if (auto error = expectOperands(1, 1))
    return std::move(error);
  RankedTensorType type = tensorType(resultType);
  if (resultType.dtype == DType::Bool)
    return unsupported("sum_to_shape of a bool tensor");
  Value x = castTo(valueOf(op->operands[0]), type.getElementType());
  ArrayRef<int64_t> from = shapeOf(x), to = type.getShape();
  int64_t lead = static_cast<int64_t>(from.size()) - type.getRank();
  if (lead < 0)
    return badOp("sum_to_shape cannot add dimensions");
  // The dimensions broadcasting added or stretched from 1.
  SmallVector<int64_t> axes, kept(from);
  for (int64_t d = 0; d < static_cast<int64_t>(from.size()); ++d)
    if (d < lead || (to[d - lead] == 1 && from[d] != 1)) {
      axes.push_back(d);
      kept[d] = 1;
    }
  if (!axes.empty())
    x = tdl::SumOp::create(builder, loc,
                           RankedTensorType::get(kept, type.getElementType()),
                           x, axes, true);
  return std::vector<Value>{reshape(x, to)};
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

BlockBuilder::Results BlockBuilder::buildMatmul() {
  if (auto error = expectOperands(2, 2))
    return std::move(error);
  if (resultType.dtype == DType::Bool)
    return unsupported("matmul of bool tensors");
  Type elementType = element(resultType.dtype);
  Value a = castTo(valueOf(op->operands[0]), elementType);
  Value b = castTo(valueOf(op->operands[1]), elementType);
  if (typeOf(a).getRank() == 0 || typeOf(b).getRank() == 0)
    return badOp("matmul needs at least 1-D operands");
  // torch.matmul's 1-D operands are a row (lhs) or a column (rhs) vector,
  // whose extra dimension the recorded result shape leaves out.
  if (typeOf(a).getRank() == 1)
    a = reshape(a, {1, shapeOf(a)[0]});
  if (typeOf(b).getRank() == 1)
    b = reshape(b, {shapeOf(b)[0], 1});
  ArrayRef<int64_t> aShape = shapeOf(a), bShape = shapeOf(b);
  int64_t m = aShape[aShape.size() - 2], k = aShape.back();
  int64_t n = bShape.back();
  int64_t bRows = bShape[bShape.size() - 2];
  if (bRows != k && !ShapedType::isDynamic(bRows) && !ShapedType::isDynamic(k))
    return badOp("matmul inner dimensions differ");
  Shape aBatch(aShape.begin(), aShape.end() - 2);
  Shape bBatch(bShape.begin(), bShape.end() - 2);
  auto matmul = [&](Value lhs, Value rhs, ArrayRef<int64_t> shape) -> Value {
    return tdl::MatmulOp::create(
        builder, loc, RankedTensorType::get(shape, elementType), lhs, rhs);
  };
  if (bBatch.empty()) {
    // A batch of rows times one matrix is one matrix product.
    int64_t rows = m;
    for (int64_t size : aBatch)
      rows = ShapedType::isDynamic(size) || ShapedType::isDynamic(rows)
                 ? ShapedType::kDynamic
                 : rows * size;
    Value product = matmul(flattenLeading(a, 1), b, {rows, n});
    return std::vector<Value>{reshape(product, resultType.shape)};
  }
  // Broadcast batch dimensions, flattened into one for terra.matmul.
  Shape batch(std::max(aBatch.size(), bBatch.size()), 1);
  for (size_t i = 0; i < batch.size(); ++i) {
    auto dimOf = [&](const Shape &shape) -> int64_t {
      size_t offset = batch.size() - shape.size();
      return i < offset ? 1 : shape[i - offset];
    };
    int64_t x = dimOf(aBatch), y = dimOf(bBatch);
    if (x != y && x != 1 && y != 1)
      return badOp("matmul batch dimensions do not broadcast");
    batch[i] = x == 1 ? y : x;
  }
  int64_t count = 1;
  for (int64_t size : batch)
    count = ShapedType::isDynamic(size) || ShapedType::isDynamic(count)
                ? ShapedType::kDynamic
                : count * size;
  auto batched = [&](Value value, int64_t rows, int64_t columns) {
    Shape full = batch;
    full.push_back(rows);
    full.push_back(columns);
    return flattenLeading(broadcastTo(value, full), 2);
  };
  Value product = matmul(batched(a, m, k), batched(b, k, n), {count, m, n});
  return std::vector<Value>{reshape(product, resultType.shape)};
}

BlockBuilder::Results BlockBuilder::buildConvolution() {
  const std::string &name = op->name;
  if (!isFloating(resultType.dtype))
    return badOp(name + " needs float tensors");
  if (name == "conv2d") {
    if (auto error = expectOperands(2, 3))
      return std::move(error);
  } else if (auto error = expectOperands(2, 2)) {
    return std::move(error);
  }
  auto stride = pairAttr("stride", {1, 1});
  auto padding = pairAttr("padding", {0, 0});
  auto dilation = pairAttr("dilation", {1, 1});
  if (!stride)
    return stride.takeError();
  if (!padding)
    return padding.takeError();
  if (!dilation)
    return dilation.takeError();
  int64_t groups = optionalInt("groups").value_or(1);
  RankedTensorType type = tensorType(resultType);
  Value first = castTo(valueOf(op->operands[0]), type.getElementType());
  Value second = castTo(valueOf(op->operands[1]), type.getElementType());
  if (typeOf(first).getRank() != 4 || typeOf(second).getRank() != 4 ||
      type.getRank() != 4)
    return unsupported(name + " of tensors that are not 4-D (NCHW)");
  if (name == "conv2d_grad_input")
    return std::vector<Value>{
        tdl::Conv2DGradInputOp::create(builder, loc, type, first, second,
                                       *stride, *padding, *dilation, groups)};
  if (name == "conv2d_grad_weight")
    return std::vector<Value>{
        tdl::Conv2DGradWeightOp::create(builder, loc, type, first, second,
                                        *stride, *padding, *dilation, groups)};
  Value y = tdl::Conv2DOp::create(builder, loc, type, first, second, *stride,
                                  *padding, *dilation, groups);
  if (op->operands.size() == 3) {
    Value bias = castTo(valueOf(op->operands[2]), type.getElementType());
    if (typeOf(bias).getRank() != 1 || shapeOf(bias)[0] != type.getShape()[1])
      return badOp("conv2d bias has one value per output channel");
    bias = broadcastTo(reshape(bias, {1, shapeOf(bias)[0], 1, 1}),
                       type.getShape());
    y = tdl::AddOp::create(builder, loc, type, y, bias);
  }
  return std::vector<Value>{y};
}

llvm::Expected<BlockBuilder::PoolWindow> BlockBuilder::poolWindow() {
  auto kernel = pairAttr("kernel", {});
  if (!kernel)
    return kernel.takeError();
  if (kernel->size() != 2)
    return badOp("needs a kernel size");
  auto stride = pairAttr("stride", *kernel);
  auto padding = pairAttr("padding", {0, 0});
  auto dilation = pairAttr("dilation", {1, 1});
  if (!stride)
    return stride.takeError();
  if (!padding)
    return padding.takeError();
  if (!dilation)
    return dilation.takeError();
  return PoolWindow{*kernel, *stride, *padding, *dilation};
}

BlockBuilder::Results BlockBuilder::buildPooling() {
  const std::string &name = op->name;
  if (name == "max_pool2d_grad")
    return buildMaxPoolGrad();
  if (auto error = expectOperands(1, 1))
    return std::move(error);
  if (!isFloating(resultType.dtype))
    return badOp(name + " needs a float tensor");
  auto window = poolWindow();
  if (!window)
    return window.takeError();
  auto &[kernel, stride, padding, dilation] = *window;
  bool countIncludePad = boolAttr("count_include_pad", true);
  RankedTensorType type = tensorType(resultType);
  Value x = valueOf(op->operands[0]);
  bool grad = name == "avg_pool2d_grad";
  ArrayRef<int64_t> inputShape = grad ? type.getShape() : shapeOf(x);
  ArrayRef<int64_t> outputShape = grad ? shapeOf(x) : type.getShape();
  if (inputShape.size() != 4 || outputShape.size() != 4)
    return unsupported(name + " of tensors that are not 4-D (NCHW)");
  // The dialect pools with ceil_mode=False; with ceil_mode the windows are
  // the same when the output size is.
  for (int d = 0; d < 2; ++d) {
    int64_t size =
        inputShape[2 + d] + 2 * padding[d] - dilation[d] * (kernel[d] - 1) - 1;
    if (stride[d] <= 0 || size < 0 ||
        size / stride[d] + 1 != outputShape[2 + d])
      return unsupported("ceil_mode windows past the input (the dialect "
                         "pools with ceil_mode=False)");
  }
  if (name == "max_pool2d") {
    // Eager max_pool2d also returns the argmax indices; they have no
    // compiled form, so a block may use them only through max_pool2d_grad
    // (built from the pooling's input, see buildMaxPoolGrad).
    if (op->results.size() > 1 && used.count({int32_t(opIndex), 1}))
      return unsupported("max_pool2d indices are used");
    std::vector<Value> values = {tdl::MaxPool2DOp::create(
        builder, loc, type, x, kernel, stride, padding, dilation)};
    values.resize(op->results.size());
    return values;
  }
  if (dilation[0] != 1 || dilation[1] != 1)
    return badOp("avg pooling has no dilation");
  if (grad)
    return std::vector<Value>{tdl::AvgPool2DGradOp::create(
        builder, loc, type, x, kernel, stride, padding, countIncludePad)};
  return std::vector<Value>{tdl::AvgPool2DOp::create(
      builder, loc, type, x, kernel, stride, padding, countIncludePad)};
}

/// The index of the max_pool2d whose indices `indices` are, or -1.
int64_t poolOfIndices(const BlockSpec &spec, const ValueId &indices) {
  if (indices.isInput() || indices.index != 1 ||
      spec.ops[indices.op].name != "max_pool2d")
    return -1;
  return indices.op;
}

BlockBuilder::Results BlockBuilder::buildMaxPoolGrad() {
  // Eager max_pool2d_grad routes the gradient through the indices its
  // max_pool2d returned; terra.max_pool2d_grad finds the same positions
  // (the first maximum of each window) from that pooling's input.
  if (auto error = expectOperands(2, 2))
    return std::move(error);
  int64_t pool = poolOfIndices(spec, op->operands[1]);
  if (pool < 0)
    return unsupported("max_pool2d_grad of indices made outside the block "
                       "(terra.max_pool2d_grad recomputes them from the "
                       "pooling's input)");
  // The window comes from the pooling op's attributes.
  const OpSpec *grad = op;
  op = &spec.ops[pool];
  auto window = poolWindow();
  Value input = valueOf(op->operands[0]);
  op = grad;
  if (!window)
    return window.takeError();
  RankedTensorType type = tensorType(resultType);
  if (typeOf(input) != type)
    return badOp("max_pool2d_grad's result has the pooling input's type");
  return std::vector<Value>{tdl::MaxPool2DGradOp::create(
      builder, loc, type, valueOf(op->operands[0]), input, window->kernel,
      window->stride, window->padding, window->dilation)};
}

//===----------------------------------------------------------------------===//
// Random numbers
//===----------------------------------------------------------------------===//

BlockBuilder::Results BlockBuilder::buildRandom() {
  const std::string &name = op->name;
  if (!isFloating(resultType.dtype))
    return badOp("random numbers need a float dtype");
  bool bernoulli = name == "random_bernoulli";
  if (auto error = expectOperands(bernoulli ? 3 : 2, bernoulli ? 3 : 2))
    return std::move(error);
  size_t first = bernoulli ? 1 : 0;
  for (size_t i = first; i < first + 2; ++i) {
    const TensorType &type = spec.typeOf(op->operands[i]);
    if (type.dtype != DType::Int64 || !type.shape.empty())
      return badOp("key and counter are 0-d int64 tensors");
  }
  Value key = valueOf(op->operands[first]);
  Value counter = valueOf(op->operands[first + 1]);
  RankedTensorType type = tensorType(resultType);
  if (bernoulli) {
    Value probabilities = valueOf(op->operands[0]);
    if (typeOf(probabilities) != type)
      return badOp("bernoulli draws have the probabilities' type");
    return std::vector<Value>{tdl::RandomBernoulliOp::create(
        builder, loc, type, key, counter, probabilities)};
  }
  const char *firstName = name == "random_uniform" ? "low" : "mean";
  const char *secondName = name == "random_uniform" ? "high" : "std";
  auto firstValue = floatAttr(firstName), secondValue = floatAttr(secondName);
  if (!firstValue)
    return firstValue.takeError();
  if (!secondValue)
    return secondValue.takeError();
  if (name == "random_uniform")
    return std::vector<Value>{tdl::RandomUniformOp::create(
        builder, loc, type, key, counter, APFloat(*firstValue),
        APFloat(*secondValue))};
  return std::vector<Value>{
      tdl::RandomNormalOp::create(builder, loc, type, key, counter,
                                  APFloat(*firstValue), APFloat(*secondValue))};
}

//===----------------------------------------------------------------------===//
// The block
//===----------------------------------------------------------------------===//

BlockBuilder::Results BlockBuilder::buildOp() {
  static const std::set<std::string> unary = {
      "neg",       "abs",  "exp",     "log",  "sqrt",
      "rsqrt",     "tanh", "sigmoid", "relu", "gelu",
      "gelu_tanh", "erf",  "sin",     "cos",  "logical_not"};
  static const std::set<std::string> binary = {
      "add", "sub", "mul", "div", "pow", "maximum", "minimum"};
  static const std::set<std::string> compare = {"eq", "ne", "lt",
                                                "le", "gt", "ge"};
  static const std::set<std::string> views = {
      "reshape", "permute",   "transpose", "expand",     "slice",
      "select",  "unsqueeze", "squeeze",   "contiguous", "clone"};
  static const std::map<std::string, Results (BlockBuilder::*)()> others = {
      {"where", &BlockBuilder::buildWhere},
      {"clamp", &BlockBuilder::buildClamp},
      {"relu_grad", &BlockBuilder::buildReluGrad},
      {"batch_norm", &BlockBuilder::buildBatchNorm},
      {"batch_norm_grad", &BlockBuilder::buildBatchNorm},
      {"layer_norm", &BlockBuilder::buildLayerNorm},
      {"layer_norm_grad", &BlockBuilder::buildLayerNorm},
      {"sum", &BlockBuilder::buildReduction},
      {"mean", &BlockBuilder::buildReduction},
      {"amax", &BlockBuilder::buildReduction},
      {"amin", &BlockBuilder::buildReduction},
      {"argmax", &BlockBuilder::buildArgExtremum},
      {"argmin", &BlockBuilder::buildArgExtremum},
      {"var", &BlockBuilder::buildVar},
      {"softmax", &BlockBuilder::buildSoftmax},
      {"log_softmax", &BlockBuilder::buildSoftmax},
      {"cat", &BlockBuilder::buildConcat},
      {"stack", &BlockBuilder::buildConcat},
      {"pad", &BlockBuilder::buildPad},
      {"index_select", &BlockBuilder::buildIndexing},
      {"masked_select", &BlockBuilder::buildIndexing},
      {"index_add", &BlockBuilder::buildIndexing},
      {"matmul", &BlockBuilder::buildMatmul},
      {"conv2d", &BlockBuilder::buildConvolution},
      {"conv2d_grad_input", &BlockBuilder::buildConvolution},
      {"conv2d_grad_weight", &BlockBuilder::buildConvolution},
      {"max_pool2d", &BlockBuilder::buildPooling},
      {"avg_pool2d", &BlockBuilder::buildPooling},
      {"max_pool2d_grad", &BlockBuilder::buildPooling},
      {"avg_pool2d_grad", &BlockBuilder::buildPooling},
      {"random_uniform", &BlockBuilder::buildRandom},
      {"random_normal", &BlockBuilder::buildRandom},
      {"random_bernoulli", &BlockBuilder::buildRandom},
      {"sum_to_shape", &BlockBuilder::buildSumToShape}};
  const std::string &name = op->name;
  if (op->attribute("through_view"))
    return unsupported("an in-place " + name +
                       " writes through a view of memory other tensors read");
  if (unary.count(name))
    return buildUnary();
  if (binary.count(name))
    return buildBinary();
  if (compare.count(name))
    return buildCompare();
  if (name == "to") {
    if (auto error = expectOperands(1, 1))
      return std::move(error);
    return std::vector<Value>{
        castTo(valueOf(op->operands[0]), element(resultType.dtype))};
  }
  if (name == "copy") { // The value an in-place copy writes.
    if (auto error = expectOperands(2, 2))
      return std::move(error);
    Value value = castTo(valueOf(op->operands[1]), element(resultType.dtype));
    return std::vector<Value>{broadcastTo(value, resultType.shape)};
  }
  if (views.count(name))
    return buildView();
  auto found = others.find(name);
  if (found != others.end())
    return (this->*found->second)();
  return unsupported("not a known op");
}

llvm::Expected<OwningOpRef<ModuleOp>> BlockBuilder::build() {
  if (auto error = validateBlockSpec(spec))
    return std::move(error);
  for (const OpSpec &each : spec.ops)
    for (size_t k = 0; k < each.operands.size(); ++k) {
      // max_pool2d_grad reads its pooling's input instead of the indices.
      if (each.name == "max_pool2d_grad" && k == 1 &&
          poolOfIndices(spec, each.operands[k]) >= 0)
        continue;
      used.insert({each.operands[k].op, each.operands[k].index});
    }
  for (const ValueId &output : spec.outputs)
    used.insert({output.op, output.index});

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  builder.setInsertionPointToEnd(module->getBody());
  // Destination-passing style: inputs, then one buffer per output. Inputs
  // are contiguous (CompiledBlock::run copies strided views), so identity
  // layouts let every kernel see static strides.
  SmallVector<Type> argumentTypes;
  auto memrefType = [&](const TensorType &type) {
    return MemRefType::get(mlirShape(type.shape), element(type.dtype));
  };
  auto noteSymbols = [&](const TensorType &type, ValueId value) {
    for (size_t d = 0; d < type.shape.size(); ++d)
      if (isSymbolicSize(type.shape[d]))
        symbolSources.insert({type.shape[d], {value, int64_t(d)}});
  };
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    noteSymbols(spec.inputs[i], ValueId::input(int32_t(i)));
  for (size_t i = 0; i < spec.ops.size(); ++i)
    for (size_t r = 0; r < spec.ops[i].results.size(); ++r)
      noteSymbols(spec.ops[i].results[r],
                  ValueId::result(int32_t(i), int32_t(r)));
  for (const TensorType &input : spec.inputs)
    argumentTypes.push_back(memrefType(input));
  for (const ValueId &output : spec.outputs)
    argumentTypes.push_back(memrefType(spec.typeOf(output)));
  sizeArgumentSymbols = sizeArguments(spec);
  if (!sizeArgumentSymbols.empty())
    argumentTypes.push_back(MemRefType::get(
        {int64_t(sizeArgumentSymbols.size())}, builder.getI64Type()));
  auto function =
      func::FuncOp::create(builder, loc, kBlockFunctionName,
                           builder.getFunctionType(argumentTypes, {}));
  Block *body = function.addEntryBlock();
  builder.setInsertionPointToStart(body);
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    inputs.push_back(bufferization::ToTensorOp::create(
        builder, loc, tensorType(spec.inputs[i]), body->getArgument(i),
        /*restrict=*/true));
  if (!sizeArgumentSymbols.empty())
    sizeArgument = bufferization::ToTensorOp::create(
        builder, loc,
        RankedTensorType::get({int64_t(sizeArgumentSymbols.size())},
                              builder.getI64Type()),
        body->getArguments().back(), /*restrict=*/true);

  for (opIndex = 0; opIndex < spec.ops.size(); ++opIndex) {
    op = &spec.ops[opIndex];
    resultType = op->results[0];
    // The op's place in the block names its terra ops in diagnostics and
    // dumps.
    loc = NameLoc::get(builder.getStringAttr(describeOp(spec, opIndex)));
    Results values = buildOp();
    if (!values)
      return values.takeError();
    if (missingSize)
      return unsupported("a dynamic size no earlier value of the block has");
    if (unsupportedReshape)
      return unsupported("a reshape to two dynamic sizes");
    if (values->size() != op->results.size())
      return badOp("expected " + std::to_string(op->results.size()) +
                   " results");
    for (size_t r = 0; r < values->size(); ++r) {
      Value &value = (*values)[r];
      if (!value)
        continue; // An unused result without compiled form.
      // A static op fed by a symbolic one (its node kept one shape while
      // its producer's became dynamic): validation checked the sizes.
      RankedTensorType recorded = tensorType(op->results[r]);
      if (value.getType() != recorded &&
          tensor::CastOp::areCastCompatible(value.getType(), recorded))
        value = tensor::CastOp::create(builder, loc, recorded, value);
      if (value.getType() != recorded)
        return badOp("the recorded result type does not match its operands");
    }
    results.push_back(std::move(*values));
  }

  loc = UnknownLoc::get(context);
  for (size_t o = 0; o < spec.outputs.size(); ++o) {
    Value destination = body->getArgument(spec.inputs.size() + o);
    Value result = valueOf(spec.outputs[o]);
    // Computed in place in the caller's buffer: eliminate-empty-tensors
    // makes the op that produces `result` write there (no copy, no
    // allocation) where it can.
    bufferization::MaterializeInDestinationOp::create(
        builder, loc, Type(), result, destination, /*restrict=*/true,
        /*writable=*/true);
  }
  func::ReturnOp::create(builder, loc);

  // Verifier messages become the error (never a crash or stderr noise).
  std::string diagnostics;
  {
    ScopedDiagnosticHandler handler(context, [&](Diagnostic &diagnostic) {
      llvm::raw_string_ostream os(diagnostics);
      os << diagnostic.getLocation() << ": " << diagnostic << "\n";
      return success();
    });
    if (failed(verify(*module)))
      return malformed("the built terra function does not verify: " +
                       diagnostics);
  }
  return std::move(module);
}

} // namespace

llvm::Expected<OwningOpRef<ModuleOp>> buildBlockModule(MLIRContext &context,
                                                       const BlockSpec &spec) {
  context.loadDialect<
      tdl::TerraDialect, func::FuncDialect, bufferization::BufferizationDialect,
      memref::MemRefDialect, tensor::TensorDialect, arith::ArithDialect>();
  return BlockBuilder(context, spec).build();
}

} // namespace compiler
} // namespace terra
