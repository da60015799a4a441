//===- CompilerRegistry.h - Dialects and passes, registered once -*- C++
//-*-===//

#ifndef TERRA_LIB_COMPILER_COMPILERREGISTRY_H
#define TERRA_LIB_COMPILER_COMPILERREGISTRY_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace terra {
namespace compiler {

/// The host target, the pipelines' passes and the registry of their
/// dialects (registerPipelinePasses, registerPipelineDialects), set up on
/// first use, once per process. Every block compiles in a context of its
/// own made from this registry.
const mlir::DialectRegistry &compilerRegistry();

} // namespace compiler
} // namespace terra

#endif // TERRA_LIB_COMPILER_COMPILERREGISTRY_H
