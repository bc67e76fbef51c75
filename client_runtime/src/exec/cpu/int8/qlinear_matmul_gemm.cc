// "int8_gemm_matmul": QLinearMatMul with a constant 2-D B [K, N] on the int8 core. B is the u8
// operand (packed once, columns in vector lanes, so that y's rows are stored contiguously) and
// A the s8 broadcast operand (packed per run):
//   b' = b + 128 (i8 b) or b (u8),  zb = b_zp + that offset (one value for every column)
//   a' = a (i8 a) or a - 128 (u8),  za = a_zp - that offset
//   sum (a - a_zp)(b - b_zp) = dot(a', b') - zb * sum_k a'[i] - za * sum_k b'[., n] + K za zb
// The last two terms are per column and constant (col_add); the second is per row (row_add,
// computed while packing A).
#include <algorithm>
#include <vector>

#include "base/aligned_buffer.h"
#include "exec/cpu/int8/int8_kernels.h"

namespace mota::exec::int8 {
namespace {

enum Input : int { kA = 0, kAScale, kAZp, kB, kBScale, kBZp, kYScale, kYZp };

constexpr int64_t kMaxK = 16384;  // int32 accumulators stay exact (K * 255 * 255 < 2^31)

using KernelPtr = std::unique_ptr<PreparedKernel>;

class MatMulGemm final : public PreparedKernel {
 public:
  MatMulGemm(const Isa& isa, int64_t rows, int64_t k, int64_t n, bool a_signed)
      : isa_(isa), rows_(rows), k_(k), n_(n), k4_((k + 3) / 4), a_flip_(a_signed ? 0 : 0x80) {}

  bool Init(const TensorView& b, int32_t za, int32_t zb, const QuantOperand& aq,
            const QuantOperand& bq, const Requantizer& requant);

  Status Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs,
             ThreadPool* pool) override;

  size_t bytes() const override { return packed_b_.size() + packed_a_.size(); }

 private:
  int64_t Npad() const { return (n_ + 15) / 16 * 16; }
  int64_t PanelBytes() const { return k4_ * kMr * 4; }
  void PackA(const uint8_t* a, int64_t panel);

  const Isa& isa_;
  int64_t rows_, k_, n_, k4_;
  uint8_t a_flip_;  // a ^ a_flip_ is a' (s8)
  int32_t zb_ = 0;
  AlignedBuffer packed_b_;  // [k4][npad][4] u8
  AlignedBuffer packed_a_;  // [ceil(rows / kMr)][k4][kMr][4] s8
  std::vector<int32_t> row_add_, col_add_;
  std::vector<float> mult_, in_scale_;
  Epilogue epilogue_;
};

bool MatMulGemm::Init(const TensorView& b, int32_t za, int32_t zb, const QuantOperand& aq,
                      const QuantOperand& bq, const Requantizer& requant) {
  zb_ = zb;
  const int64_t npad = Npad();
  const int32_t b_offset = b.dtype == DType::kI8 ? 128 : 0;
  if (!packed_b_.Resize(static_cast<size_t>(k4_ * npad * 4))) return false;
  const int64_t panels = (rows_ + kMr - 1) / kMr;
  if (!packed_a_.Resize(static_cast<size_t>(panels * PanelBytes()))) return false;
  std::vector<int64_t> col_sum(static_cast<size_t>(n_), 0);
  for (int64_t p = 0; p < k_; ++p) {
    for (int64_t j = 0; j < n_; ++j) {
      const int32_t v = ReadQuantElement(b, p * n_ + j) + b_offset;
      packed_b_.data()[(p / 4 * npad + j) * 4 + p % 4] = static_cast<uint8_t>(v);
      col_sum[j] += v;
    }
  }
  for (int64_t j = 0; j < n_; ++j) {
    col_add_.push_back(static_cast<int32_t>(-za * col_sum[j] + k_ * za * zb));
    in_scale_.push_back(aq.scale(0) * bq.scale(j));  // the reference's f32 arithmetic
    mult_.push_back(in_scale_.back() / requant.scale);
  }
  row_add_.resize(static_cast<size_t>(panels * kMr));
  epilogue_.row_add = row_add_.data();
  epilogue_.col_add = col_add_.data();
  epilogue_.mult = mult_.data();
  epilogue_.in_scale = in_scale_.data();
  epilogue_.per_col = true;
  epilogue_.requant = requant;
  PrepareEpilogue(epilogue_);
  return true;
}

void MatMulGemm::PackA(const uint8_t* a, int64_t panel) {
  auto* dst = reinterpret_cast<int8_t*>(packed_a_.data()) + panel * PanelBytes();
  for (int r = 0; r < kMr; ++r) {
    const int64_t i = panel * kMr + r;
    if (i >= rows_) {
      for (int64_t p = 0; p < k4_ * 4; ++p) dst[(p / 4 * kMr + r) * 4 + p % 4] = 0;
      continue;
    }
    const uint8_t* row = a + i * k_;
    int32_t sum = 0;
    for (int64_t p = 0; p < k4_ * 4; ++p) {
      const auto v = static_cast<int8_t>(p < k_ ? row[p] ^ a_flip_ : 0);
      dst[(p / 4 * kMr + r) * 4 + p % 4] = v;
      sum += v;
    }
    row_add_[i] = -zb_ * sum;
  }
}

Status MatMulGemm::Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs,
                       ThreadPool* pool) {
  const auto* a = static_cast<const uint8_t*>(inputs[kA].data);
  auto* y = static_cast<uint8_t*>(outputs[0].data);
  const int64_t panels = (rows_ + kMr - 1) / kMr;
  const int64_t tiles = (n_ + kNrMax - 1) / kNrMax;
  ParallelFor(pool, panels, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) PackA(a, p);
  });
  const int64_t zero = 0;
  ParallelFor(pool, tiles * panels, 1, [&](int64_t u0, int64_t u1) {
    alignas(64) int32_t acc[kMr * kNrMax];
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t tile = u / panels, panel = u % panels;
      const int64_t n0 = tile * kNrMax;
      const int cols = static_cast<int>(std::min<int64_t>(kNrMax, n_ - n0));
      const int rows = static_cast<int>(std::min<int64_t>(kMr, rows_ - panel * kMr));
      TileArgs t;
      t.p = packed_b_.data() + n0 * 4;
      t.p_stride = Npad() * 4;
      t.tap_offsets = &zero;
      t.k4 = k4_;
      t.q = reinterpret_cast<const int8_t*>(packed_a_.data()) + panel * PanelBytes();
      isa_.tile(t, rows, cols, acc);
      for (int r = 0; r < rows; ++r) {
        const int64_t i = panel * kMr + r;
        FinishRow(isa_, epilogue_, acc + r * kNrMax, i, n0, cols, y + i * n_ + n0);
      }
    }
  });
  return Status::Ok();
}

