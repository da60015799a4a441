//===- terra-fuzz.cpp - Compiled blocks against the eager kernels ---------===//
//
// Differential fuzzing: random well-typed blocks (ProgramGenerator) are
// compiled with terra-lower-to-cpu and run, and every output is compared
// with what the eager kernels computed for the same ops. A mismatch (or a
// compile error other than an op the compiler does not support yet) is
// minimised - ops whose results can become block inputs are cut while the
// mismatch stays - and saved as a reproducer: the block's MLIR at each
// stage (re-run with terra-opt) and a text file with the seed, the ops and
// the differing elements.
//
//===----------------------------------------------------------------------===//

#include "ProgramGenerator.h"

#include "terra/Compiler/BlockCompiler.h"
#include "terra/Trace/TraceGraph.h"

#include "llvm/Support/FileSystem.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

using namespace terra;
using compiler::BlockSpec;
using compiler::CompiledBlock;
using compiler::ValueId;
using fuzz::Program;

namespace {

const char *const usage =
    "usage: terra-fuzz [--seconds N | --programs N] [--seed S] [--ops N]\n"
    "                  [--out DIR] [--verbose]\n"
    "\n"
    "Generates random blocks over every op family, compiles each with\n"
    "terra-lower-to-cpu and compares its outputs with the eager kernels'.\n"
    "Program i uses seed S+i, so `terra-fuzz --seed S+i --programs 1`\n"
    "regenerates it. A mismatch is minimised and saved in DIR (default\n"
    "fuzz-findings): repro-<seed>.txt (ops, inputs, differing elements)\n"
    "and repro-<seed>.{0-terra,1-fused,2-llvm}.mlir (terra-opt re-runs\n"
    "them). Exits 1 when any program mismatched or failed to compile.\n"
    "  --seconds N   run for N seconds (default: --programs 100)\n"
    "  --programs N  run N programs\n"
    "  --seed S      the first program's seed (default 1)\n"
    "  --ops N       ops per program (default 12)\n"
    "  --dynamic     dynamic shapes: each program is generated three times,\n"
    "                its random sizes 5 and 7 made 6/7, 9/10 and 13/14; the\n"
    "                ops the compiler takes with dynamic sizes are kept\n"
    "                (others' results become inputs), the sizes that differ\n"
    "                between the first two are made symbolic, and the block\n"
    "                compiled once runs at the third against the eager\n"
    "                kernels.\n";

struct Options {
  double seconds = 0;
  uint64_t programs = 100;
  uint64_t seed = 1;
  size_t ops = 12;
  std::string out = "fuzz-findings";
  bool verbose = false;
  bool dynamic = false;
};

/// How a compiled output differs from the eager one, or "" when it agrees:
/// floats within 1e-3 relative plus 1e-4 of the tensor's largest magnitude
/// (compiled code sums in another order and fuses), NaN where NaN, the
/// same infinities; integers and bools exactly.
std::string difference(const Tensor &compiled, const Tensor &eager) {
  if (compiled.dtype() != eager.dtype() || compiled.shape() != eager.shape())
    return std::string("type ") + dtypeName(compiled.dtype()) +
           formatShape(compiled.shape()) + ", eager " +
           dtypeName(eager.dtype()) + formatShape(eager.shape());
  bool floating = isFloating(eager.dtype());
  double scale = 0;
  for (int64_t i = 0; floating && i < eager.numel(); ++i) {
    double e = eager.elementAsDouble(i);
    if (std::isfinite(e))
      scale = std::max(scale, std::fabs(e));
  }
  std::ostringstream os;
  int shown = 0;
  int64_t differing = 0;
  for (int64_t i = 0; i < eager.numel(); ++i) {
    double c = compiled.elementAsDouble(i), e = eager.elementAsDouble(i);
    bool same;
    if (!floating)
      same = c == e;
    else if (std::isnan(e) || std::isnan(c))
      same = std::isnan(e) && std::isnan(c);
    else if (std::isinf(e) || std::isinf(c))
      same = c == e;
    else
      same = std::fabs(c - e) <= 1e-3 * std::fabs(e) + 1e-4 * (1 + scale);
    if (same)
      continue;
    ++differing;
    if (shown++ < 4)
      os << (shown > 1 ? ", " : "") << "[" << i << "] " << c << " (eager " << e
         << ")";
  }
  if (!differing)
    return "";
  return std::to_string(differing) + " of " + std::to_string(eager.numel()) +
         " elements differ: " + os.str();
}

std::string attributeText(const compiler::Attribute &value) {
  std::ostringstream os;
  std::visit(
      [&](const auto &v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                      std::is_same_v<T, std::vector<double>>) {
          os << "[";
          for (size_t i = 0; i < v.size(); ++i)
            os << (i ? ", " : "") << v[i];
          os << "]";
        } else {
          os << v;
        }
      },
      value);
  return os.str();
}

