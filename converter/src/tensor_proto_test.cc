#include "converter/src/tensor_proto.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "converter/src/onnx_builder.h"

namespace mota::converter {
namespace {

template <typename T>
std::vector<T> Values(const DecodedTensor& t) {
  std::vector<T> out(t.bytes.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), t.bytes.data(), t.bytes.size());
  return out;
}

onnx::TensorProto Typed(int32_t onnx_dtype, const Shape& dims) {
  onnx::TensorProto p;
  p.set_name("t");
  p.set_data_type(onnx_dtype);
  for (int64_t d : dims) p.add_dims(d);
  return p;
}

TEST(TensorProto, DTypeNumberingRoundTrips) {
  for (int raw = 1; raw <= kMaxDType; ++raw) {
    const DType d = static_cast<DType>(raw);
    EXPECT_EQ(DTypeFromOnnx(DTypeToOnnx(d)), d) << DTypeName(d);
  }
  EXPECT_EQ(DTypeFromOnnx(onnx::TensorProto_DataType_DOUBLE), DType::kUndefined);
  EXPECT_EQ(DTypeFromOnnx(onnx::TensorProto_DataType_STRING), DType::kUndefined);
  EXPECT_EQ(OnnxDTypeName(onnx::TensorProto_DataType_DOUBLE), "DOUBLE");
  EXPECT_EQ(OnnxDTypeName(999), "dtype 999");
}

TEST(TensorProto, DecodesRawData) {
  const float v[] = {1.5f, -2, 3, 4, 5, 6};
  auto t = DecodeTensorProto(MakeTensorProto("w", DType::kF32, {2, 3}, v));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->dtype, DType::kF32);
  EXPECT_EQ(t->shape, (Shape{2, 3}));
  EXPECT_EQ(Values<float>(*t), (std::vector<float>{1.5f, -2, 3, 4, 5, 6}));
}

TEST(TensorProto, DecodesTypedFields) {
  onnx::TensorProto f = Typed(onnx::TensorProto_DataType_FLOAT, {2});
  f.add_float_data(0.25f);
  f.add_float_data(-1);
  EXPECT_EQ(Values<float>(*DecodeTensorProto(f)), (std::vector<float>{0.25f, -1}));

  onnx::TensorProto i64 = Typed(onnx::TensorProto_DataType_INT64, {3});
  for (int64_t v : {int64_t{1} << 40, int64_t{-3}, int64_t{7}}) i64.add_int64_data(v);
  EXPECT_EQ(Values<int64_t>(*DecodeTensorProto(i64)),
            (std::vector<int64_t>{int64_t{1} << 40, -3, 7}));

  // int32_data carries f16 bit patterns, i8, u8 and bool too.
  onnx::TensorProto h = Typed(onnx::TensorProto_DataType_FLOAT16, {2});
  h.add_int32_data(FloatToHalf(1.0f));
  h.add_int32_data(FloatToHalf(-0.5f));
  auto half = DecodeTensorProto(h);
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(half->dtype, DType::kF16);
  EXPECT_EQ(HalfToFloat(Values<uint16_t>(*half)[1]), -0.5f);

  onnx::TensorProto i8 = Typed(onnx::TensorProto_DataType_INT8, {2});
  i8.add_int32_data(-128);
  i8.add_int32_data(127);
  EXPECT_EQ(Values<int8_t>(*DecodeTensorProto(i8)), (std::vector<int8_t>{-128, 127}));

  onnx::TensorProto b = Typed(onnx::TensorProto_DataType_BOOL, {3});
  for (int v : {0, 1, 5}) b.add_int32_data(v);
  EXPECT_EQ(Values<uint8_t>(*DecodeTensorProto(b)), (std::vector<uint8_t>{0, 1, 1}));
}

TEST(TensorProto, ScalarAndEmptyTensors) {
  onnx::TensorProto s = Typed(onnx::TensorProto_DataType_INT64, {});
  s.add_int64_data(42);
  auto scalar = DecodeTensorProto(s);
  ASSERT_TRUE(scalar.ok());
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(Values<int64_t>(*scalar), (std::vector<int64_t>{42}));

  auto empty = DecodeTensorProto(Typed(onnx::TensorProto_DataType_FLOAT, {0, 3}));
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->bytes.empty());
}

TEST(TensorProto, MalformedTensorsAreRejectedWithTheirName) {
  onnx::TensorProto short_raw = Typed(onnx::TensorProto_DataType_FLOAT, {4});
  short_raw.set_raw_data(std::string(12, '\0'));
  auto a = DecodeTensorProto(short_raw, "initializer 'w'");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("initializer 'w' has 12 bytes"), std::string::npos)
      << a.status().message();

  onnx::TensorProto few = Typed(onnx::TensorProto_DataType_FLOAT, {3});
  few.add_float_data(1);
  EXPECT_FALSE(DecodeTensorProto(few).ok());

  onnx::TensorProto negative = Typed(onnx::TensorProto_DataType_FLOAT, {-2});
  EXPECT_FALSE(DecodeTensorProto(negative).ok());

  onnx::TensorProto huge = Typed(onnx::TensorProto_DataType_FLOAT, {1 << 30, 1 << 30, 1 << 30});
  auto h = DecodeTensorProto(huge);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("2^34"), std::string::npos);
}

TEST(TensorProto, UnsupportedStorageIsUnimplemented) {
  onnx::TensorProto d = Typed(onnx::TensorProto_DataType_DOUBLE, {1});
  d.add_double_data(1.0);
  auto dd = DecodeTensorProto(d);
  ASSERT_FALSE(dd.ok());
  EXPECT_EQ(dd.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(dd.status().message().find("DOUBLE"), std::string::npos);

  onnx::TensorProto ext = Typed(onnx::TensorProto_DataType_FLOAT, {4});
  ext.set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
  auto* entry = ext.add_external_data();
  entry->set_key("location");
  entry->set_value("weights.bin");
  auto e = DecodeTensorProto(ext);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(e.status().message().find("external file"), std::string::npos);
}

TEST(TensorProto, ReadsSerializedFiles) {
  const float v[] = {1, 2, 3};
  const std::string path = ::testing::TempDir() + "/mota_tensor_proto_test.pb";
  {
    std::ofstream out(path, std::ios::binary);
    out << MakeTensorProto("x", DType::kF32, {3}, v).SerializeAsString();
  }
  auto t = ReadTensorProtoFile(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->dtype(), DType::kF32);
  EXPECT_EQ(t->shape(), (Shape{3}));
  EXPECT_EQ(t->as<float>()[2], 3.0f);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "\xff\xff\xff garbage";
  }
  auto bad = ReadTensorProtoFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(path), std::string::npos) << bad.status().message();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace mota::converter
