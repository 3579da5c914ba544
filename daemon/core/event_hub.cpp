#include "daemon/core/event_hub.h"

#include <algorithm>

#include "protocol/text.h"

namespace goprod::core {

Result<std::uint64_t> EventHub::subscribe(EventFilter filter, std::function<void(const Event&)> onEvent,
                                          bool internal) {
    auto subscriber = std::make_shared<Subscriber>(Subscriber{std::move(filter), std::move(onEvent), internal});
    std::lock_guard lock(mutex_);
    if (!internal && subscribers_.size() - internal_ >= maxSubscribers_) {
        return fail(Errc::ResourceExhausted, "too many event subscribers (" + std::to_string(maxSubscribers_) + ")");
    }
    const auto id = next_++;
    if (internal) ++internal_;
    subscribers_.emplace(id, std::move(subscriber));
    count_ = subscribers_.size();
    return id;
}

void EventHub::unsubscribe(std::uint64_t subscription) {
    std::lock_guard lock(mutex_);
    const auto found = subscribers_.find(subscription);
    if (found == subscribers_.end()) return;
    if (found->second->internal) --internal_;
    subscribers_.erase(found);
    count_ = subscribers_.size();
}

std::size_t EventHub::size() const {
    std::lock_guard lock(mutex_);
    return subscribers_.size() - internal_;
}

void EventHub::setLimit(std::size_t maxSubscribers) {
    std::lock_guard lock(mutex_);
    maxSubscribers_ = maxSubscribers;
}

bool EventHub::Subscriber::matches(Event::Kind kind, const std::string& identifier, const std::string& address) const {
    if (!filter.kinds.empty() && std::find(filter.kinds.begin(), filter.kinds.end(), kind) == filter.kinds.end())
        return false;
    if (filter.cameras.empty()) return true;
    return std::any_of(filter.cameras.begin(), filter.cameras.end(), [&](const std::string& selector) {
        return selector == identifier || protocol::sameIgnoringCase(selector, address);
    });
}

bool EventHub::wants(Event::Kind kind, const std::string& identifier, const std::string& address) const {
    if (count_ == 0) return false;
    std::lock_guard lock(mutex_);
    return std::any_of(subscribers_.begin(), subscribers_.end(),
                       [&](const auto& entry) { return entry.second->matches(kind, identifier, address); });
}

void EventHub::publish(const Event& event) {
    if (count_ == 0) return;
    // Call subscribers outside the lock: a subscriber may unsubscribe from its
    // callback (a stream that ends as it is written to). One that unsubscribes
    // meanwhile may still get this event; its callback owns what it touches.
    std::vector<std::shared_ptr<Subscriber>> targets;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, subscriber] : subscribers_) {
            if (subscriber->matches(event.kind, event.camera.identifier, event.camera.address)) {
                targets.push_back(subscriber);
            }
        }
    }
    for (const auto& subscriber : targets) subscriber->onEvent(event);
}

}  // namespace goprod::core