std::string valueName(const ValueId &id) {
  return id.isInput()
             ? "%in" + std::to_string(id.index)
             : "%" + std::to_string(id.op) + "#" + std::to_string(id.index);
}

/// The block as text: inputs with their values' types, one op per line.
std::string describe(const BlockSpec &spec) {
  std::ostringstream os;
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    os << "%in" << i << ": " << dtypeName(spec.inputs[i].dtype)
       << formatShape(spec.inputs[i].shape) << "\n";
  for (size_t op = 0; op < spec.ops.size(); ++op) {
    const compiler::OpSpec &o = spec.ops[op];
    os << "%" << op << " = " << o.name << "(";
    for (size_t i = 0; i < o.operands.size(); ++i)
      os << (i ? ", " : "") << valueName(o.operands[i]);
    os << ")";
    if (!o.attributes.empty()) {
      os << " {";
      for (size_t i = 0; i < o.attributes.size(); ++i)
        os << (i ? ", " : "") << o.attributes[i].name << " = "
           << attributeText(o.attributes[i].value);
      os << "}";
    }
    os << " ->";
    for (const compiler::TensorType &type : o.results)
      os << " " << dtypeName(type.dtype) << formatShape(type.shape);
    os << "\n";
  }
  os << "outputs:";
  for (const ValueId &output : spec.outputs)
    os << " " << valueName(output);
  os << "\n";
  return os.str();
}

/// What compiling and running a program gave.
struct Outcome {
  enum Kind { Agrees, Unsupported, CompileError, RunError, Mismatch } kind;
  std::string detail;
  size_t output = 0; // the first differing output
};

Outcome check(const Program &program,
              const compiler::CompileOptions &options = {}) {
  auto block = CompiledBlock::compile(program.spec, options);
  if (!block) {
    Outcome outcome{Outcome::CompileError, ""};
    llvm::handleAllErrors(
        block.takeError(),
        [&](const compiler::UnsupportedOpError &error) {
          outcome.kind = Outcome::Unsupported;
          outcome.detail = error.opName + " (" + error.reason + ")";
        },
        [&](const llvm::ErrorInfoBase &error) {
          outcome.detail = error.message();
        });
    return outcome;
  }
  auto outputs = (*block)->run(program.inputs);
  if (!outputs)
    return {Outcome::RunError, llvm::toString(outputs.takeError())};
  for (size_t i = 0; i < program.spec.outputs.size(); ++i) {
    const ValueId &id = program.spec.outputs[i];
    std::string diff =
        difference((*outputs)[i], program.results[id.op][id.index]);
    if (!diff.empty())
      return {Outcome::Mismatch,
              "output " + std::to_string(i) + " (" + valueName(id) + ", " +
                  program.spec.ops[id.op].name + "): " + diff,
              i};
  }
  return {Outcome::Agrees, ""};
}

