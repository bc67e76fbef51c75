// Gemm (transA, transB, alpha, beta, C broadcast to [M, N]) and MatMul (numpy batching where
// each operand's batch is either the output's or shared; 1-D operands) as one strided GEMM
// shader (gemm.comp). Other batch broadcasts stay on the CPU.
#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

struct Push {
  uint32_t M, N, K;
  uint32_t a_batch, a_m, a_k;
  uint32_t b_batch, b_k, b_n;
  uint32_t c_m, c_n;
  float alpha, beta;
  ActPush act;
};

struct Problem {
  Push push{};
  uint32_t batch = 1;
  bool bias = false;
};

Result<Problem> GemmProblem(const OpContext& ctx) {
  const Shape& a = ctx.inputs[0].shape;
  const Shape& b = ctx.inputs[1].shape;
  if (a.size() != 2 || b.size() != 2) return ctx.Error("A and B must be 2-D");
  const bool ta = ctx.attrs().GetInt("transA", 0) != 0, tb = ctx.attrs().GetInt("transB", 0) != 0;
  Problem p;
  Push& q = p.push;
  q.M = static_cast<uint32_t>(ta ? a[1] : a[0]);
  q.K = static_cast<uint32_t>(ta ? a[0] : a[1]);
  q.N = static_cast<uint32_t>(tb ? b[0] : b[1]);
  q.a_m = ta ? 1 : q.K, q.a_k = ta ? q.M : 1;
  q.b_k = tb ? 1 : q.N, q.b_n = tb ? q.K : 1;
  q.alpha = ctx.attrs().GetFloat("alpha", 1.0f);
  q.beta = ctx.attrs().GetFloat("beta", 1.0f);
  if (ctx.has_input(2)) {
    const Shape& c = ctx.inputs[2].shape;
    // C broadcasts to [M, N]: right-aligned, each dim equal or 1.
    const int64_t cm = c.size() == 2 ? c[0] : 1;
    const int64_t cn = c.empty() ? 1 : c.back();
    if (c.size() > 2 || (cm != 1 && cm != q.M) || (cn != 1 && cn != q.N)) {
      return ctx.Error("C ", ShapeToString(c), " does not broadcast to [", q.M, ",", q.N, "]");
    }
    q.c_m = cm == 1 ? 0 : static_cast<uint32_t>(cn);
    q.c_n = cn == 1 ? 0 : 1;
    p.bias = true;
  }
  return p;
}

Result<Problem> MatMulProblem(const OpContext& ctx) {
  Shape a = ctx.inputs[0].shape, b = ctx.inputs[1].shape;
  if (a.empty() || b.empty()) return ctx.Error("MatMul of a scalar");
  if (a.size() == 1) a.insert(a.begin(), 1);  // [K] -> [1, K]
  if (b.size() == 1) b.push_back(1);          // [K] -> [K, 1]
  Problem p;
  Push& q = p.push;
  q.M = static_cast<uint32_t>(a[a.size() - 2]);
  q.K = static_cast<uint32_t>(a.back());
  q.N = static_cast<uint32_t>(b.back());
  q.a_m = q.K, q.a_k = 1, q.b_k = q.N, q.b_n = 1;
  q.alpha = 1.0f;
  const int64_t out_batch = ctx.outputs[0].numel() / std::max<int64_t>(1, int64_t{q.M} * q.N);
  const int64_t a_batch = NumElements(a) / (int64_t{q.M} * q.K);
  const int64_t b_batch = NumElements(b) / (int64_t{q.K} * q.N);
  // Each operand either has the whole batch (same dims) or one matrix shared by all.
  if ((a_batch != 1 && a_batch != out_batch) || (b_batch != 1 && b_batch != out_batch)) {
    return ctx.Unsupported("batch broadcast of ", ShapeToString(ctx.inputs[0].shape), " x ",
                           ShapeToString(ctx.inputs[1].shape));
  }
  q.a_batch = a_batch == 1 ? 0 : q.M * q.K;
  q.b_batch = b_batch == 1 ? 0 : q.K * q.N;
  p.batch = static_cast<uint32_t>(out_batch);
  return p;
}

Result<Problem> MakeProblem(const OpContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(Problem p,
                        ctx.node.op_type == "Gemm" ? GemmProblem(ctx) : MatMulProblem(ctx));
  MOTA_ASSIGN_OR_RETURN(p.push.act, ReadActPush(ctx.node));
  return p;
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx));
  MOTA_ASSIGN_OR_RETURN(Problem p, MakeProblem(ctx));
  if (p.batch > ctx.device.max_workgroup_count[2])
    return ctx.Unsupported("batch ", p.batch, " too large");
  return Status::Ok();
}

Status Build(OpBuilder& b) {
  MOTA_ASSIGN_OR_RETURN(Problem p, MakeProblem(b));
  const Region a = b.Input(0), bm = b.Input(1);
  const Region c = p.bias ? b.Input(2) : a;  // an unread binding must still be valid
  const uint32_t tile = b.tuning.gemm_tile;
  b.Add("gemm", {tile, tile, p.bias ? 1u : 0u}, p.push, {a, bm, c}, {b.outputs[0].region},
        CeilDiv(p.push.N, tile), CeilDiv(p.push.M, tile), p.batch);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(Gemm, {"Gemm", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
MOTA_REGISTER_VK_OP(MatMul, {"MatMul", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
