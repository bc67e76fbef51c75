// The batch-1 FC NHWC kernel: node matching (Gemm / MatMul / 1x1 Conv), weight packing,
// threading over panels, and the portable panel function (also the ARM64 path).
#include "exec/cpu/fc/fc.h"

#include <algorithm>
#include <functional>
#include <limits>

#include "base/aligned_buffer.h"
#include "exec/activation.h"
#include "exec/cpu/cpu_features.h"
#include "exec/reference/conv_util.h"

namespace mota::exec::fc {

void FcPanelsPortable(const FcArgs& a, const float* x, float* y, int64_t panel_begin,
                      int64_t panel_end) {
  for (int64_t p = panel_begin; p < panel_end; ++p) {
    const float* __restrict w = a.panels + p * a.k * kPanel;
    float acc[kPanel] = {};
    for (int64_t k = 0; k < a.k; ++k, w += kPanel) {
      const float xk = x[k];
      for (int64_t j = 0; j < kPanel; ++j) acc[j] += w[j] * xk;
    }
    const int64_t n0 = p * kPanel, count = std::min(kPanel, a.n - n0);
    for (int64_t j = 0; j < count; ++j) {
      const float v = a.alpha * acc[j] + a.bias[n0 + j];
      y[n0 + j] = std::min(std::max(v, a.out_min), a.out_max);
    }
  }
}

namespace {

FcPanelsFn PickPanels() {
#if defined(__x86_64__)
  const CpuFeatures& f = GetCpuFeatures();
  if (f.avx512) return FcPanelsAvx512;
  if (f.avx2) return FcPanelsAvx2;
#endif
  return FcPanelsPortable;
}

// What the node computes, in one form: y[n] = alpha * sum_k x[k] * B(k, n) + beta * C.
struct FcProblem {
  int64_t k = 0, n = 0;
  const float* b = nullptr;
  bool b_is_nk = false;           // B stored [N][K] (Gemm transB, Conv weights), else [K][N]
  const TensorView* c = nullptr;  // bias, broadcast to [N]; null when none
  float alpha = 1.0f, beta = 1.0f;
};

bool IsConstantF32(const TensorView& t) { return t.dtype == DType::kF32 && t.data != nullptr; }

bool MatchGemm(const model::Node& node, std::span<const TensorView> in, FcProblem* p) {
  const TensorView& a = in[0];
  const TensorView& b = in[1];
  if (a.rank() != 2 || !IsConstantF32(b) || b.rank() != 2) return false;
  const bool ta = node.attrs.GetInt("transA", 0) != 0;
  p->b_is_nk = node.attrs.GetInt("transB", 0) != 0;
  if ((ta ? a.shape[1] : a.shape[0]) != 1) return false;  // M == 1: either layout is x[k]
  p->k = ta ? a.shape[0] : a.shape[1];
  p->n = p->b_is_nk ? b.shape[0] : b.shape[1];
  if ((p->b_is_nk ? b.shape[1] : b.shape[0]) != p->k) return false;
  p->b = b.as<float>();
  p->alpha = node.attrs.GetFloat("alpha", 1.0f);
  p->beta = node.attrs.GetFloat("beta", 1.0f);
  if (in.size() > 2 && in[2].present()) p->c = &in[2];
  return true;
}

bool MatchMatMul(std::span<const TensorView> in, FcProblem* p) {
  const TensorView& a = in[0];
  const TensorView& b = in[1];
  if (a.rank() < 1 || !IsConstantF32(b) || b.rank() != 2) return false;
  p->k = a.shape.back();
  if (a.numel() != p->k || b.shape[0] != p->k) return false;  // every leading dim is 1
  p->n = b.shape[1];
  p->b = b.as<float>();
  return true;
}

Result<bool> MatchConv1x1(const model::Node& node, std::span<const TensorView> in, FcProblem* p) {
  const TensorView& x = in[0];
  const TensorView& w = in[1];
  if (x.rank() != 4 || x.shape[0] != 1 || x.shape[2] != 1 || x.shape[3] != 1) return false;
  if (!IsConstantF32(w) || w.rank() != 4 || w.shape[1] != x.shape[1] || w.shape[2] != 1 ||
      w.shape[3] != 1 || node.attrs.GetInt("group", 1) != 1) {
    return false;
  }
  MOTA_ASSIGN_OR_RETURN(WindowGeometry g, ResolveWindow(node, {1, 1}, {.default_kernel = {1, 1}}));
  // The single output must read the single input pixel, not padding.
  for (int d = 0; d < 2; ++d) {
    if (g.out[d] != 1 || g.pad_begin[d] != 0) return false;
  }
  p->k = x.shape[1];
  p->n = w.shape[0];
  p->b = w.as<float>();
  p->b_is_nk = true;
  if (in.size() > 2 && in[2].present()) p->c = &in[2];
  return true;
}

Result<bool> Match(const model::Node& node, std::span<const TensorView> in, const TensorView& out,
                   FcProblem* p) {
  if (in.size() < 2 || in[0].dtype != DType::kF32 || out.dtype != DType::kF32) return false;
  bool match = false;
  if (node.op_type == "Gemm") {
    match = MatchGemm(node, in, p);
  } else if (node.op_type == "MatMul") {
    match = MatchMatMul(in, p);
  } else if (node.op_type == "Conv") {
    MOTA_ASSIGN_OR_RETURN(match, MatchConv1x1(node, in, p));
  }
  if (!match || p->k < 1 || p->n < 1 || out.numel() != p->n) return false;
  if (p->c != nullptr && p->beta == 0.0f) p->c = nullptr;
  if (p->c != nullptr) {
    // A constant bias of N values along the last dim, or one scalar.
    const TensorView& c = *p->c;
    const bool per_output = c.numel() == p->n && c.rank() >= 1 && c.shape.back() == p->n;
    if (!IsConstantF32(c) || !(per_output || c.numel() == 1)) return false;
  }
  return true;
}

class FcKernel final : public NhwcKernel {
 public:
  FcKernel(const FcProblem& p, const Activation& act) : k_(p.k), n_(p.n), act_(act) {}

