"""Op codes shared with the native runtime (include/terra/Runtime/Ops.h)."""

# ops::UnaryOp, ops::BinaryOp and ops::CompareOp, in declaration order.
UNARY = {name: code for code, name in enumerate((
    "neg", "abs", "exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "relu",
    "gelu", "gelu_tanh", "erf", "sin", "cos", "logical_not"))}
BINARY = {name: code for code, name in enumerate((
    "add", "sub", "mul", "div", "pow", "maximum", "minimum"))}
COMPARE = {name: code for code, name in enumerate((
    "eq", "ne", "lt", "le", "gt", "ge"))}
