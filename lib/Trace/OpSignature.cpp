//===- OpSignature.cpp - Hash and equality of node signatures -------------===//

#include "OpSignature.h"

#include "terra/Trace/Symbols.h"

#include <cstring>
#include <functional>

namespace terra {
namespace trace {
namespace {

constexpr uint64_t kOpTag = 0x6f70, kSyncTag = 0x73796e63;

uint64_t hashDouble(uint64_t seed, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return hashMix(seed, bits);
}

uint64_t hashAttribute(uint64_t seed, const NamedAttribute &attribute) {
  uint64_t h = hashMix(seed, std::hash<std::string>()(attribute.name));
  h = hashMix(h, attribute.value.index());
  struct Visitor {
    uint64_t h;
    uint64_t operator()(int64_t v) const { return hashMix(h, uint64_t(v)); }
    uint64_t operator()(double v) const { return hashDouble(h, v); }
    uint64_t operator()(bool v) const { return hashMix(h, v); }
    uint64_t operator()(const std::vector<int64_t> &v) const {
      uint64_t r = hashMix(h, v.size());
      for (int64_t x : v)
        r = hashMix(r, uint64_t(x));
      return r;
    }
    uint64_t operator()(const std::vector<double> &v) const {
      uint64_t r = hashMix(h, v.size());
      for (double x : v)
        r = hashDouble(r, x);
      return r;
    }
  };
  return std::visit(Visitor{h}, attribute.value);
}

bool sameAttributes(const std::vector<NamedAttribute> &a,
                    const std::vector<NamedAttribute> &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].value != b[i].value)
      return false;
  return true;
}

} // namespace

uint64_t hashType(uint64_t seed, const TensorType &type) {
  uint64_t h = hashMix(seed, static_cast<uint64_t>(type.dtype));
  h = hashMix(h, type.shape.size());
  for (int64_t d : type.shape)
    h = hashMix(h, uint64_t(d));
  return h;
}

uint64_t hashOpSignature(const OpRecord &op) {
  uint64_t h = hashMix(hashSite(op.site), kOpTag);
  h = hashMix(h, std::hash<std::string>()(op.name));
  for (const NamedAttribute &attribute : op.attributes)
    h = hashAttribute(h, attribute);
  for (const Operand &operand : op.operands)
    h = hashType(hashMix(h, uint64_t(operand.producer.kind)), operand.type);
  for (const TensorType &result : op.results)
    h = hashType(h, result);
  for (const VariableWrite &write : op.writes)
    h = hashMix(hashMix(h, write.variable), write.result);
  return h;
}

uint64_t hashSyncSignature(const SyncEvent &sync) {
  uint64_t h = hashMix(hashSite(sync.site), kSyncTag);
  h = hashMix(h, uint64_t(sync.kind));
  h = hashMix(h, uint64_t(sync.value.kind));
  return hashType(h, sync.type);
}

bool sameOpSignature(const Node &node, const OpRecord &op) {
  if (!node.isOp() || node.site != op.site || node.name != op.name ||
      !sameAttributes(node.attributes, op.attributes) ||
      node.operands.size() != op.operands.size() ||
      node.results.size() != op.results.size() || node.writes != op.writes)
    return false;
  for (size_t i = 0; i < op.operands.size(); ++i)
    if (node.operands[i].kind != op.operands[i].producer.kind ||
        !(node.operands[i].type == op.operands[i].type))
      return false;
  for (size_t i = 0; i < op.results.size(); ++i)
    if (!(node.results[i].type == op.results[i]))
      return false;
  return true;
}

uint64_t hashSiteAndName(const Site &site, const std::string &name) {
  return hashMix(hashMix(hashSite(site), kOpTag),
                 std::hash<std::string>()(name));
}

bool fitsOpSignature(const Node &node, const OpRecord &op) {
  if (!node.isOp() || node.site != op.site || node.name != op.name ||
      node.attributes.size() != op.attributes.size() ||
      node.operands.size() != op.operands.size() ||
      node.results.size() != op.results.size() || node.writes != op.writes)
    return false;
  SymbolBindings bindings;
  for (size_t i = 0; i < op.attributes.size(); ++i)
    if (node.attributes[i].name != op.attributes[i].name ||
        !matchAttribute(node.attributes[i].value, op.attributes[i].value,
                        bindings))
      return false;
  auto fits = [&](const TensorType &pattern, const TensorType &type) {
    return pattern.dtype == type.dtype &&
           pattern.shape.size() == type.shape.size() &&
           matchSizes(pattern.shape.data(), type.shape.data(),
                      type.shape.size(), bindings);
  };
  for (size_t i = 0; i < op.operands.size(); ++i)
    if (node.operands[i].kind != op.operands[i].producer.kind ||
        !fits(node.operands[i].type, op.operands[i].type))
      return false;
  for (size_t i = 0; i < op.results.size(); ++i)
    if (!fits(node.results[i].type, op.results[i]))
      return false;
  return true;
}

bool sameSyncSignature(const Node &node, const SyncEvent &sync) {
  return node.isSync() && node.site == sync.site &&
         node.syncKind == sync.kind &&
         node.operands[0].kind == sync.value.kind &&
         node.operands[0].type == sync.type;
}

} // namespace trace
} // namespace terra
