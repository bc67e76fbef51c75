#include "converter/src/lowering.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "exec/tensor.h"

namespace mota::converter {
namespace {

std::map<std::string, LoweringDef, std::less<>>& Registry() {
  static auto* registry = new std::map<std::string, LoweringDef, std::less<>>();
  return *registry;
}

// The attribute kind, deduced from the set field when an old producer left `type` unset.
onnx::AttributeProto_AttributeType KindOf(const onnx::AttributeProto& a) {
  if (a.type() != onnx::AttributeProto_AttributeType_UNDEFINED) return a.type();
  if (a.has_f()) return onnx::AttributeProto_AttributeType_FLOAT;
  if (a.has_i()) return onnx::AttributeProto_AttributeType_INT;
  if (a.has_s()) return onnx::AttributeProto_AttributeType_STRING;
  if (a.has_t()) return onnx::AttributeProto_AttributeType_TENSOR;
  if (a.ints_size() > 0) return onnx::AttributeProto_AttributeType_INTS;
  if (a.floats_size() > 0) return onnx::AttributeProto_AttributeType_FLOATS;
  if (a.strings_size() > 0) return onnx::AttributeProto_AttributeType_STRINGS;
  return onnx::AttributeProto_AttributeType_UNDEFINED;
}

const char* KindName(onnx::AttributeProto_AttributeType kind) {
  return onnx::AttributeProto_AttributeType_IsValid(kind)
             ? onnx::AttributeProto_AttributeType_Name(kind).c_str()
             : "unknown";
}

template <typename T>
std::vector<uint8_t> ToBytes(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

template <typename T>
std::vector<uint8_t> ScalarBytes(T value) {
  return ToBytes(std::vector<T>{value});
}

}  // namespace

LoweringRegistrar::LoweringRegistrar(const LoweringDef& def) { Registry()[def.op_type] = def; }

const LoweringDef* FindLowering(std::string_view op_type) {
  auto& r = Registry();
  auto it = r.find(op_type);
  return it == r.end() ? nullptr : &it->second;
}

std::vector<const LoweringDef*> AllLowerings() {
  std::vector<const LoweringDef*> out;
  for (const auto& [name, def] : Registry()) out.push_back(&def);
  return out;
}

LoweringContext::LoweringContext(ImportState& state, const onnx::NodeProto& node, std::string name,
                                 int opset)
    : state_(state), node_(node), name_(std::move(name)), opset_(opset) {}

int32_t LoweringContext::input(size_t i) const {
  if (i >= num_inputs() || node_.input(static_cast<int>(i)).empty()) return -1;
  return state_.Lookup(node_.input(static_cast<int>(i)));
}

std::vector<int32_t> LoweringContext::inputs() const {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < num_inputs(); ++i) ids.push_back(input(i));
  return ids;
}

DType LoweringContext::input_dtype(size_t i) const {
  const int32_t id = input(i);
  return id < 0 ? DType::kUndefined : tensor(id).dtype;
}

const model::TensorInfo* LoweringContext::constant_input(size_t i) const {
  const int32_t id = input(i);
  if (id < 0 || !tensor(id).is_constant) return nullptr;
  return &tensor(id);
}

Result<std::vector<int64_t>> LoweringContext::ConstantInts(size_t i) const {
  const model::TensorInfo* t = constant_input(i);
  if (t == nullptr) return Error("input ", i, " must be a constant");
  if (t->dtype != DType::kI64 && t->dtype != DType::kI32) {
    return Error("input ", i, " ('", t->name, "') must be i32 or i64, got ", DTypeName(t->dtype));
  }
  exec::TensorView view{t->dtype, t->StaticShape(), const_cast<uint8_t*>(t->constant.data)};
  return exec::ReadIntValues(view);
}

bool LoweringContext::output_used(size_t i) const {
  if (i >= num_outputs()) return false;
  const std::string& name = node_.output(static_cast<int>(i));
  return !name.empty() && state_.UseCount(name) > 0;
}

const onnx::AttributeProto* LoweringContext::attr(std::string_view name) const {
  for (const onnx::AttributeProto& a : node_.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

int64_t LoweringContext::GetInt(std::string_view name, int64_t fallback) const {
  const onnx::AttributeProto* a = attr(name);
  return a == nullptr ? fallback : a->i();
}

float LoweringContext::GetFloat(std::string_view name, float fallback) const {
  const onnx::AttributeProto* a = attr(name);
  return a == nullptr ? fallback : a->f();
}

std::string LoweringContext::GetString(std::string_view name, std::string_view fallback) const {
  const onnx::AttributeProto* a = attr(name);
  return a == nullptr ? std::string(fallback) : a->s();
}

std::vector<int64_t> LoweringContext::GetInts(std::string_view name) const {
  const onnx::AttributeProto* a = attr(name);
  if (a == nullptr) return {};
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::vector<float> LoweringContext::GetFloats(std::string_view name) const {
  const onnx::AttributeProto* a = attr(name);
  if (a == nullptr) return {};
  return std::vector<float>(a->floats().begin(), a->floats().end());
}

Result<model::Attributes> LoweringContext::CopyAttributes(
    std::initializer_list<std::string_view> skip) const {
  model::Attributes out;
  for (const onnx::AttributeProto& a : node_.attribute()) {
    if (std::find(skip.begin(), skip.end(), a.name()) != skip.end()) continue;
    const auto kind = KindOf(a);
    switch (kind) {
      case onnx::AttributeProto_AttributeType_INT:
        out.SetInt(a.name(), a.i());
        break;
      case onnx::AttributeProto_AttributeType_FLOAT:
        out.SetFloat(a.name(), a.f());
        break;
      case onnx::AttributeProto_AttributeType_STRING:
        out.SetString(a.name(), a.s());
        break;
      case onnx::AttributeProto_AttributeType_INTS:
        out.SetInts(a.name(), GetInts(a.name()));
        break;
      case onnx::AttributeProto_AttributeType_FLOATS:
        out.SetFloats(a.name(), GetFloats(a.name()));
        break;
      default:
        return Unsupported("attribute '", a.name(), "' is of kind ", KindName(kind),
                           "; this op takes INT, FLOAT, STRING, INTS and FLOATS attributes only");
    }
  }
  return out;
}

int32_t LoweringContext::AddI64Constant(std::string_view what, const std::vector<int64_t>& values) {
  return state_.AddConstant(StrCat(name_, "/", what), DType::kI64,
                            {static_cast<int64_t>(values.size())}, ToBytes(values));
}

int32_t LoweringContext::AddF32Constant(std::string_view what, const std::vector<float>& values,
                                        const Shape& shape) {
  return state_.AddConstant(StrCat(name_, "/", what), DType::kF32, shape, ToBytes(values));
}

int32_t LoweringContext::AddScalarConstant(std::string_view what, DType dtype, double value) {
  std::vector<uint8_t> bytes;
  switch (dtype) {
    case DType::kF16:
      bytes = ScalarBytes(FloatToHalf(static_cast<float>(value)));
      break;
    case DType::kI8:
      bytes = ScalarBytes(static_cast<int8_t>(value));
      break;
    case DType::kU8:
      bytes = ScalarBytes(static_cast<uint8_t>(value));
      break;
    case DType::kI32:
      bytes = ScalarBytes(static_cast<int32_t>(value));
      break;
    case DType::kI64:
      bytes = ScalarBytes(static_cast<int64_t>(value));
      break;
    case DType::kBool:
      bytes = ScalarBytes(static_cast<uint8_t>(value != 0.0));
      break;
    case DType::kF32:
    case DType::kUndefined:
      dtype = DType::kF32;
      bytes = ScalarBytes(static_cast<float>(value));
      break;
  }
  return state_.AddConstant(StrCat(name_, "/", what), dtype, {}, std::move(bytes));
}

Status LoweringContext::Emit(std::string_view op_type, model::Attributes attrs,
                             std::vector<int32_t> inputs, size_t num_outputs) {
  if (emitted_)
    return Internal("lowering of ", this->op_type(), " node '", name_, "' emitted twice");
  num_outputs = std::min(num_outputs, this->num_outputs());
  while (num_outputs > 0 && node_.output(static_cast<int>(num_outputs - 1)).empty()) --num_outputs;
  if (num_outputs == 0) return Error("has no named outputs; nothing would receive its result");
  model::Node node;
  node.name = name_;
  node.op_type = std::string(op_type);
  node.attrs = std::move(attrs);
  while (!inputs.empty() && inputs.back() < 0) inputs.pop_back();  // trailing omitted inputs
  node.inputs = std::move(inputs);
  DType first_dtype = DType::kUndefined;
  for (size_t i = 0; i < num_outputs; ++i) {
    const std::string& out_name = node_.output(static_cast<int>(i));
    int32_t id = -1;
    if (out_name.empty()) {
      id = state_.AddUnnamedValue(StrCat(name_, "/output_", i), first_dtype);
    } else {
      MOTA_ASSIGN_OR_RETURN(id, state_.DefineValue(out_name));
    }
    if (i == 0) first_dtype = tensor(id).dtype;
    node.outputs.push_back(id);
  }
  state_.graph.nodes.push_back(std::move(node));
  emitted_ = true;
  return Status::Ok();
}

Status LoweringContext::DefineConstantOutput(size_t i, DecodedTensor tensor) {
  if (i >= num_outputs() || node_.output(static_cast<int>(i)).empty()) {
    return Error("output ", i, " is missing or unnamed");
  }
  return state_.DefineConstant(node_.output(static_cast<int>(i)), std::move(tensor)).status();
}

Status LowerPassthrough(LoweringContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(model::Attributes attrs, ctx.CopyAttributes());
  return ctx.Emit(ctx.op_type(), std::move(attrs), ctx.inputs(), ctx.num_outputs());
}

Status LowerAxesToInput(LoweringContext& ctx, int input_since_opset) {
  if (ctx.opset() >= input_since_opset) return LowerPassthrough(ctx);
  MOTA_ASSIGN_OR_RETURN(model::Attributes attrs, ctx.CopyAttributes({"axes"}));
  const int32_t axes = ctx.has_attr("axes") ? ctx.AddI64Constant("axes", ctx.GetInts("axes")) : -1;
  std::vector<int32_t> inputs = {ctx.input(0)};
  if (axes >= 0) inputs.push_back(axes);
  return ctx.Emit(ctx.op_type(), std::move(attrs), std::move(inputs), 1);
}

Status LowerSoftmaxFamily(LoweringContext& ctx) {
  if (ctx.opset() >= 13) return LowerPassthrough(ctx);
  MOTA_ASSIGN_OR_RETURN(model::Attributes attrs, ctx.CopyAttributes());
  // Before opset 13 the default axis was 1 and the input was flattened to 2-D at axis.
  attrs.SetInt("axis", ctx.GetInt("axis", 1));
  attrs.SetInt("coerce_2d", 1);
  return ctx.Emit(ctx.op_type(), std::move(attrs), ctx.inputs(), 1);
}

Status RequireOutputUnused(const LoweringContext& ctx, size_t i, std::string_view what) {
  if (!ctx.output_used(i)) return Status::Ok();
  return ctx.Unsupported("output ", i, " ('", ctx.proto().output(static_cast<int>(i)), "', ", what,
                         ") is used, but mota computes only the inference outputs of this op");
}

}  // namespace mota::converter
