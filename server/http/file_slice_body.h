// A Beast body that streams a slice of an opened file with pread, one chunk at a time, so a
// response never holds a whole blob in memory. Internal to server/http.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include "server/http/message.h"

namespace mota::server::http::internal {

// 256 KiB: large enough that a 1 MiB range is 4 reads and writes, small enough that 512 busy
// connections hold 128 MiB at most.
inline constexpr size_t kFileChunkBytes = 256 * 1024;

struct FileSliceBody {
  using value_type = std::shared_ptr<FileSlice>;

  static std::uint64_t size(const value_type& body) { return body ? body->length : 0; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& body)
        : body_(body) {}

    void init(boost::beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      uint64_t remain = body_->length - sent_;
      if (remain == 0) return boost::none;
      size_t want = static_cast<size_t>(std::min<uint64_t>(remain, kFileChunkBytes));
      if (!buffer_) buffer_.reset(new char[std::min<uint64_t>(body_->length, kFileChunkBytes)]);
      ssize_t got;
      do {
        got = ::pread(body_->file->fd(), buffer_.get(), want,
                      static_cast<off_t>(body_->offset + sent_));
      } while (got < 0 && errno == EINTR);
      if (got <= 0) {
        // The file shrank under us (it must not: served files are immutable) or the read
        // failed: end the response with an error, which closes the connection.
        ec = got < 0 ? boost::beast::error_code(errno, boost::system::generic_category())
                     : boost::beast::error_code(boost::system::errc::io_error,
                                                boost::system::generic_category());
        return boost::none;
      }
      sent_ += static_cast<uint64_t>(got);
      return {{const_buffers_type(buffer_.get(), static_cast<size_t>(got)),
               sent_ < body_->length}};
    }

   private:
    const value_type& body_;
    uint64_t sent_ = 0;
    std::unique_ptr<char[]> buffer_;
  };
};

}  // namespace mota::server::http::internal
