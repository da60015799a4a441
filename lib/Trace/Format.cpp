//===- Format.cpp - Text for types, attributes and producers --------------===//

#include "terra/Trace/Format.h"

#include <sstream>

namespace terra {
namespace trace {

std::string formatType(DType dtype, const int64_t *shape, size_t rank) {
  std::string text = dtypeName(dtype);
  text += '[';
  for (size_t i = 0; i < rank; ++i) {
    if (i)
      text += ", ";
    text +=
        isSymbolicSize(shape[i]) ? std::string("?") : std::to_string(shape[i]);
  }
  return text + ']';
}

std::string formatType(const TensorType &type) {
  return formatType(type.dtype, type.shape.data(), type.shape.size());
}

namespace {
struct AttributePrinter {
  std::ostream &os;
  void operator()(int64_t v) const {
    if (isSymbolicSize(v))
      os << '?';
    else
      os << v;
  }
  void operator()(double v) const { os << v; }
  void operator()(bool v) const { os << (v ? "true" : "false"); }
  template <typename T> void operator()(const std::vector<T> &v) const {
    os << '[';
    for (size_t i = 0; i < v.size(); ++i) {
      os << (i ? ", " : "");
      (*this)(v[i]);
    }
    os << ']';
  }
};
} // namespace

std::string formatAttributes(const NamedAttribute *attributes, size_t count) {
  if (count == 0)
    return "";
  std::ostringstream os;
  os << '{';
  for (size_t i = 0; i < count; ++i) {
    os << (i ? ", " : "") << attributes[i].name << " = ";
    std::visit(AttributePrinter{os}, attributes[i].value);
  }
  os << '}';
  return os.str();
}

std::string formatAttributes(const std::vector<NamedAttribute> &attributes) {
  return formatAttributes(attributes.data(), attributes.size());
}

const char *producerKindName(ProducerKind kind) {
  switch (kind) {
  case ProducerKind::Record:
    return "result";
  case ProducerKind::Feed:
    return "feed";
  case ProducerKind::Variable:
    return "variable";
  case ProducerKind::Constant:
    return "constant";
  }
  return "?";
}

const char *syncKindName(SyncKind kind) {
  switch (kind) {
  case SyncKind::Item:
    return "item";
  case SyncKind::ToList:
    return "tolist";
  case SyncKind::Numpy:
    return "numpy";
  case SyncKind::Bool:
    return "__bool__";
  case SyncKind::Float:
    return "__float__";
  case SyncKind::Index:
    return "__index__";
  case SyncKind::Print:
    return "print";
  case SyncKind::Array:
    return "__array__";
  case SyncKind::DLPack:
    return "__dlpack__";
  case SyncKind::VariableRead:
    return "variable read";
  }
  return "?";
}

} // namespace trace
} // namespace terra
