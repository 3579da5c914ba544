// The event hub: who subscribed to which events (GetEvents streams), and
// publish(), which hands an event to the subscribers whose filter it matches.
// subscribe(), unsubscribe() and size() may be called from any thread (a mutex
// guards the subscribers); wants() and publish() run on the core thread, and
// subscribers are called there, outside the mutex.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/core/control.h"

namespace goprod::core {

class EventHub {
public:
    explicit EventHub(std::size_t maxSubscribers) : maxSubscribers_(maxSubscribers) {}
    EventHub(const EventHub&) = delete;
    EventHub& operator=(const EventHub&) = delete;

    // ResourceExhausted beyond the limit. An `internal` subscriber (goprod's own)
    // is neither limited nor counted by size().
    Result<std::uint64_t> subscribe(EventFilter filter, std::function<void(const Event&)> onEvent,
                                    bool internal = false);
    void unsubscribe(std::uint64_t subscription);
    std::size_t size() const;
    void setLimit(std::size_t maxSubscribers);

    // Whether a subscriber listens for `kind` from this camera: build the event
    // only then. Without subscribers it takes no lock.
    bool wants(Event::Kind kind, const std::string& identifier, const std::string& address) const;
    void publish(const Event& event);

private:
    struct Subscriber {
        EventFilter filter;
        std::function<void(const Event&)> onEvent;
        bool internal = false;
        bool matches(Event::Kind kind, const std::string& identifier, const std::string& address) const;
    };

    mutable std::mutex mutex_;
    std::map<std::uint64_t, std::shared_ptr<Subscriber>> subscribers_;
    std::atomic<std::size_t> count_{0};  // subscribers_.size(), read without the lock
    std::size_t internal_ = 0;           // of them, goprod's own
    std::size_t maxSubscribers_;
    std::uint64_t next_ = 1;
};

}  // namespace goprod::core
