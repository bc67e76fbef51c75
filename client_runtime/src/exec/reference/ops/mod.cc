// Mod: numpy-broadcasting remainder (ONNX Mod-13).
//   fmod = 0 (default): integer remainder with the sign of the divisor (numpy.mod / Python %);
//                       ONNX requires fmod = 1 for float inputs, so f32 with fmod = 0 is an error.
//   fmod = 1:           C fmod semantics: the sign of the dividend (std::fmod for floats, % for
//                       integers).
// Integer remainder by zero gives 0 (as numpy) instead of trapping.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

// C-style remainder (sign of the dividend), defined for every integer pair.
template <typename T>
T TruncRem(T x, T y) {
  if (y == 0) return 0;
  if constexpr (std::is_signed_v<T>) {
    if (y == -1) return 0;  // INT_MIN % -1 traps in C
  }
  return static_cast<T>(x % y);
}

template <typename T>
T FloorRem(T x, T y) {
  T r = TruncRem(x, y);
  if constexpr (std::is_signed_v<T>) {
    if (r != 0 && ((r < 0) != (y < 0))) r = static_cast<T>(r + y);
  }
  return r;
}

Status InferMod(InferContext& ctx) {
  MOTA_RETURN_IF_ERROR(InferBroadcastBinaryOf<NumericTypes>(ctx));
  const int64_t fmod = ctx.attrs().GetInt("fmod", 0);
  if (fmod != 0 && fmod != 1) return ctx.Error("attribute fmod is ", fmod, "; expected 0 or 1");
  if (fmod == 0 && ctx.inputs[0].dtype == DType::kF32) {
    return ctx.Error(
        "f32 inputs need attribute fmod = 1 (ONNX Mod defines fmod = 0 for integers "
        "only)");
  }
  return Status::Ok();
}

Status ComputeMod(KernelContext& ctx) {
  if (ctx.attrs().GetInt("fmod", 0) != 0) {
    return ComputeBinaryArithmetic(ctx, [](auto x, auto y) {
      if constexpr (std::is_floating_point_v<decltype(x)>) {
        return std::fmod(x, y);
      } else {
        return TruncRem(x, y);
      }
    });
  }
  return Dispatch(DTypeList<DType::kI32, DType::kI64, DType::kI8, DType::kU8>{},
                  ctx.inputs[0].dtype, ctx, [&](auto tag) {
                    using T = CType<decltype(tag)>;
                    BroadcastLoop2<T, T, T>(ctx.inputs[0], ctx.inputs[1], ctx.outputs[0],
                                            [](T x, T y) { return FloorRem(x, y); });
                    return Status::Ok();
                  });
}

}  // namespace

MOTA_REGISTER_OP(Mod, {"Mod", 2, 2, 1, 1, InferMod, ComputeMod});

}  // namespace mota::exec
