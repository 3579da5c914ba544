#include "daemon/core/request_queue.h"

#include <algorithm>
#include <string>

namespace goprod::core {

RequestQueue::RequestQueue(Executor& executor, RequestLink& link, QueueLimits limits)
    : executor_(executor), link_(link), limits_(limits) {}

RequestQueue::~RequestQueue() {
    failAll(Error{Errc::Unavailable, "the camera's queue was closed", {}});
    *alive_ = false;
}

bool RequestQueue::waitsUntilIdle(const protocol::Request& request) {
    return request.characteristic != protocol::Characteristic::QueryRequest &&
           request.kind != protocol::RequestKind::ShutterOff;
}

RequestQueue::Ticket RequestQueue::submit(protocol::Request request, RequestOptions options, Done done) {
    const Ticket ticket = nextTicket_++;
    if (depth() >= limits_.maxDepth) {
        executor_.post([done = std::move(done), max = limits_.maxDepth] {
            done(fail(Errc::ResourceExhausted, "the camera's queue is full (" + std::to_string(max) + " requests)"));
        });
        return ticket;
    }
    Item item;
    item.ticket = ticket;
    item.waitUntilIdle = options.waitUntilIdle.value_or(waitsUntilIdle(request));
    item.request = std::move(request);
    item.options = options;
    item.done = std::move(done);
    item.deadlineTimer = executor_.at(options.deadline, [this, alive = alive_, ticket] {
        if (*alive) expire(ticket);
    });
    if (options.sendAt) {
        item.sendTimer = executor_.atWall(*options.sendAt, [this, alive = alive_] {
            if (*alive) pump();
        });
    }
    // Higher priorities go first; FIFO within a priority.
    const auto position = std::find_if(queue_.begin(), queue_.end(), [&options](const Item& queued) {
        return queued.options.priority > options.priority;
    });
    queue_.insert(position, std::move(item));
    pump();
    return ticket;
}

bool RequestQueue::cancel(Ticket ticket) {
    if (inFlight_ && inFlight_->ticket == ticket) {
        abandonInFlight(fail(Errc::Cancelled, "cancelled by the caller"));
        return true;
    }
    const auto it = std::find_if(queue_.begin(), queue_.end(), [ticket](const Item& i) { return i.ticket == ticket; });
    if (it == queue_.end()) return false;
    Item item = std::move(*it);
    queue_.erase(it);
    finish(item, fail(Errc::Cancelled, "cancelled by the caller"));
    pump();
    return true;
}

void RequestQueue::linkUp() {
    linkUp_ = true;
    pump();
}

void RequestQueue::linkDown() {
    linkUp_ = false;
    sendingTicket_ = 0;  // the link's pending writes died with it
    // Answers to the old link can no longer arrive.
    for (const auto& stale : stale_) executor_.cancel(stale.expiry);
    stale_.clear();
    if (inFlight_) {
        Item item = std::move(*inFlight_);
        inFlight_.reset();
        // Never re-sent: the camera may have acted on it (a shutter, say).
        finish(item, fail(Errc::Unavailable, "the link to the camera dropped while the request was in flight"));
    }
}

void RequestQueue::setBusy(bool busy) {
    busy_ = busy;
    if (!busy_) pump();
}

void RequestQueue::onMessage(protocol::Characteristic from, protocol::Bytes message) {
    const protocol::Classified kind = protocol::classify(from, message);
    Answer answer{from, std::move(message), {}, executor_.now()};
    if (inFlight_ && protocol::completes(inFlight_->request.expects, kind)) {
        answer.sentAt = inFlight_->sentAt;
        answer.writtenAt = inFlight_->writtenAt;  // unset when the answer came before BlueZ's reply
        Item item = std::move(*inFlight_);
        inFlight_.reset();
        link_.answered(item.request, answer.message);
        finish(item, std::move(answer));
        pump();
        return;
    }
    for (std::size_t i = 0; i < stale_.size(); ++i) {
        if (protocol::completes(stale_[i].key, kind)) {
            dropStale(i);  // the late answer of an abandoned request: nobody waits for it
            pump();
            return;
        }
    }
    if (unsolicited_) unsolicited_(answer, kind);
}

void RequestQueue::failAll(const Error& error) {
    if (inFlight_) {
        Item item = std::move(*inFlight_);
        inFlight_.reset();
        finish(item, Unexpected{error});
    }
    while (!queue_.empty()) {
        Item item = std::move(queue_.front());
        queue_.pop_front();
        finish(item, Unexpected{error});
    }
    for (const auto& stale : stale_) executor_.cancel(stale.expiry);
    stale_.clear();
}

void RequestQueue::pump() {
    if (!linkUp_ || inFlight_ || sendingTicket_ != 0) return;
    const auto index = nextSendable();
    if (!index) return;
    inFlight_ = std::move(queue_[*index]);
    queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(*index));
    const Ticket ticket = inFlight_->ticket;
    sendingTicket_ = ticket;
    inFlight_->sentAt =
        link_.send(inFlight_->request, [this, alive = alive_, ticket](Result<Executor::Clock::time_point> sent) {
            if (*alive) onSent(ticket, sent);
        });
}

