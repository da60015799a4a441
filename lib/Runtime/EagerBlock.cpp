//===- EagerBlock.cpp - Running a block's ops with the eager kernels ------===//

#include "terra/Runtime/EagerBlock.h"

#include "terra/Runtime/Ops.h"

#include <map>

namespace terra {
namespace {

using compiler::Attribute;
using compiler::OpSpec;

/// One op's recorded attributes, read with the names Recording gives them.
class Attributes {
public:
  explicit Attributes(const OpSpec &op) : op_(op) {}

  const Attribute &get(const char *name) const {
    const Attribute *value = op_.attribute(name);
    if (!value)
      throwError(Error::Kind::Value, "replaying " + op_.name +
                                         ": missing attribute '" + name + "'");
    return *value;
  }
  template <typename T> T as(const char *name) const {
    const T *value = std::get_if<T>(&get(name));
    if (!value)
      throwError(Error::Kind::Value, "replaying " + op_.name + ": attribute '" +
                                         name + "' has another type");
    return *value;
  }
  int64_t integer(const char *name) const { return as<int64_t>(name); }
  double number(const char *name) const { return as<double>(name); }
  bool boolean(const char *name) const { return as<bool>(name); }
  std::vector<int64_t> integers(const char *name) const {
    return as<std::vector<int64_t>>(name);
  }
  std::optional<int64_t> optionalInteger(const char *name) const {
    return op_.attribute(name) ? std::optional<int64_t>(integer(name))
                               : std::nullopt;
  }
  std::optional<double> optionalNumber(const char *name) const {
    return op_.attribute(name) ? std::optional<double>(number(name))
                               : std::nullopt;
  }

