#include "daemon/config/state_writer.h"

#include <utility>

namespace goprod::config {

StateWriter::StateWriter(Write write, Post post)
    : write_(std::move(write)), post_(std::move(post)), thread_([this] { run(); }) {}

StateWriter::~StateWriter() { close(); }

void StateWriter::save(std::vector<KnownCamera> cameras, std::function<void(Result<void>)> done) {
    {
        std::lock_guard lock(mutex_);
        if (!closing_) {
            latest_ = std::move(cameras);
            if (done) waiting_.push_back(std::move(done));
            wake_.notify_one();
            return;
        }
    }
    if (done) post_([done = std::move(done)] { done(core::fail(core::Errc::Unavailable, "goprod is stopping")); });
}

void StateWriter::close() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
        wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

void StateWriter::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return latest_ || closing_; });
        if (!latest_) return;  // closing, and everything is written
        auto snapshot = std::move(*latest_);
        latest_.reset();
        auto callers = std::move(waiting_);
        waiting_.clear();
        lock.unlock();
        const auto result = write_(snapshot);
        for (auto& done : callers) post_([done = std::move(done), result] { done(result); });
        lock.lock();
    }
}

}  // namespace goprod::config
