#include "exec/npy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

namespace mota::exec {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Exactly what numpy 1.24 `np.save` writes for np.arange(6, dtype=np.float32).reshape(2, 3).
const std::string kNumpyF32x2x3(
    "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
    "                                                          \x0a"
    "\x00\x00\x00\x00\x00\x00\x80?\x00\x00\x00@\x00\x00@@\x00\x00\x80@\x00\x00\xa0@",
    152);
// np.array([True, False, True]).
const std::string kNumpyBool3(
    "\x93NUMPY\x01\x00v\x00{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }"
    "                                                            \x0a\x01\x00\x01",
    131);
// np.array(7, dtype=np.int64): a scalar, shape ().
const std::string kNumpyI64Scalar(
    "\x93NUMPY\x01\x00v\x00{'descr': '<i8', 'fortran_order': False, 'shape': (), }"
    "                                                              \x0a\x07\x00\x00\x00\x00\x00"
    "\x00\x00",
    136);

// A v1 file with `header` (padding added here) followed by `data_bytes` zero bytes.
std::string MakeNpy(const std::string& header, size_t data_bytes) {
  std::string h = header;
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  return out + h + std::string(data_bytes, '\0');
}

TEST(Npy, ReadsWhatNumpyWrites) {
  auto t = ParseNpy(Bytes(kNumpyF32x2x3));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->dtype(), DType::kF32);
  EXPECT_EQ(t->shape(), (Shape{2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t->as<float>()[i], static_cast<float>(i));

  auto b = ParseNpy(Bytes(kNumpyBool3));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->dtype(), DType::kBool);
  EXPECT_EQ(b->shape(), (Shape{3}));
  EXPECT_EQ(b->data()[0], 1);
  EXPECT_EQ(b->data()[1], 0);

  auto s = ParseNpy(Bytes(kNumpyI64Scalar));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->shape(), Shape{});
  EXPECT_EQ(s->as<int64_t>()[0], 7);
}

TEST(Npy, WritesByteIdenticalToNumpy) {
  auto t = ParseNpy(Bytes(kNumpyF32x2x3));
  ASSERT_TRUE(t.ok());
  auto bytes = SerializeNpy(t->view());
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(std::string(bytes->begin(), bytes->end()), kNumpyF32x2x3);
  auto b = ParseNpy(Bytes(kNumpyBool3));
  auto bb = SerializeNpy(b->view());
  EXPECT_EQ(std::string(bb->begin(), bb->end()), kNumpyBool3);
  auto s = ParseNpy(Bytes(kNumpyI64Scalar));
  auto sb = SerializeNpy(s->view());
  EXPECT_EQ(std::string(sb->begin(), sb->end()), kNumpyI64Scalar);
}

TEST(Npy, RoundTripsEveryDtypeThroughAFile) {
  const std::string path = (std::filesystem::temp_directory_path() / "mota_npy_test.npy").string();
  for (DType dtype :
       {DType::kF32, DType::kF16, DType::kI8, DType::kU8, DType::kI32, DType::kI64, DType::kBool}) {
    HostTensor t = HostTensor::Allocate(dtype, {3, 1, 5});
    for (size_t i = 0; i < t.nbytes(); ++i) t.data()[i] = static_cast<uint8_t>(i * 7 + 1);
    if (dtype == DType::kBool) {
      for (size_t i = 0; i < t.nbytes(); ++i) t.data()[i] &= 1;
    }
    ASSERT_TRUE(WriteNpy(path, t.view()).ok()) << DTypeName(dtype);
    auto back = ReadNpy(path);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->dtype(), dtype);
    EXPECT_EQ(back->shape(), t.shape());
    ASSERT_EQ(back->nbytes(), t.nbytes());
    EXPECT_EQ(std::memcmp(back->data(), t.data(), t.nbytes()), 0) << DTypeName(dtype);
  }
  std::filesystem::remove(path);
}

TEST(Npy, EmptyTensorRoundTrips) {
  HostTensor t = HostTensor::Allocate(DType::kF16, {0, 4});
  auto bytes = SerializeNpy(t.view());
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size() % 64, 0u);
  auto back = ParseNpy(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->shape(), (Shape{0, 4}));
}

TEST(Npy, Version2HeaderIsRead) {
  std::string v2("\x93NUMPY\x02\x00t\x00\x00\x00", 12);
  std::string header = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
  while ((12 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  v2[8] = static_cast<char>(header.size());
  v2 += header + std::string("\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00", 12);
  auto t = ParseNpy(Bytes(v2));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->as<int32_t>()[2], 3);
}

// Each malformed input must fail with a message that says what was wrong.
struct BadCase {
  const char* name;
  std::string bytes;
  const char* expected_text;
};

TEST(Npy, MalformedFilesAreRejectedWithAReason) {
  const std::string ok_header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const std::vector<BadCase> cases = {
      {"empty", "", "not a .npy file"},
      {"bad_magic", std::string("\x93NUMPX\x01\x00\x10\x00", 10), "not a .npy file"},
      {"version_9", std::string("\x93NUMPY\x09\x00\x10\x00", 10), "version 9.0"},
      {"header_past_end", std::string("\x93NUMPY\x01\x00\xff\x7f{", 11), "header claims"},
      {"fortran_order", MakeNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8),
       "Fortran order"},
      {"float64", MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16),
       "astype(np.float32)"},
      {"big_endian", MakeNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8),
       "big-endian"},
      {"structured",
       MakeNpy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8),
       "structured"},
      {"missing_shape", MakeNpy("{'descr': '<f4', 'fortran_order': False, }", 4), "lacks"},
      {"unknown_key", MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8),
       "unknown key 'x'"},
      {"negative_dim", MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8),
       "non-negative"},
      {"unterminated", MakeNpy("{'descr': '<f4", 0), "unterminated"},
      {"truncated_data", MakeNpy(ok_header, 7), "has 7 bytes, expected 8"},
      {"extra_data", MakeNpy(ok_header, 9), "has 9 bytes, expected 8"},
      {"huge_shape",
       MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }",
               8),
       "too large"},
      {"dim_overflow",
       MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8),
       "too large"},
      {"trailing_text", MakeNpy(ok_header + " junk", 8), "after the closing"},
  };
  for (const BadCase& c : cases) {
    auto t = ParseNpy(Bytes(c.bytes), "bad.npy");
    ASSERT_FALSE(t.ok()) << c.name;
    EXPECT_NE(t.status().message().find(c.expected_text), std::string::npos)
        << c.name << ": " << t.status().message();
    EXPECT_NE(t.status().message().find("bad.npy"), std::string::npos) << c.name;
  }
}

TEST(Npy, EveryTruncationOfAValidFileFailsCleanly) {
  for (size_t n = 0; n < kNumpyF32x2x3.size(); ++n) {
    auto t = ParseNpy(Bytes(kNumpyF32x2x3.substr(0, n)));
    EXPECT_FALSE(t.ok()) << n;
  }
}

TEST(Npy, MissingFileNamesThePath) {
  auto t = ReadNpy("/nonexistent/dir/x.npy");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("/nonexistent/dir/x.npy"), std::string::npos);
}

}  // namespace
}  // namespace mota::exec
