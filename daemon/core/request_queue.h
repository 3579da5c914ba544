// One camera's request queue: every operation on a camera goes through it.
// One request in flight, its answer matched by the protocol's rule
// (protocol::completes), deadlines, cancellation and bounded depth.
// Core thread only: every method, and every callback, runs there.
//
// Rules (see HACKING.md, "The request queue"):
// - FIFO. Only queries (and shutter off) may overtake requests that wait for the
//   camera to stop being busy (status 8); normal requests go before low-priority
//   ones (keep-alive).
// - A request whose deadline passes fails with DeadlineExceeded, queued or in
//   flight, and a request past its deadline is never sent. An abandoned request's
//   answer may still come: until it does (or `staleGrace` passes) no request that
//   answer could complete is sent (same response key; for protobuf, same feature,
//   since "unsupported" replies carry only the feature), so a late answer is
//   dropped and never completes a newer request.
// - Beyond `maxDepth` requests (queued + in flight) a submit fails at once with
//   ResourceExhausted.
// - Link down: the request in flight fails at once with Unavailable (nothing is
//   re-sent: the camera may have acted on it); queued requests wait for the link
//   to come back, within their deadlines. Answers of the old link cannot arrive,
//   so nothing stays held back across a link drop.
// - Destroying the queue fails what it still holds with Unavailable.
// - Messages that complete nothing go to the unsolicited handler: status and
//   setting pushes, notifications, and answers nobody waits for.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "daemon/core/error.h"
#include "daemon/core/executor.h"
#include "protocol/matching.h"

namespace goprod::core {

// What the queue needs from the BLE side: send one request message (framed
// into packets and written in order with write-with-response), then report
// once whether every packet was accepted, and when BlueZ answered the last
// write. Returns when the WriteValue call of its first packet was issued
// (unset when nothing could be written); `sent` never runs inside send().
class RequestLink {
public:
    using Time = Executor::Clock::time_point;
    virtual ~RequestLink() = default;
    virtual Time send(const protocol::Request& request, std::function<void(Result<Time>)> sent) = 0;
    // An answer completed `request`: called at once, in the order messages arrive
    // (its `done` runs later, from the executor, maybe after the link dropped).
    virtual void answered(const protocol::Request& /*request*/, const protocol::Bytes& /*message*/) {}
};

struct Answer {
    protocol::Characteristic from = protocol::Characteristic::CommandResponse;
    protocol::Bytes message;  // reassembled
    // On the executor's clock: when the WriteValue of the request's first packet was
    // issued, when BlueZ accepted its last packet, and when the answer arrived (the
    // start skew between cameras comes from these).
    Executor::Clock::time_point sentAt{};
    Executor::Clock::time_point answeredAt{};
    Executor::Clock::time_point writtenAt{};
};

// Highest first. Session: the requests that set up a (re)connected camera, so
// that requests queued during the outage run on an initialized session.
enum class Priority : std::uint8_t { Session, Normal, Low };

struct RequestOptions {
    Executor::Clock::time_point deadline;
    Priority priority = Priority::Normal;
    // Unset: derived from the request (everything but queries and shutter off waits).
    std::optional<bool> waitUntilIdle;
    // issue 17: a planned request, written when the wall clock reaches this instant
    // and not before (a wall-clock timer: a clock step meanwhile is followed). From
    // QueueLimits::holdBack before it the queue starts nothing else, so that the link
    // is free then; at the instant it goes first. The deadline must come after it.
    std::optional<Executor::WallClock::time_point> sendAt;
};

struct QueueLimits {
    std::size_t maxDepth = 32;
    std::chrono::milliseconds staleGrace{2000};  // how long a late answer is waited for
    // issue 17: how long before a planned request's instant the link is kept free
    // (longer than a camera takes to answer, so that nothing is in flight then).
    std::chrono::milliseconds holdBack{1000};
};

class RequestQueue {
public:
    using Ticket = std::uint64_t;
    using Done = std::function<void(Result<Answer>)>;
    using Unsolicited = std::function<void(const Answer&, const protocol::Classified&)>;

    RequestQueue(Executor& executor, RequestLink& link, QueueLimits limits = {});
    ~RequestQueue();
    RequestQueue(const RequestQueue&) = delete;
    RequestQueue& operator=(const RequestQueue&) = delete;

    // `done` runs exactly once, always from the executor (never inside submit()).
    Ticket submit(protocol::Request request, RequestOptions options, Done done);
    // Cancelled, queued or in flight. False if the request already finished.
    bool cancel(Ticket ticket);

    void linkUp();
    void linkDown();
    // A reload: a lower depth refuses new requests only, never those already queued.
    void setLimits(const QueueLimits& limits) { limits_ = limits; }
    bool linkIsUp() const { return linkUp_; }
    // Status 8 as the camera reports it (pushes or queries).
    void setBusy(bool busy);
    bool busy() const { return busy_; }

    // A reassembled message from a response characteristic.
    void onMessage(protocol::Characteristic from, protocol::Bytes message);
    void setUnsolicitedHandler(Unsolicited handler) { unsolicited_ = std::move(handler); }

    std::size_t depth() const { return queue_.size() + (inFlight_ ? 1 : 0); }
    // Fails every request with `error` (camera removed, daemon stopping).
    void failAll(const Error& error);

    // Whether a request waits for the camera to stop being busy (spec: "State Management").
    static bool waitsUntilIdle(const protocol::Request& request);

private:
    struct Item {
        Ticket ticket = 0;
        protocol::Request request;
        RequestOptions options;
        bool waitUntilIdle = true;
        Done done;
        Executor::TimerId deadlineTimer = 0;
        Executor::TimerId sendTimer = 0;          // issue 17: a planned request's instant
        bool sent = false;                        // the link accepted every packet
        Executor::Clock::time_point sentAt{};     // the first packet's WriteValue was issued
        Executor::Clock::time_point writtenAt{};  // BlueZ accepted the last packet
    };
    struct Stale {
        protocol::ResponseKey key;
        Executor::TimerId expiry = 0;
    };

    void pump();
    void onSent(Ticket ticket, const Result<Executor::Clock::time_point>& sent);
    std::optional<std::size_t> nextSendable();  // also fails requests already past their deadline
    bool heldBack(const protocol::ResponseKey& key) const;
    bool sendable(const Item& item) const;
    void finish(Item& item, Result<Answer> result);
    void abandonInFlight(Result<Answer> result);  // finish it; its answer may still come
    void expire(Ticket ticket);
    void dropStale(std::size_t index);

    Executor& executor_;
    RequestLink& link_;
    QueueLimits limits_;
    std::deque<Item> queue_;
    std::optional<Item> inFlight_;
    std::vector<Stale> stale_;
    Unsolicited unsolicited_;
    Ticket nextTicket_ = 1;
    bool linkUp_ = false;
    bool busy_ = false;
    Ticket sendingTicket_ = 0;  // the link is still writing this request's packets: nothing else may go
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards callbacks after destruction
};

}  // namespace goprod::core
