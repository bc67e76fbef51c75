#include "exec/reference/elementwise.h"

#include <algorithm>

namespace mota::exec {

std::string DTypeAlternatives(std::span<const DType> dtypes) {
  std::string s;
  for (size_t i = 0; i < dtypes.size(); ++i) {
    if (i > 0) s += i + 1 == dtypes.size() ? " or " : ", ";
    s += DTypeName(dtypes[i]);
  }
  return s;
}

Status CheckInputDType(const InferContext& ctx, size_t i, std::span<const DType> allowed) {
  if (!ctx.has_input(i)) {
    return ctx.Error("input ", i, " is required but was omitted (expected ",
                     DTypeAlternatives(allowed), ")");
  }
  const DType d = ctx.inputs[i].dtype;
  if (std::find(allowed.begin(), allowed.end(), d) == allowed.end()) {
    return ctx.Error("input ", i, " must be ", DTypeAlternatives(allowed), ", got ", DTypeName(d));
  }
  return Status::Ok();
}

Status CheckSameDType(const InferContext& ctx, size_t i, size_t j) {
  if (!ctx.has_input(i)) return ctx.Error("input ", i, " is required but was omitted");
  const DType di = ctx.inputs[i].dtype;
  const DType dj = ctx.inputs[j].dtype;
  if (di != dj) {
    return ctx.Error("input ", i, " must have the dtype of input ", j, " (", DTypeName(dj),
                     "), got ", DTypeName(di));
  }
  return Status::Ok();
}

Result<Shape> BroadcastInputShapes(const InferContext& ctx) {
  Shape shape;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    Result<Shape> next = BroadcastShapes(shape, ctx.inputs[i].shape);
    if (!next.ok()) return ctx.Error(next.status().message());
    shape = std::move(next).value();
  }
  return shape;
}

Status InferSameAsInput0(InferContext& ctx) {
  ctx.outputs[0].dtype = ctx.inputs[0].dtype;
  ctx.outputs[0].shape = ctx.inputs[0].shape;
  return Status::Ok();
}

Status InferBroadcastBinary(InferContext& ctx) {
  const TensorView& a = ctx.inputs[0];
  const TensorView& b = ctx.inputs[1];
  if (a.dtype != b.dtype) {
    return ctx.Error("inputs have different dtypes ", DTypeName(a.dtype), " and ",
                     DTypeName(b.dtype));
  }
  Result<Shape> shape = BroadcastShapes(a.shape, b.shape);
  if (!shape.ok()) return ctx.Error(shape.status().message());
  ctx.outputs[0].dtype = a.dtype;
  ctx.outputs[0].shape = std::move(shape).value();
  return Status::Ok();
}

Status InferBroadcastCompare(InferContext& ctx) {
  MOTA_RETURN_IF_ERROR(InferBroadcastBinary(ctx));
  ctx.outputs[0].dtype = DType::kBool;
  return Status::Ok();
}

Status InferUnaryChecked(InferContext& ctx, std::span<const DType> allowed, DType out) {
  MOTA_RETURN_IF_ERROR(CheckInputDType(ctx, 0, allowed));
  ctx.outputs[0].dtype = out == DType::kUndefined ? ctx.inputs[0].dtype : out;
  ctx.outputs[0].shape = ctx.inputs[0].shape;
  return Status::Ok();
}

Status InferBroadcastChecked(InferContext& ctx, std::span<const DType> allowed, DType out) {
  MOTA_RETURN_IF_ERROR(CheckInputDType(ctx, 0, allowed));
  for (size_t i = 1; i < ctx.num_inputs(); ++i) MOTA_RETURN_IF_ERROR(CheckSameDType(ctx, i, 0));
  MOTA_ASSIGN_OR_RETURN(Shape shape, BroadcastInputShapes(ctx));
  ctx.outputs[0].dtype = out == DType::kUndefined ? ctx.inputs[0].dtype : out;
  ctx.outputs[0].shape = std::move(shape);
  return Status::Ok();
}

}  // namespace mota::exec
