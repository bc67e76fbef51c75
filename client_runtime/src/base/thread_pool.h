// A small fixed-size thread pool for data-parallel kernels. ParallelFor splits [0, n) into
// contiguous ranges and blocks until all are done; the calling thread takes a share.
// Not re-entrant: kernels must not call ParallelFor from inside a task.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mota {

class ThreadPool {
 public:
  // `threads` counts the caller: 1 means no worker threads.
  explicit ThreadPool(int threads);
  // Runs on someone else's workers (e.g. XNNPACK's pthreadpool), so that a process does not keep
  // two sets of threads that spin against each other on few cores. `run(impl, chunks, task)`
  // must call task(i) for every i in [0, chunks), possibly in parallel, and return when all are
  // done. `impl` must outlive this pool.
  using ExternalRun = void (*)(void* impl, int64_t chunks, const std::function<void(int64_t)>& task);
  ThreadPool(int threads, void* impl, ExternalRun run);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return external_ != nullptr ? external_threads_ : static_cast<int>(workers_.size()) + 1; }
  // Calls fn(begin, end) over disjoint ranges covering [0, n). Ranges are at least `grain` long.
  void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void WorkerLoop(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int64_t, int64_t)>* task_ = nullptr;
  int64_t task_n_ = 0;
  int task_chunks_ = 0;
  int next_chunk_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  void* external_ = nullptr;
  ExternalRun external_run_ = nullptr;
  int external_threads_ = 1;
};

// Runs serially when pool is null.
void ParallelFor(ThreadPool* pool, int64_t n, int64_t grain,
                 const std::function<void(int64_t, int64_t)>& fn);

}  // namespace mota