  bool Init(const FcProblem& p, FcPanelsFn panels) {
    const int64_t n_panels = (n_ + kPanel - 1) / kPanel;
    if (!packed_.Resize(static_cast<size_t>(n_panels * kPanel * (k_ + 1)) * sizeof(float))) {
      return false;
    }
    float* dst = reinterpret_cast<float*>(packed_.data());
    for (int64_t n = 0; n < n_; ++n) {
      float* col = dst + (n / kPanel) * k_ * kPanel + n % kPanel;
      for (int64_t k = 0; k < k_; ++k) {
        col[k * kPanel] = p.b_is_nk ? p.b[n * k_ + k] : p.b[k * n_ + n];
      }
    }
    float* bias = dst + n_panels * kPanel * k_;
    if (p.c != nullptr) {
      const float* c = p.c->as<float>();
      const bool scalar = p.c->numel() == 1;
      for (int64_t n = 0; n < n_; ++n) bias[n] = p.beta * c[scalar ? 0 : n];
    }
    constexpr float kInf = std::numeric_limits<float>::infinity();
    args_ = {.k = k_,
             .n = n_,
             .panels = dst,
             .bias = bias,
             .alpha = p.alpha,
             .out_min = act_.kind == ActivationKind::kRelu   ? 0.0f
                        : act_.kind == ActivationKind::kClip ? act_.alpha
                                                             : -kInf,
             .out_max = act_.kind == ActivationKind::kClip ? act_.beta : kInf};
    post_ = act_.kind != ActivationKind::kNone && act_.kind != ActivationKind::kRelu &&
            act_.kind != ActivationKind::kClip;
    panels_ = panels != nullptr ? panels : PickPanels();
    return true;
  }

  Status Run(std::span<const TensorView> inputs, const TensorView& output,
             ThreadPool* pool) override {
    if (inputs.size() != 1 || inputs[0].dtype != DType::kF32 || inputs[0].numel() != k_ ||
        output.numel() != n_) {
      return InvalidArgument("fc_row kernel: expected one f32 input of ", k_, " values and ", n_,
                             " outputs, got ", inputs.size(), " inputs",
                             inputs.empty() ? "" : " of shape ",
                             inputs.empty() ? "" : ShapeToString(inputs[0].shape), " and output ",
                             ShapeToString(output.shape));
    }
    const float* x = inputs[0].as<float>();
    float* y = output.as<float>();
    // At least ~32 KB of weights per task.
    const int64_t grain = std::max<int64_t>(1, 256 / k_);
    ParallelFor(pool, (n_ + kPanel - 1) / kPanel, grain,
                [&](int64_t p0, int64_t p1) { panels_(args_, x, y, p0, p1); });
    if (post_) ApplyActivation(act_, y, n_);
    return Status::Ok();
  }

  size_t bytes() const override { return packed_.size(); }

 private:
  int64_t k_, n_;
  Activation act_;
  AlignedBuffer packed_;
  FcArgs args_;
  bool post_ = false;
  FcPanelsFn panels_ = nullptr;
};

Result<std::unique_ptr<NhwcKernel>> CreateFc(const model::Node& node,
                                             std::span<const TensorView> inputs,
                                             const TensorView& output) {
  return CreateFcKernel(node, inputs, output, nullptr);
}

}  // namespace

Result<std::unique_ptr<NhwcKernel>> CreateFcKernel(const model::Node& node,
                                                   std::span<const TensorView> inputs,
                                                   const TensorView& output, FcPanelsFn panels) {
  FcProblem p;
  MOTA_ASSIGN_OR_RETURN(bool match, Match(node, inputs, output, &p));
  if (!match) return std::unique_ptr<NhwcKernel>();
  MOTA_ASSIGN_OR_RETURN(Activation act, ReadActivation(node.attrs));
  auto kernel = std::make_unique<FcKernel>(p, act);
  if (!kernel->Init(p, panels)) {
    return OutOfMemory("fc_row kernel for ", node.op_type, " node '", node.name,
                       "': cannot allocate ", p.k, " x ", p.n, " packed weights");
  }
  return std::unique_ptr<NhwcKernel>(std::move(kernel));
}

}  // namespace mota::exec::fc

MOTA_REGISTER_NHWC_KERNEL(fc_row, {.name = "fc_row",
                                   .priority = 100,
                                   .create = ::mota::exec::fc::CreateFc});