/// Whether compiled code gets each op right on its own: every op result
/// is made an output, and each op's compiled result is compared with the
/// eager kernel run on the compiled values of its operands. Returns the
/// first op that differs, or "" when the block's mismatch is only rounding
/// amplified downstream (a value near 0 divided by, say): not a finding.
std::string localMismatch(const Program &program) {
  Program everything = program;
  everything.spec.outputs.clear();
  for (size_t op = 0; op < program.spec.ops.size(); ++op)
    for (size_t r = 0; r < program.spec.ops[op].results.size(); ++r)
      everything.spec.outputs.push_back(
          ValueId::result(int32_t(op), int32_t(r)));
  auto block = CompiledBlock::compile(everything.spec);
  if (!block) {
    std::string error = llvm::toString(block.takeError());
    return "with every result an output: " + error;
  }
  auto outputs = (*block)->run(everything.inputs);
  if (!outputs)
    return "with every result an output: " +
           llvm::toString(outputs.takeError());
  std::vector<std::vector<Tensor>> compiled(program.spec.ops.size());
  size_t next = 0;
  for (size_t op = 0; op < program.spec.ops.size(); ++op)
    for (size_t r = 0; r < program.spec.ops[op].results.size(); ++r)
      compiled[op].push_back((*outputs)[next++]);
  for (size_t op = 0; op < program.spec.ops.size(); ++op) {
    const compiler::OpSpec &spec = program.spec.ops[op];
    std::vector<Tensor> operands;
    for (const ValueId &operand : spec.operands)
      operands.push_back(operand.isInput()
                             ? program.inputs[operand.index]
                             : compiled[operand.op][operand.index]);
    std::vector<Tensor> eager = fuzz::runEagerly(spec, operands);
    for (size_t r = 0; r < eager.size(); ++r) {
      std::string diff = difference(compiled[op][r], eager[r]);
      if (!diff.empty())
        return "op %" + std::to_string(op) + " (" + spec.name +
               ") on its own: " + diff;
    }
  }
  return "";
}

/// The part of `program` that computes `target`, with the results of the
/// ops in `cut` (and of ops only they need) given as block inputs holding
/// their eager values.
Program slice(const Program &program, ValueId target,
              const std::vector<bool> &cut) {
  const BlockSpec &spec = program.spec;
  std::vector<bool> needed(spec.ops.size(), false);
  needed[target.op] = true;
  for (size_t op = target.op + 1; op-- > 0;)
    if (needed[op] && !cut[op])
      for (const ValueId &operand : spec.ops[op].operands)
        if (!operand.isInput())
          needed[operand.op] = true;
  Program reduced;
  std::map<std::pair<int32_t, int32_t>, ValueId> remap;
  auto inputFor = [&](const ValueId &id) {
    auto key = std::make_pair(id.op, id.index);
    auto found = remap.find(key);
    if (found != remap.end())
      return found->second;
    const Tensor &value = id.isInput() ? program.inputs[id.index]
                                       : program.results[id.op][id.index];
    reduced.spec.inputs.push_back({value.dtype(), value.shape()});
    reduced.inputs.push_back(value.contiguous());
    ValueId input = ValueId::input(int32_t(reduced.inputs.size() - 1));
    remap[key] = input;
    return input;
  };
  for (size_t op = 0; op <= size_t(target.op); ++op) {
    if (!needed[op] || (cut[op] && op != size_t(target.op)))
      continue;
    compiler::OpSpec copy = spec.ops[op];
    // A kept op's results were copied before (ops go in order); inputs and
    // cut ops' results become inputs.
    for (ValueId &operand : copy.operands)
      operand = !operand.isInput() && !cut[operand.op]
                    ? remap.at({operand.op, operand.index})
                    : inputFor(operand);
    int32_t index = int32_t(reduced.spec.ops.size());
    for (size_t r = 0; r < copy.results.size(); ++r)
      remap[{int32_t(op), int32_t(r)}] = ValueId::result(index, int32_t(r));
    reduced.spec.ops.push_back(std::move(copy));
    reduced.results.push_back(program.results[op]);
  }
  reduced.spec.outputs.push_back(remap[{target.op, target.index}]);
  return reduced;
}

