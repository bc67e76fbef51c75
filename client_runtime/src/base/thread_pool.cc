#include "base/thread_pool.h"

#include <algorithm>

namespace mota {

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ThreadPool::ThreadPool(int threads, void* impl, ExternalRun run)
    : external_(impl), external_run_(run), external_threads_(threads) {}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::WorkerLoop(int /*index*/) {
  uint64_t seen = 0;
  for (;;) {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    while (next_chunk_ < task_chunks_) {
      const int chunk = next_chunk_++;
      const auto* fn = task_;
      const int64_t begin = task_n_ * chunk / task_chunks_;
      const int64_t end = task_n_ * (chunk + 1) / task_chunks_;
      lock.unlock();
      (*fn)(begin, end);
      lock.lock();
      if (--pending_ == 0) done_.notify_all();
    }
  }
}

void ThreadPool::ParallelFor(int64_t n, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t max_chunks = std::max<int64_t>(1, n / grain);
  const int chunks = static_cast<int>(std::min<int64_t>(threads(), max_chunks));
  if (chunks <= 1 || (workers_.empty() && external_ == nullptr)) {
    fn(0, n);
    return;
  }
  if (external_ != nullptr) {
    external_run_(external_, chunks, [&](int64_t chunk) { fn(n * chunk / chunks, n * (chunk + 1) / chunks); });
    return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  task_ = &fn;
  task_n_ = n;
  task_chunks_ = chunks;
  next_chunk_ = 0;
  pending_ = chunks;
  ++generation_;
  wake_.notify_all();
  while (next_chunk_ < task_chunks_) {
    const int chunk = next_chunk_++;
    const int64_t begin = n * chunk / chunks;
    const int64_t end = n * (chunk + 1) / chunks;
    lock.unlock();
    fn(begin, end);
    lock.lock();
    --pending_;
  }
  done_.wait(lock, [&] { return pending_ == 0; });
  task_ = nullptr;
}

void ParallelFor(ThreadPool* pool, int64_t n, int64_t grain,
                 const std::function<void(int64_t, int64_t)>& fn) {
  if (pool == nullptr) {
    if (n > 0) fn(0, n);
    return;
  }
  pool->ParallelFor(n, grain, fn);
}

}  // namespace mota
