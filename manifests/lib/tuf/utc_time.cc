// "YYYY-MM-DDTHH:MM:SSZ" <-> Unix seconds (declared in metadata.h). Civil-date arithmetic from
// Howard Hinnant's days_from_civil, so no timegm()/TZ dependence on the device.
#include <cstdio>

#include "manifests/lib/tuf/metadata.h"

namespace mota::tuf {
namespace {

int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int64_t* m, int64_t* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yoe + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Reads `n` decimal digits at `pos`.
bool Digits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  *out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    *out = *out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

Result<int64_t> ParseUtcTime(std::string_view text) {
  static constexpr char kShape[] = "YYYY-MM-DDTHH:MM:SSZ";
  auto bad = [&] { return Invalid("\"", text, "\" is not a UTC time of the form ", kShape); };
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return bad();
  }
  int64_t y, mo, d, h, mi, s;
  if (!Digits(text, 0, 4, &y) || !Digits(text, 5, 2, &mo) || !Digits(text, 8, 2, &d) ||
      !Digits(text, 11, 2, &h) || !Digits(text, 14, 2, &mi) || !Digits(text, 17, 2, &s)) {
    return bad();
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
      d > kDays[mo - 1] + (mo == 2 && IsLeap(y) ? 1 : 0) || h > 23 || mi > 59 || s > 59) {
    return Invalid("\"", text, "\" is not a valid date and time (", kShape, ", year >= 1970)");
  }
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

std::string FormatUtcTime(int64_t unix_seconds) {
  if (unix_seconds < 0) unix_seconds = 0;
  int64_t y, m, d;
  CivilFromDays(unix_seconds / 86400, &y, &m, &d);
  const int64_t rem = unix_seconds % 86400;
  char buf[128];  // room for any int64 fields, which the compiler cannot rule out
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60));
  return buf;
}

}  // namespace mota::tuf
