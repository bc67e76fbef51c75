#include "exec/npy.h"

#include <cstring>
#include <limits>
#include <map>
#include <optional>

#include "base/file.h"

namespace mota::exec {
namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
// numpy itself refuses more than 64 dims; we never need that many.
constexpr size_t kMaxRank = 32;
// numpy leaves room after the shape so a file can grow along axis 0 in place; reproducing it
// makes our files byte-identical to numpy.save's (format.py GROWTH_AXIS_MAX_DIGITS).
constexpr size_t kGrowthAxisMaxDigits = 21;

struct DescrEntry {
  const char* descr;
  DType dtype;
};

// Every accepted spelling. 1-byte types have no byte order, so any order character is fine.
constexpr DescrEntry kDescrs[] = {
    {"<f4", DType::kF32},  {"<f2", DType::kF16},  {"|i1", DType::kI8},  {"<i1", DType::kI8},
    {"|u1", DType::kU8},   {"<u1", DType::kU8},   {"<i4", DType::kI32}, {"<i8", DType::kI64},
    {"|b1", DType::kBool}, {"<b1", DType::kBool}, {"|?", DType::kBool}};

// A hint for types numpy users commonly end up with by accident.
std::string DescrHint(const std::string& descr) {
  if (descr.size() >= 2 && descr[0] == '>') {
    return "big-endian data is not supported: save with arr.astype(arr.dtype.newbyteorder('<'))";
  }
  if (descr == "<f8") return "float64 is not supported: save with arr.astype(np.float32)";
  if (descr == "|O") return "object arrays are not supported";
  return "supported: <f4 <f2 |i1 |u1 <i4 <i8 |b1";
}

// The parsed header dictionary: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }.
struct Header {
  std::optional<std::string> descr;
  std::optional<bool> fortran_order;
  std::optional<Shape> shape;
};

// A small parser for the Python literal numpy writes. Only the forms a valid header uses are
// accepted; anything else is reported with its offset in the header.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Result<Header> Parse() {
    Header header;
    SkipSpace();
    if (!Consume('{')) return Error("expected '{' at the start of the header");
    for (;;) {
      SkipSpace();
      if (Consume('}')) break;
      MOTA_RETURN_IF_ERROR(ParseEntry(header));
      SkipSpace();
      if (!Consume(',') && Peek() != '}') return Error("expected ',' or '}' after a value");
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the closing '}'");
    if (!header.descr || !header.fortran_order || !header.shape) {
      return InvalidArgument(source_,
                             ": npy header lacks one of 'descr', 'fortran_order', "
                             "'shape' (header: ",
                             text_, ")");
    }
    return header;
  }

 private:
  Status ParseEntry(Header& header) {
    MOTA_ASSIGN_OR_RETURN(std::string key, ParseString());
    SkipSpace();
    if (!Consume(':')) return Error("expected ':' after key '" + key + "'");
    SkipSpace();
    if (key == "descr") {
      if (Peek() == '[') return Error("structured dtypes (a descr list) are not supported");
      MOTA_ASSIGN_OR_RETURN(header.descr, ParseString());
    } else if (key == "fortran_order") {
      MOTA_ASSIGN_OR_RETURN(header.fortran_order, ParseBool());
    } else if (key == "shape") {
      MOTA_ASSIGN_OR_RETURN(header.shape, ParseShape());
    } else {
      return Error("unknown key '" + key + "' (expected descr, fortran_order, shape)");
    }
    return Status::Ok();
  }

  Result<std::string> ParseString() {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') return Error("expected a quoted string");
    ++pos_;
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return Error("unterminated string");
    std::string value(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return value;
  }

  Result<bool> ParseBool() {
    if (text_.substr(pos_).starts_with("True")) {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_).starts_with("False")) {
      pos_ += 5;
      return false;
    }
    return Error("expected True or False");
  }

  Result<Shape> ParseShape() {
    if (!Consume('(')) return Error("expected '(' to start the shape tuple");
    Shape shape;
    for (;;) {
      SkipSpace();
      if (Consume(')')) break;
      if (shape.size() == kMaxRank) return Error("shape has more than 32 dims");
      MOTA_ASSIGN_OR_RETURN(int64_t dim, ParseDim());
      shape.push_back(dim);
      SkipSpace();
      if (!Consume(',') && Peek() != ')') return Error("expected ',' or ')' in the shape");
    }
    return shape;
  }

  Result<int64_t> ParseDim() {
    const size_t start = pos_;
    int64_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const int digit = text_[pos_] - '0';
      if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) {
        return Error("shape dimension is too large");
      }
      value = value * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) return Error("expected a non-negative integer dimension");
    Consume('L');  // Python 2 long literal, as old numpy wrote it
    return value;
  }

  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\t' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  Status Error(const std::string& what) const {
    return InvalidArgument(source_, ": malformed npy header at offset ", pos_, ": ", what,
                           " (header: ", text_, ")");
  }

  std::string_view text_;
  std::string_view source_;
  size_t pos_ = 0;
};