bool Known(std::span<const TensorView> inputs, int i) {
  return i >= static_cast<int>(inputs.size()) || !inputs[i].present() || inputs[i].data != nullptr;
}

bool IsInt8(DType d) { return d == DType::kI8 || d == DType::kU8; }

// Every value of b's zero point is the same (per tensor, or per column but uniform).
bool UniformZeroPoint(const QuantOperand& q) {
  return std::all_of(q.zero_points.begin(), q.zero_points.end(),
                     [&](int32_t z) { return z == q.zero_points[0]; });
}

}  // namespace

Result<KernelPtr> CreateQLinearMatMulGemm(const model::Node& node,
                                          std::span<const TensorView> inputs,
                                          std::span<const TensorView> outputs, const Isa* isa) {
  if (node.op_type != "QLinearMatMul" || inputs.size() < 8 || outputs.size() != 1)
    return KernelPtr();
  const TensorView& a = inputs[kA];
  const TensorView& b = inputs[kB];
  if (!a.present() || !b.present() || b.data == nullptr || b.rank() != 2 || a.rank() < 1)
    return KernelPtr();
  if (!IsInt8(a.dtype) || !IsInt8(b.dtype)) return KernelPtr();
  for (int i : {kAScale, kAZp, kBScale, kBZp, kYScale, kYZp}) {
    if (!Known(inputs, i)) return KernelPtr();
  }
  for (auto [zp, operand] : {std::pair{kAZp, kA}, std::pair{kBZp, kB}}) {
    if (inputs[zp].present() && inputs[zp].dtype != inputs[operand].dtype) return KernelPtr();
  }
  const int64_t k = a.shape.back(), n = b.shape[1];
  if (b.shape[0] != k || k > kMaxK || n == 0 || k == 0) return KernelPtr();
  const DType y = outputs[0].dtype;
  if ((y != DType::kI8 && y != DType::kU8) || NumElements(outputs[0].shape) == 0)
    return KernelPtr();
  const KernelContext ctx{node, inputs, outputs, nullptr};
  Result<QuantOperand> aq = ReadQuantOperand(ctx, kAScale, kAZp, 1);  // per row: declined
  Result<QuantOperand> bq = ReadQuantOperand(ctx, kBScale, kBZp, n);
  Result<QuantOperand> yq = ReadQuantOperand(ctx, kYScale, kYZp, 1);
  if (!aq.ok() || !bq.ok() || !yq.ok() || yq->dtype != y || !UniformZeroPoint(*bq))
    return KernelPtr();
  Result<Requantizer> requant = MakeRequantizer(ctx, *yq);
  if (!requant.ok()) return KernelPtr();
  const bool a_signed = a.dtype == DType::kI8;
  const int32_t za = aq->zero_point(0) - (a_signed ? 0 : 128);
  const int32_t zb = bq->zero_point(0) + (b.dtype == DType::kI8 ? 128 : 0);
  auto kernel = std::make_unique<MatMulGemm>(isa != nullptr ? *isa : BestIsa(), a.numel() / k, k, n,
                                             a_signed);
  if (!kernel->Init(b, za, zb, *aq, *bq, *requant)) return KernelPtr();
  return KernelPtr(std::move(kernel));
}

namespace {

Result<KernelPtr> CreateMatMulDefault(const model::Node& node, std::span<const TensorView> inputs,
                                      std::span<const TensorView> outputs) {
  return CreateQLinearMatMulGemm(node, inputs, outputs, nullptr);
}

}  // namespace

MOTA_REGISTER_PREPARED_KERNEL(int8_gemm_matmul, {"int8_gemm_matmul", 10, CreateMatMulDefault});

}  // namespace mota::exec::int8
