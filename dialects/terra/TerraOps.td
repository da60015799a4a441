//===- TerraOps.td - All operations of the terra dialect ------------------===//

#ifndef TERRA_OPS_TD
#define TERRA_OPS_TD

include "TerraBase.td"
include "ElementwiseOps.td"
include "ShapeOps.td"
include "ReductionOps.td"
include "NNOps.td"
include "RandomOps.td"

#endif // TERRA_OPS_TD
