#include "converter/src/version_upgrade.h"

#include <onnx/version_converter/convert.h>

#include <exception>

#include "converter/src/onnx_import.h"

namespace mota::converter {
namespace {

int KnownRank(const onnx::GraphProto& graph, const std::string& name) {
  auto rank_of = [&](const auto& values) -> int {
    for (const onnx::ValueInfoProto& v : values) {
      if (v.name() == name && v.type().tensor_type().has_shape()) return v.type().tensor_type().shape().dim_size();
    }
    return -1;
  };
  const int r = rank_of(graph.input());
  return r >= 0 ? r : rank_of(graph.value_info());
}

// Before opset 7, PRelu broadcast a 1-D slope of length C along axis 1 (pytorch's exporter relied
// on it); from opset 7 broadcasting is numpy's. Reshape such slopes to [C, 1, ...] so the
// upgraded model keeps its meaning. Needs the input's rank; left alone when it is unknown.
void FixLegacyPreluSlopes(onnx::GraphProto& graph) {
  for (const onnx::NodeProto& node : graph.node()) {
    if (node.op_type() != "PRelu" || node.input_size() != 2) continue;
    const int rank = KnownRank(graph, node.input(0));
    if (rank < 3) continue;
    for (onnx::TensorProto& init : *graph.mutable_initializer()) {
      if (init.name() != node.input(1) || init.dims_size() != 1 || init.dims(0) <= 1) continue;
      for (int i = 2; i < rank; ++i) init.add_dims(1);
      // Old models also list initializers as graph inputs: keep that declaration in step.
      for (onnx::ValueInfoProto& input : *graph.mutable_input()) {
        if (input.name() != init.name() || !input.type().tensor_type().has_shape()) continue;
        auto* shape = input.mutable_type()->mutable_tensor_type()->mutable_shape();
        for (int i = 2; i < rank; ++i) shape->add_dim()->set_dim_value(1);
      }
    }
  }
}

}  // namespace

Status UpgradeLegacyOpset(onnx::ModelProto& model) {
  for (const onnx::OperatorSetIdProto& op : model.opset_import()) {
    if (!IsDefaultOnnxDomain(op.domain())) continue;
    const int64_t version = op.version();
    if (version < 1 || version >= kMinOnnxOpset) return Status::Ok();
    FixLegacyPreluSlopes(*model.mutable_graph());
    try {
      model = onnx::version_conversion::ConvertVersion(model, static_cast<int>(kMinOnnxOpset));
    } catch (const std::exception& e) {
      return Unimplemented("the model uses opset ", version, " of the default ONNX domain and ONNX's ",
                           "version converter could not upgrade it to opset ", kMinOnnxOpset, ": ",
                           e.what());
    }
    return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace mota::converter
