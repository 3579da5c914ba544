// Writes the known cameras on a thread of its own, so that a save (two fsyncs,
// maybe on slow storage) never stalls the core thread. Saves that pile up while
// one is being written merge: only the latest snapshot is written next, and each
// caller whose snapshot it replaced hears that write's result.
//
// Threading: save() and close() from any thread. `done` callbacks go through
// `post` (the daemon: onto the core thread), in the order of the saves.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "daemon/config/state_store.h"

namespace goprod::config {

class StateWriter {
public:
    using Write = std::function<Result<void>(const std::vector<KnownCamera>&)>;
    using Post = std::function<void(std::function<void()>)>;

    StateWriter(Write write, Post post);
    ~StateWriter();  // close()
    StateWriter(const StateWriter&) = delete;
    StateWriter& operator=(const StateWriter&) = delete;

    // Writes `cameras` (or a later snapshot); `done` hears the result.
    void save(std::vector<KnownCamera> cameras, std::function<void(Result<void>)> done = {});
    // Writes the last snapshot if it is not written yet, then stops the thread.
    // A save after close() fails with Unavailable.
    void close();

private:
    void run();

    Write write_;
    Post post_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<std::vector<KnownCamera>> latest_;          // not written yet
    std::vector<std::function<void(Result<void>)>> waiting_;  // for latest_
    bool closing_ = false;
    std::thread thread_;  // last: starts once the rest exists
};

}  // namespace goprod::config