/// Cuts every op it can while the output `target` still differs.
Program minimise(const Program &program, ValueId target) {
  std::vector<bool> cut(program.spec.ops.size(), false);
  Program best = slice(program, target, cut);
  for (size_t op = target.op; op-- > 0;) {
    cut[op] = true;
    Program candidate = slice(program, target, cut);
    if (candidate.spec.ops.size() < best.spec.ops.size() &&
        check(candidate).kind == Outcome::Mismatch)
      best = std::move(candidate);
    else
      cut[op] = false;
  }
  return best;
}

void saveReproducer(const Options &options, uint64_t seed,
                    const Program &program, const Outcome &outcome) {
  llvm::sys::fs::create_directories(options.out);
  std::string name = "repro-" + std::to_string(seed);
  compiler::CompileOptions dump;
  dump.dumpDir = options.out;
  dump.name = name;
  Outcome again = check(program, dump);
  std::ofstream text(options.out + "/" + name + ".txt");
  text << "terra-fuzz finding, seed " << seed
       << " (regenerate: terra-fuzz --seed " << seed << " --programs 1 --ops "
       << options.ops << ")\n"
       << (outcome.kind == Outcome::Mismatch ? "mismatch: " : "error: ")
       << again.detail << "\n\n"
       << describe(program.spec) << "\ninputs:\n";
  for (size_t i = 0; i < program.inputs.size(); ++i) {
    text << "%in" << i << " =";
    for (int64_t e = 0; e < program.inputs[i].numel() && e < 64; ++e)
      text << " " << program.inputs[i].elementAsDouble(e);
    text << (program.inputs[i].numel() > 64 ? " ...\n" : "\n");
  }
}

//===----------------------------------------------------------------------===//
// --dynamic: one block compiled with symbolic sizes, run at another size
//===----------------------------------------------------------------------===//

/// Whether two sizes lists agree, or differ only in sizes of 2 or more
/// (made symbolic, one symbol per pair of sizes, in `symbols`).
bool symbolizeSizes(int64_t *a, const int64_t *b, size_t rank,
                    std::map<std::pair<int64_t, int64_t>, uint32_t> &symbols) {
  for (size_t d = 0; d < rank; ++d) {
    if (a[d] == b[d])
      continue;
    if (a[d] < 2 || b[d] < 2)
      return false;
    auto found =
        symbols.emplace(std::make_pair(a[d], b[d]), uint32_t(symbols.size()));
    a[d] = symbolicSize(found.first->second);
  }
  return true;
}

/// `a` with the sizes that differ in `b` (the same block at another size)
/// made symbolic, as the TraceGraph generalises a node; false when the two
/// are not the same block.
bool symbolize(BlockSpec &a, const BlockSpec &b) {
  std::map<std::pair<int64_t, int64_t>, uint32_t> symbols;
  auto types = [&](compiler::TensorType &x, const compiler::TensorType &y) {
    return x.dtype == y.dtype && x.shape.size() == y.shape.size() &&
           symbolizeSizes(x.shape.data(), y.shape.data(), x.shape.size(),
                          symbols);
  };
  if (a.inputs.size() != b.inputs.size() || a.ops.size() != b.ops.size() ||
      !(a.outputs == b.outputs))
    return false;
  for (size_t i = 0; i < a.inputs.size(); ++i)
    if (!types(a.inputs[i], b.inputs[i]))
      return false;
  for (size_t o = 0; o < a.ops.size(); ++o) {
    compiler::OpSpec &x = a.ops[o];
    const compiler::OpSpec &y = b.ops[o];
    if (x.name != y.name || !(x.operands == y.operands) ||
        x.attributes.size() != y.attributes.size() ||
        x.results.size() != y.results.size())
      return false;
    for (size_t r = 0; r < x.results.size(); ++r)
      if (!types(x.results[r], y.results[r]))
        return false;
    for (size_t k = 0; k < x.attributes.size(); ++k) {
      compiler::Attribute &value = x.attributes[k].value;
      const compiler::Attribute &other = y.attributes[k].value;
      auto *list = std::get_if<std::vector<int64_t>>(&value);
      auto *otherList = std::get_if<std::vector<int64_t>>(&other);
      if (x.attributes[k].name == "shape" && list && otherList) {
        if (list->size() != otherList->size() ||
            !symbolizeSizes(list->data(), otherList->data(), list->size(),
                            symbols))
          return false;
      } else if (!(value == other)) {
        return false;
      }
    }
  }
  return true;
}