void RequestQueue::onSent(Ticket ticket, const Result<Executor::Clock::time_point>& sent) {
    if (ticket != sendingTicket_) return;  // a write of a link that is gone
    sendingTicket_ = 0;
    if (inFlight_ && inFlight_->ticket == ticket) {
        if (!sent) {
            Item item = std::move(*inFlight_);
            inFlight_.reset();
            finish(item, Unexpected{sent.error()});
        } else {
            inFlight_->sent = true;
            inFlight_->writtenAt = *sent;
        }
    }
    pump();
}

std::optional<std::size_t> RequestQueue::nextSendable() {
    // A request whose deadline has passed is never sent: its caller has been (or is
    // about to be) told it failed, and the camera must not act on it after that.
    for (std::size_t i = 0; i < queue_.size();) {
        if (queue_[i].options.deadline <= executor_.now()) {
            Item item = std::move(queue_[i]);
            queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(i));
            finish(item, fail(Errc::DeadlineExceeded, "the deadline passed before the request could be sent"));
        } else {
            ++i;
        }
    }
    // issue 17: a planned request whose instant has come goes first; one whose instant
    // is near keeps the link free until then.
    const auto now = executor_.wallNow();
    bool holding = false;
    for (std::size_t i = 0; i < queue_.size(); ++i) {
        const auto& at = queue_[i].options.sendAt;
        if (!at) continue;
        if (*at <= now && sendable(queue_[i])) return i;
        holding = holding || *at - limits_.holdBack <= now;
    }
    if (holding) return std::nullopt;
    for (std::size_t i = 0; i < queue_.size(); ++i) {
        const Item& item = queue_[i];
        if (item.options.sendAt) continue;          // not its instant yet
        if (busy_ && item.waitUntilIdle) continue;  // queries and shutter off overtake it
        if (heldBack(item.request.expects)) return std::nullopt;  // never reorder around a held-back request
        return i;
    }
    return std::nullopt;
}

bool RequestQueue::sendable(const Item& item) const {
    return !(busy_ && item.waitUntilIdle) && !heldBack(item.request.expects);
}

bool RequestQueue::heldBack(const protocol::ResponseKey& key) const {
    return std::any_of(stale_.begin(), stale_.end(),
                       [&key](const Stale& stale) { return protocol::mayShareAnswer(stale.key, key); });
}

void RequestQueue::finish(Item& item, Result<Answer> result) {
    executor_.cancel(item.deadlineTimer);
    executor_.cancel(item.sendTimer);
    executor_.post([done = std::move(item.done), result = std::move(result)]() mutable { done(std::move(result)); });
}

void RequestQueue::abandonInFlight(Result<Answer> result) {
    Item item = std::move(*inFlight_);
    inFlight_.reset();
    // Its answer may still come: hold back requests that the answer could complete.
    const auto key = item.request.expects;
    Stale stale{key, 0};
    stale.expiry = executor_.at(executor_.now() + limits_.staleGrace, [this, alive = alive_, key] {
        if (!*alive) return;
        const auto it = std::find_if(stale_.begin(), stale_.end(), [&key](const Stale& s) { return s.key == key; });
        if (it != stale_.end()) stale_.erase(it);
        pump();
    });
    stale_.push_back(stale);
    finish(item, std::move(result));
    pump();
}

void RequestQueue::expire(Ticket ticket) {
    if (inFlight_ && inFlight_->ticket == ticket) {
        abandonInFlight(fail(Errc::DeadlineExceeded, "the camera did not answer before the deadline"));
        return;
    }
    const auto it = std::find_if(queue_.begin(), queue_.end(), [ticket](const Item& i) { return i.ticket == ticket; });
    if (it == queue_.end()) return;
    Item item = std::move(*it);
    queue_.erase(it);
    item.deadlineTimer = 0;
    finish(item, fail(Errc::DeadlineExceeded,
                      linkUp_ ? "the deadline passed while the request waited in the camera's queue"
                              : "the deadline passed while the camera was not connected"));
    pump();
}

void RequestQueue::dropStale(std::size_t index) {
    executor_.cancel(stale_[index].expiry);
    stale_.erase(stale_.begin() + static_cast<std::ptrdiff_t>(index));
}

}  // namespace goprod::core
