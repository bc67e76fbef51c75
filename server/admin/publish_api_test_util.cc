// The repository fixtures (keys, a served repository, chunks, publish requests) are shared with
// server/repository's tests; compiled into this test binary too.
#include "server/repository/publish_test_util.cc"  // NOLINT(build/include)