/// The values `concrete` (the block at another size) gives the symbols of
/// `spec`; false when a symbol would take two values or one below 2, or a
/// static size differs.
bool symbolValues(const BlockSpec &spec, const BlockSpec &concrete,
                  std::vector<int64_t> &values) {
  // The validator lets a block run only where its static sizes hold.
  auto bind = [&](const Shape &symbolic, const Shape &sizes) {
    return terra::bindSymbols(symbolic, sizes, values);
  };
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    if (!bind(spec.inputs[i].shape, concrete.inputs[i].shape))
      return false;
  for (size_t o = 0; o < spec.ops.size(); ++o) {
    for (size_t r = 0; r < spec.ops[o].results.size(); ++r)
      if (!bind(spec.ops[o].results[r].shape, concrete.ops[o].results[r].shape))
        return false;
    for (size_t k = 0; k < spec.ops[o].attributes.size(); ++k)
      if (auto *list = std::get_if<std::vector<int64_t>>(
              &spec.ops[o].attributes[k].value))
        if (!bind(*list, std::get<std::vector<int64_t>>(
                             concrete.ops[o].attributes[k].value)))
          return false;
  }
  return true;
}

/// What one --dynamic seed gave.
enum class DynamicOutcome { Skipped, Unsupported, Agrees, Finding };

DynamicOutcome checkDynamic(const Options &options, uint64_t seed,
                            std::string &detail) {
  Program sizes[3];
  const int64_t varying[3] = {6, 9, 13};
  for (int i = 0; i < 3; ++i)
    sizes[i] = fuzz::ProgramGenerator(seed, varying[i]).generate(options.ops);
  const BlockSpec &first = sizes[0].spec;
  // Ops compiled only with static shapes become inputs; the last other op
  // is the target.
  std::vector<bool> cut(first.ops.size());
  int64_t target = -1;
  for (size_t op = 0; op < first.ops.size(); ++op) {
    cut[op] = !trace::takesDynamicSizes(first.ops[op].name);
    if (!cut[op])
      target = int64_t(op);
  }
  if (target < 0)
    return DynamicOutcome::Skipped;
  for (const Program &program : sizes)
    if (program.spec.ops.size() != first.ops.size())
      return DynamicOutcome::Skipped;
  Program parts[3];
  for (int i = 0; i < 3; ++i)
    parts[i] = slice(sizes[i], ValueId::result(int32_t(target)), cut);
  BlockSpec symbolic = parts[0].spec, check13 = parts[0].spec;
  std::vector<int64_t> values;
  if (!symbolize(symbolic, parts[1].spec) ||
      !compiler::hasSymbolicSizes(symbolic) ||
      !symbolize(check13, parts[2].spec) ||
      !symbolValues(symbolic, parts[2].spec, values))
    return DynamicOutcome::Skipped;
  compiler::CompileOptions compileOptions;
  if (options.verbose) {
    // Each stage's MLIR first: a crash leaves the block to re-run.
    llvm::sys::fs::create_directories(options.out);
    compileOptions.dumpDir = options.out;
    compileOptions.name = "dynamic-" + std::to_string(seed);
  }
  auto block = CompiledBlock::compile(symbolic, compileOptions);
  if (!block) {
    bool unsupported = false;
    llvm::handleAllErrors(
        block.takeError(),
        [&](const compiler::UnsupportedOpError &error) {
          unsupported = true;
          detail = error.opName + " (" + error.reason + ")";
        },
        [&](const llvm::ErrorInfoBase &error) { detail = error.message(); });
    return unsupported ? DynamicOutcome::Unsupported : DynamicOutcome::Finding;
  }
  const Program &run = parts[2];
  auto outputs = (*block)->run(run.inputs, values);
  if (!outputs) {
    detail = llvm::toString(outputs.takeError());
    return DynamicOutcome::Finding;
  }
  const ValueId &output = run.spec.outputs[0];
  detail = difference((*outputs)[0], run.results[output.op][output.index]);
  if (detail.empty())
    return DynamicOutcome::Agrees;
  // The same block compiled for size 13 alone: when it differs as much,
  // the difference is not the dynamic sizes' (rounding amplified, or a
  // static finding terra-fuzz reports without --dynamic).
  if (check(run).kind == Outcome::Mismatch)
    return DynamicOutcome::Agrees;
  detail = "output (" + run.spec.ops[output.op].name + "): " + detail + "\n" +
           describe(symbolic);
  return DynamicOutcome::Finding;
}