uint32_t ReadLe(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Splits the preamble: returns the header text and the offset where the data starts.
Result<std::pair<std::string_view, size_t>> SplitPreamble(std::span<const uint8_t> bytes,
                                                          std::string_view source) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return InvalidArgument(source, ": not a .npy file (expected the magic \\x93NUMPY, file has ",
                           bytes.size(), " bytes)");
  }
  const int major = bytes[6];
  if (major < 1 || major > 3) {
    return InvalidArgument(source, ": npy format version ", major, ".", int{bytes[7]},
                           " is not supported (expected 1.0, 2.0 or 3.0)");
  }
  const size_t len_bytes = major == 1 ? 2 : 4;
  const size_t header_start = 8 + len_bytes;
  if (bytes.size() < header_start) {
    return DataLoss(source, ": npy file is truncated inside its preamble");
  }
  const size_t header_len = ReadLe(bytes.data() + 8, static_cast<int>(len_bytes));
  if (header_len > bytes.size() - header_start) {
    return DataLoss(source, ": npy header claims ", header_len, " bytes but only ",
                    bytes.size() - header_start, " follow the preamble");
  }
  std::string_view header(reinterpret_cast<const char*>(bytes.data() + header_start), header_len);
  return std::make_pair(header, header_start + header_len);
}

Result<DType> DTypeFromDescr(const std::string& descr, std::string_view source) {
  for (const DescrEntry& e : kDescrs) {
    if (descr == e.descr) return e.dtype;
  }
  return InvalidArgument(source, ": npy dtype '", descr, "' is not supported (", DescrHint(descr),
                         ")");
}

std::string ShapeLiteral(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// The header numpy.save writes for this tensor, padding and newline included.
std::string BuildHeader(DType dtype, const Shape& shape, size_t preamble_bytes) {
  std::string header = "{'descr': '" + NpyDescr(dtype) +
                       "', 'fortran_order': False, 'shape': " + ShapeLiteral(shape) + ", }";
  if (!shape.empty()) {
    header.append(kGrowthAxisMaxDigits - std::to_string(shape[0]).size(), ' ');
  }
  const size_t unpadded = preamble_bytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  return header + "\n";
}

}  // namespace

std::string NpyDescr(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "<f4";
    case DType::kF16:
      return "<f2";
    case DType::kI8:
      return "|i1";
    case DType::kU8:
      return "|u1";
    case DType::kI32:
      return "<i4";
    case DType::kI64:
      return "<i8";
    case DType::kBool:
      return "|b1";
    case DType::kUndefined:
      break;
  }
  return "";
}

Result<HostTensor> ParseNpy(std::span<const uint8_t> bytes, std::string_view source) {
  MOTA_ASSIGN_OR_RETURN(auto split, SplitPreamble(bytes, source));
  const auto [header_text, data_offset] = split;
  MOTA_ASSIGN_OR_RETURN(Header header, HeaderParser(header_text, source).Parse());
  MOTA_ASSIGN_OR_RETURN(DType dtype, DTypeFromDescr(*header.descr, source));
  if (*header.fortran_order) {
    return InvalidArgument(source,
                           ": npy data is in Fortran order; only C order is supported "
                           "(save np.ascontiguousarray(arr))");
  }
  const Shape& shape = *header.shape;
  const int64_t count = NumElements(shape);
  const size_t elem = DTypeSize(dtype);
  if (count < 0 || static_cast<uint64_t>(count) > std::numeric_limits<size_t>::max() / elem) {
    return InvalidArgument(source, ": npy shape ", ShapeToString(shape), " is too large");
  }
  const size_t expected = static_cast<size_t>(count) * elem;
  const size_t available = bytes.size() - data_offset;
  if (available != expected) {
    return DataLoss(source, ": npy data has ", available, " bytes, expected ", expected, " for ",
                    DTypeName(dtype), " ", ShapeToString(shape));
  }
  HostTensor tensor = HostTensor::Allocate(dtype, shape);
  if (tensor.dtype() == DType::kUndefined) {
    return OutOfMemory(source, ": cannot allocate ", expected, " bytes for the npy data");
  }
  if (expected > 0) std::memcpy(tensor.data(), bytes.data() + data_offset, expected);
  if (dtype == DType::kBool) {
    // numpy only writes 0/1; normalise anything else so kernels can rely on it.
    for (size_t i = 0; i < expected; ++i) tensor.data()[i] = tensor.data()[i] != 0;
  }
  return tensor;
}

Result<HostTensor> ReadNpy(const std::string& path) {
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> file, MappedFile::Open(path));
  return ParseNpy(file->bytes(), path);
}

Result<std::vector<uint8_t>> SerializeNpy(const TensorView& tensor) {
  const std::string descr = NpyDescr(tensor.dtype);
  if (descr.empty()) return InvalidArgument("cannot write an npy file for dtype undefined");
  const int64_t count = tensor.numel();
  if (count < 0)
    return InvalidArgument("cannot write npy: invalid shape ", ShapeToString(tensor.shape));
  if (count > 0 && tensor.data == nullptr) {
    return InvalidArgument("cannot write npy: tensor ", ShapeToString(tensor.shape),
                           " has no data");
  }
  std::string header = BuildHeader(tensor.dtype, tensor.shape, 10);
  int major = 1;
  if (header.size() > std::numeric_limits<uint16_t>::max()) {
    major = 2;
    header = BuildHeader(tensor.dtype, tensor.shape, 12);
  }
  std::vector<uint8_t> out(kMagic, kMagic + sizeof(kMagic));
  out.push_back(static_cast<uint8_t>(major));
  out.push_back(0);
  const size_t len_bytes = major == 1 ? 2 : 4;
  for (size_t i = 0; i < len_bytes; ++i)
    out.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  const uint8_t* data = static_cast<const uint8_t*>(tensor.data);
  out.insert(out.end(), data, data + tensor.nbytes());
  return out;
}

Status WriteNpy(const std::string& path, const TensorView& tensor) {
  Result<std::vector<uint8_t>> bytes = SerializeNpy(tensor);
  if (!bytes.ok()) return bytes.status().WithContext(path);
  return WriteFileAtomic(path, std::span<const uint8_t>(*bytes));
}

}  // namespace mota::exec