  ops::Conv2dParams conv() const {
    return ops::conv2dParams(integers("stride"), integers("padding"),
                             integers("dilation"), integer("groups"));
  }
  ops::Pool2dParams pool() const {
    return ops::pool2dParams(integers("kernel"), integers("stride"),
                             integers("padding"), integers("dilation"),
                             boolean("ceil_mode"),
                             boolean("count_include_pad"));
  }

private:
  const OpSpec &op_;
};

uint64_t scalarOperand(const Tensor &tensor) {
  return static_cast<uint64_t>(*tensor.data<int64_t>());
}

/// The ops whose name alone picks the kernel.
template <typename Enum> const std::map<std::string, Enum> &names();
template <> const std::map<std::string, ops::UnaryOp> &names() {
  using U = ops::UnaryOp;
  static const std::map<std::string, U> map = {{"neg", U::Neg},
                                               {"abs", U::Abs},
                                               {"exp", U::Exp},
                                               {"log", U::Log},
                                               {"sqrt", U::Sqrt},
                                               {"rsqrt", U::Rsqrt},
                                               {"tanh", U::Tanh},
                                               {"sigmoid", U::Sigmoid},
                                               {"relu", U::Relu},
                                               {"gelu", U::Gelu},
                                               {"gelu_tanh", U::GeluTanh},
                                               {"erf", U::Erf},
                                               {"sin", U::Sin},
                                               {"cos", U::Cos},
                                               {"logical_not", U::LogicalNot}};
  return map;
}
template <> const std::map<std::string, ops::BinaryOp> &names() {
  using B = ops::BinaryOp;
  static const std::map<std::string, B> map = {
      {"add", B::Add},        {"sub", B::Sub}, {"mul", B::Mul},
      {"div", B::Div},        {"pow", B::Pow}, {"maximum", B::Maximum},
      {"minimum", B::Minimum}};
  return map;
}
template <> const std::map<std::string, ops::CompareOp> &names() {
  using C = ops::CompareOp;
  static const std::map<std::string, C> map = {{"eq", C::Eq}, {"ne", C::Ne},
                                               {"lt", C::Lt}, {"le", C::Le},
                                               {"gt", C::Gt}, {"ge", C::Ge}};
  return map;
}

template <typename Enum> const Enum *find(const std::string &name) {
  auto found = names<Enum>().find(name);
  return found == names<Enum>().end() ? nullptr : &found->second;
}

std::vector<Tensor> runOp(const OpSpec &op, const std::vector<Tensor> &in) {
  Attributes a(op);
  const std::string &name = op.name;
  auto one = [](Tensor tensor) { return std::vector<Tensor>{tensor}; };
  if (const ops::UnaryOp *unary = find<ops::UnaryOp>(name))
    return one(ops::unary(*unary, in.at(0)));
  if (const ops::BinaryOp *binary = find<ops::BinaryOp>(name))
    return one(ops::binary(*binary, in.at(0), in.at(1)));
  if (const ops::CompareOp *compare = find<ops::CompareOp>(name))
    return one(ops::compare(*compare, in.at(0), in.at(1)));
  if (name == "where")
    return one(ops::where(in.at(0), in.at(1), in.at(2)));
  if (name == "relu_grad")
    return one(ops::reluGrad(in.at(0), in.at(1)));
  if (name == "clamp")
    return one(
        ops::clamp(in.at(0), a.optionalNumber("min"), a.optionalNumber("max")));
  if (name == "to")
    return one(in.at(0).to(static_cast<DType>(a.integer("dtype"))));
  if (name == "copy") // The value an in-place copy writes.
    return one(in.at(1).expand(in.at(0).shape()).to(in.at(0).dtype()).clone());
  // Views.
  if (name == "reshape")
    return one(in.at(0).reshape(a.integers("shape")));
  if (name == "permute")
    return one(in.at(0).permute(a.integers("dims")));
  if (name == "transpose")
    return one(in.at(0).transpose(a.integer("dim0"), a.integer("dim1")));
  if (name == "expand")
    return one(in.at(0).expand(a.integers("shape")));
  if (name == "slice")
    return one(in.at(0).slice(a.integer("axis"), a.integer("start"),
                              a.integer("stop"), a.integer("step")));
  if (name == "select")
    return one(in.at(0).select(a.integer("axis"), a.integer("index")));
  if (name == "unsqueeze")
    return one(in.at(0).unsqueeze(a.integer("axis")));
  if (name == "squeeze")
    return one(in.at(0).squeeze(a.integer("axis")));
  if (name == "contiguous")
    return one(in.at(0).contiguous());
  if (name == "clone")
    return one(in.at(0).clone());
  if (name == "as_strided")
    return one(in.at(0).asStrided(a.integers("shape"), a.integers("strides"),
                                  a.integer("offset")));
  // Reductions.
  if (name == "sum")
    return one(ops::sum(in.at(0), a.integers("axes"), a.boolean("keepdim")));
  if (name == "mean")
    return one(ops::mean(in.at(0), a.integers("axes"), a.boolean("keepdim")));
  if (name == "amax")
    return one(ops::amax(in.at(0), a.integers("axes"), a.boolean("keepdim")));
  if (name == "amin")
    return one(ops::amin(in.at(0), a.integers("axes"), a.boolean("keepdim")));
  if (name == "argmax")
    return one(
        ops::argmax(in.at(0), a.optionalInteger("axis"), a.boolean("keepdim")));
  if (name == "argmin")
    return one(
        ops::argmin(in.at(0), a.optionalInteger("axis"), a.boolean("keepdim")));
  if (name == "var")
    return one(ops::var(in.at(0), a.integers("axes"), a.integer("correction"),
                        a.boolean("keepdim")));
  if (name == "softmax")
    return one(ops::softmax(in.at(0), a.integer("axis")));
  if (name == "log_softmax")
    return one(ops::logSoftmax(in.at(0), a.integer("axis")));
  // Shape ops that copy.
  if (name == "cat")
    return one(ops::cat(in, a.integer("axis")));
  if (name == "stack")
    return one(ops::stack(in, a.integer("axis")));
  if (name == "pad")
    return one(ops::pad(in.at(0), a.integers("low"), a.integers("high"),
                        a.number("value")));
  if (name == "index_select")
    return one(ops::indexSelect(in.at(0), a.integer("axis"), in.at(1)));
  if (name == "index_add")
    return one(ops::indexAdd(a.integers("shape"), a.integer("axis"), in.at(0),
                             in.at(1)));
  if (name == "masked_select")
    return one(ops::maskedSelect(in.at(0), in.at(1)));
  // Contractions.
  if (name == "matmul")
    return one(ops::matmul(in.at(0), in.at(1)));
  if (name == "conv2d")
    return one(ops::conv2d(in.at(0), in.at(1), in.size() > 2 ? in[2] : Tensor(),
                           a.conv()));
  if (name == "conv2d_grad_input")
    return one(ops::conv2dGradInput(in.at(0), in.at(1),
                                    a.integers("input_shape"), a.conv()));
  if (name == "conv2d_grad_weight")
    return one(ops::conv2dGradWeight(in.at(0), in.at(1),
                                     a.integers("weight_shape"), a.conv()));
  if (name == "max_pool2d") {
    auto [values, indices] = ops::maxPool2d(in.at(0), a.pool());
    return {values, indices};
  }
  if (name == "max_pool2d_grad")
    return one(
        ops::maxPool2dGrad(in.at(0), in.at(1), a.integers("input_shape")));
  if (name == "avg_pool2d")
    return one(ops::avgPool2d(in.at(0), a.pool()));
  if (name == "avg_pool2d_grad")
    return one(
        ops::avgPool2dGrad(in.at(0), a.integers("input_shape"), a.pool()));
  if (name == "batch_norm") {
    auto [output, mean, var] =
        ops::batchNorm(in.at(0), in.size() > 1 ? in[1] : Tensor(),
                       in.size() > 2 ? in[2] : Tensor(), a.number("eps"));
    return {output, mean, var};
  }
  if (name == "batch_norm_grad") {
    auto [dx, dweight, dbias] =
        ops::batchNormGrad(in.at(0), in.at(1), in.at(2), in.at(3),
                           in.size() > 4 ? in[4] : Tensor(), a.number("eps"));
    return {dx, dweight, dbias};
  }
  if (name == "layer_norm") {
    auto [output, mean, rstd] = ops::layerNorm(
        in.at(0), a.integer("dims"), in.size() > 1 ? in[1] : Tensor(),
        in.size() > 2 ? in[2] : Tensor(), a.number("eps"));
    return {output, mean, rstd};
  }
  if (name == "layer_norm_grad") {
    auto [dx, dweight, dbias] =
        ops::layerNormGrad(in.at(0), in.at(1), in.at(2), in.at(3),
                           in.size() > 4 ? in[4] : Tensor(), a.integer("dims"));
    return {dx, dweight, dbias};
  }
  // Random numbers: (key, counter) operands.
  if (name == "random_uniform" || name == "random_normal") {
    auto dtype = static_cast<DType>(a.integer("dtype"));
    uint64_t key = scalarOperand(in.at(0)), counter = scalarOperand(in.at(1));
    if (name == "random_uniform")
      return one(ops::randomUniform(a.integers("shape"), dtype, key, counter,
                                    a.number("low"), a.number("high")));
    return one(ops::randomNormal(a.integers("shape"), dtype, key, counter,
                                 a.number("mean"), a.number("std")));
  }
  if (name == "random_bernoulli")
    return one(ops::randomBernoulli(in.at(0), scalarOperand(in.at(1)),
                                    scalarOperand(in.at(2))));
  throwError(Error::Kind::NotImplemented,
             "terra: cannot replay op '" + name + "' eagerly");
}

} // namespace

std::vector<std::vector<Tensor>>
runOpsEagerly(const compiler::BlockSpec &spec,
              const std::vector<Tensor> &inputs, size_t count) {
  std::vector<std::vector<Tensor>> results;
  count = std::min(count, spec.ops.size());
  for (size_t i = 0; i < count; ++i) {
    const OpSpec &op = spec.ops[i];
    std::vector<Tensor> operands;
    for (const compiler::ValueId &value : op.operands)
      operands.push_back(value.isInput()
                             ? inputs.at(value.index)
                             : results.at(value.op).at(value.index));
    results.push_back(runOp(op, operands));
  }
  return results;
}

} // namespace terra