int runDynamic(const Options &options) {
  auto start = std::chrono::steady_clock::now();
  std::map<std::string, uint64_t> unsupported;
  uint64_t counts[4] = {0, 0, 0, 0};
  for (uint64_t i = 0;; ++i) {
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (options.seconds > 0 ? elapsed >= options.seconds
                            : i >= options.programs)
      break;
    uint64_t seed = options.seed + i;
    if (options.verbose)
      std::fprintf(stderr, "terra-fuzz: seed %llu\n", (unsigned long long)seed);
    std::string detail;
    DynamicOutcome outcome = checkDynamic(options, seed, detail);
    ++counts[int(outcome)];
    if (outcome == DynamicOutcome::Unsupported)
      ++unsupported[detail];
    if (outcome == DynamicOutcome::Finding) {
      std::printf("terra-fuzz --dynamic: seed %llu: %s\n",
                  (unsigned long long)seed, detail.c_str());
      std::fflush(stdout);
    }
  }
  std::printf(
      "terra-fuzz --dynamic: %llu seeds (from %llu): %llu blocks "
      "with symbolic sizes compiled once and run at another size, "
      "%llu with an op not compiled with dynamic sizes, %llu "
      "skipped (no symbolic size, or the sizes changed the "
      "generator's choices), %llu findings\n",
      (unsigned long long)(counts[0] + counts[1] + counts[2] + counts[3]),
      (unsigned long long)options.seed,
      (unsigned long long)(counts[2] + counts[3]),
      (unsigned long long)counts[1], (unsigned long long)counts[0],
      (unsigned long long)counts[3]);
  for (const auto &[reason, count] : unsupported)
    std::printf("  %llu x %s\n", (unsigned long long)count, reason.c_str());
  return counts[3] ? 1 : 0;
}

int parse(int argc, char **argv, Options &options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> const char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "terra-fuzz: %s needs a value\n%s", arg.c_str(),
                     usage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--seconds") {
      options.seconds = std::atof(next());
    } else if (arg == "--programs") {
      options.programs = std::strtoull(next(), nullptr, 10);
    } else if (arg == "--seed") {
      options.seed = std::strtoull(next(), nullptr, 10);
    } else if (arg == "--ops") {
      options.ops = std::max(1UL, std::strtoul(next(), nullptr, 10));
    } else if (arg == "--out") {
      options.out = next();
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "--dynamic") {
      options.dynamic = true;
    } else if (arg == "-h" || arg == "--help") {
      std::printf("%s", usage);
      return 0;
    } else {
      std::fprintf(stderr, "terra-fuzz: unknown option %s\n%s", arg.c_str(),
                   usage);
      return 2;
    }
  }
  return -1;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  if (int status = parse(argc, argv, options); status >= 0)
    return status;
  if (options.dynamic)
    return runDynamic(options);

  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  std::map<std::string, uint64_t> opCounts, unsupported;
  uint64_t programs = 0, ops = 0, compiled = 0, findings = 0, amplified = 0;
  double lastReport = 0;
  for (uint64_t i = 0;; ++i) {
    if (options.seconds > 0 ? elapsed() >= options.seconds
                            : i >= options.programs)
      break;
    if (options.seconds > 0 && elapsed() - lastReport >= 30) {
      lastReport = elapsed();
      std::fprintf(stderr, "terra-fuzz: %llu programs, %llu findings, %.0f s\n",
                   (unsigned long long)programs, (unsigned long long)findings,
                   lastReport);
    }
    uint64_t seed = options.seed + i;
    // The seed goes out first: a crash names the program that caused it.
    if (options.verbose)
      std::fprintf(stderr, "terra-fuzz: seed %llu\n", (unsigned long long)seed);
    Program program = fuzz::ProgramGenerator(seed).generate(options.ops);
    if (program.spec.ops.empty())
      continue;
    ++programs;
    ops += program.spec.ops.size();
    for (const compiler::OpSpec &op : program.spec.ops)
      ++opCounts[op.name];
    Outcome outcome = check(program);
    if (outcome.kind == Outcome::Unsupported) {
      ++unsupported[outcome.detail];
      continue;
    }
    ++compiled;
    if (outcome.kind == Outcome::Agrees)
      continue;
    if (outcome.kind == Outcome::Mismatch && localMismatch(program).empty()) {
      ++amplified;
      if (options.verbose)
        std::printf("terra-fuzz: seed %llu: rounding amplified (every op "
                    "agrees on its own): %s\n",
                    (unsigned long long)seed, outcome.detail.c_str());
      continue;
    }
    ++findings;
    Program reproducer = program;
    if (outcome.kind == Outcome::Mismatch)
      reproducer = minimise(program, program.spec.outputs[outcome.output]);
    Outcome reduced = check(reproducer);
    if (reduced.kind == Outcome::Agrees)
      reduced = outcome; // Minimising lost it: keep the whole program.
    saveReproducer(options, seed,
                   reduced.kind == Outcome::Agrees ? program : reproducer,
                   reduced);
    std::printf("terra-fuzz: seed %llu: %s (%zu ops%s): %s\n",
                (unsigned long long)seed,
                outcome.kind == Outcome::Mismatch ? "mismatch" : "error",
                reproducer.spec.ops.size(),
                outcome.kind == Outcome::Mismatch ? " after minimising" : "",
                reduced.detail.c_str());
    std::fflush(stdout);
  }

  std::printf("terra-fuzz: %llu programs (%llu ops, seeds %llu..), %llu "
              "compiled and compared, %llu with an unsupported op, %llu "
              "findings, %llu differences that are rounding amplified "
              "downstream (every op agrees on its own), %.1f s\n",
              (unsigned long long)programs, (unsigned long long)ops,
              (unsigned long long)options.seed, (unsigned long long)compiled,
              (unsigned long long)(programs - compiled),
              (unsigned long long)findings, (unsigned long long)amplified,
              elapsed());
  std::printf("op coverage:");
  for (const auto &[name, count] : opCounts)
    std::printf(" %s %llu", name.c_str(), (unsigned long long)count);
  std::printf("\n");
  if (!unsupported.empty()) {
    std::printf("unsupported (the block stays eager):\n");
    for (const auto &[reason, count] : unsupported)
      std::printf("  %llu x %s\n", (unsigned long long)count, reason.c_str());
  }
  return findings ? 1 : 0;
}
