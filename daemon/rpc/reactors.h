// The reactors behind daemon/rpc/service.cpp (internal to daemon/rpc).
//
// An RPC may end from two sides at once: a Control callback on the core thread
// (the answer) and gRPC's OnCancel (client cancel, deadline, shutdown). The
// state both sides share lives in a shared_ptr that Control callbacks hold, so
// a late callback finds "already finished" instead of a deleted reactor; the
// reactor itself is deleted in OnDone. Whoever finishes first wins; gRPC calls
// (Finish, StartWrite) are made outside the lock. Any thread; nothing blocks.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/support/server_callback.h>
#include <grpcpp/support/status.h>

#include "daemon/core/control.h"
#include "daemon/rpc/status.h"

namespace goprod::rpc {

// The completion of one unary RPC and the Control calls it started.
class UnaryCall {
public:
    UnaryCall(core::Control& control, grpc::ServerUnaryReactor* reactor) : control_(control), reactor_(reactor) {}

    core::Control& control() { return control_; }

    // A fresh Control call id, remembered so that a cancel reaches it; unset
    // when the RPC has already ended (then start nothing).
    std::optional<core::CallId> begin() {
        const core::CallId id = control_.newCallId();
        std::lock_guard lock(mutex_);
        if (finished_) return std::nullopt;
        calls_.push_back(id);
        return id;
    }
    // After the Control method returned: a cancel that came in between reached
    // Control before it knew the id, so cancel once more.
    void started(core::CallId id) {
        std::unique_lock lock(mutex_);
        const bool again = finished_ && std::find(calls_.begin(), calls_.end(), id) != calls_.end();
        lock.unlock();
        if (again) control_.cancel(id);
    }
    // The Control call's callback ran: nothing left to cancel.
    void ended(core::CallId id) {
        std::lock_guard lock(mutex_);
        std::erase(calls_, id);
    }

    bool ended() const {
        std::lock_guard lock(mutex_);
        return finished_;
    }

    // Finishes the RPC unless it already ended; `fill` writes the response
    // (still alive: gRPC frees it only after Finish) just before Finish.
    bool finish(grpc::Status status, const std::function<void()>& fill = nullptr) {
        {
            std::lock_guard lock(mutex_);
            if (finished_) return false;
            finished_ = true;
        }
        if (status.ok() && fill) fill();
        reactor_->Finish(std::move(status));
        return true;
    }
    bool fail(const core::Error& error) { return finish(toStatus(error)); }

    // OnCancel: cancels what is still running in Control and finishes at once,
    // so that the reactor never waits on the core thread.
    void cancel() {
        std::vector<core::CallId> calls;
        {
            std::lock_guard lock(mutex_);
            if (finished_) return;
            finished_ = true;
            calls = calls_;
        }
        for (const core::CallId id : calls) control_.cancel(id);
        reactor_->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    }

private:
    core::Control& control_;
    grpc::ServerUnaryReactor* const reactor_;  // valid until Finish
    mutable std::mutex mutex_;
    bool finished_ = false;
    std::vector<core::CallId> calls_;
};

class UnaryReactor final : public grpc::ServerUnaryReactor {
public:
    explicit UnaryReactor(core::Control& control) : call_(std::make_shared<UnaryCall>(control, this)) {}
    const std::shared_ptr<UnaryCall>& call() const { return call_; }

    void OnCancel() override { call_->cancel(); }
    void OnDone() override { delete this; }
    // Both reactions are short and never block (a post to the core thread, a
    // Finish, a delete): gRPC may run them on the thread that completes the
    // call instead of waking one of its executor threads for each RPC.
    bool InternalInlineable() override { return true; }

private:
    std::shared_ptr<UnaryCall> call_;
};

// Starts a cancellable Control call on behalf of `call`: `start(id, finished)`
// makes the Control call with `finished` as its callback. `done` runs once, on
// the core thread (at once with Cancelled if the RPC ended before the start).
template <class T>
void cancellable(const std::shared_ptr<UnaryCall>& call,
                 const std::function<void(core::CallId, std::function<void(core::Result<T>)>)>& start,
                 std::function<void(core::Result<T>)> done) {
    const auto id = call->begin();
    if (!id) {
        done(core::fail(core::Errc::Cancelled, "cancelled"));
        return;
    }
    start(*id, [call, id = *id, done = std::move(done)](core::Result<T> result) {
        call->ended(id);
        done(std::move(result));
    });
    call->started(*id);
}

// One request through the camera's queue on behalf of `call`.
inline void requestOn(const std::shared_ptr<UnaryCall>& call, const core::CameraView& camera, protocol::Request request,
                      core::Deadline deadline, std::function<void(core::Result<core::Answer>)> done) {
    core::Control& control = call->control();
    cancellable<core::Answer>(
        call,
        [&control, &camera, &request, deadline](core::CallId id,
                                                std::function<void(core::Result<core::Answer>)> finished) {
            control.request(id, camera.address, std::move(request), deadline, std::move(finished));
        },
        std::move(done));
}

// One request on every camera `selection` names, in one hop to the core thread
// (Control::requestEach), on behalf of `call`.
inline void requestEach(const std::shared_ptr<UnaryCall>& call, core::Selection selection, protocol::Request request,
                        core::Deadline deadline, std::optional<core::WallTime> sendAt,
                        std::function<void(core::Result<std::vector<core::CameraAnswer>>)> done) {
    core::Control& control = call->control();
    cancellable<std::vector<core::CameraAnswer>>(
        call,
        [&control, &selection, &request, deadline, sendAt](
            core::CallId id, std::function<void(core::Result<std::vector<core::CameraAnswer>>)> finished) {
            control.requestEach(id, std::move(selection), std::move(request), deadline, sendAt, std::move(finished));
        },
        std::move(done));
}

// Collects one item per camera, in selection order, and hands them over once
// the last one arrived (on whichever thread delivered it).
template <class Item>
class Gather {
public:
    Gather(std::size_t count, std::function<void(std::vector<Item>)> done)
        : items_(count), remaining_(count), done_(std::move(done)) {}

    void set(std::size_t index, Item item) {
        std::unique_lock lock(mutex_);
        items_[index] = std::move(item);
        if (--remaining_ != 0) return;
        auto items = std::move(items_);
        lock.unlock();
        done_(std::move(items));
    }

private:
    std::mutex mutex_;
    std::vector<Item> items_;
    std::size_t remaining_;
    std::function<void(std::vector<Item>)> done_;
};

// A slot among the service's `maxStreams`; released when the stream's reactor is deleted.
struct StreamSlot {
    explicit StreamSlot(std::shared_ptr<std::atomic<std::size_t>> counter) : counter_(std::move(counter)) {}
    ~StreamSlot() { counter_->fetch_sub(1); }
    StreamSlot(const StreamSlot&) = delete;
    StreamSlot& operator=(const StreamSlot&) = delete;

private:
    std::shared_ptr<std::atomic<std::size_t>> counter_;
};

// One server stream's writes: one in flight at a time (the next one starts in
// OnWriteDone), at most `maxBacklog` waiting, then the final status.
template <class Message>
class Stream {
public:
    Stream(core::Control& control, grpc::ServerWriteReactor<Message>* reactor, std::size_t maxBacklog)
        : control_(control), reactor_(reactor), maxBacklog_(maxBacklog) {}

    core::Control& control() { return control_; }

    // Runs once, on a gRPC thread, when the stream ends early (cancel, failed
    // write) or in OnDone (also after a slow client lost the stream): stops what
    // feeds the stream (cancel the Control call, unsubscribe). Never from a
    // Control callback. Set before anything can end the stream.
    void onAbort(std::function<void()> hook) {
        std::lock_guard lock(mutex_);
        abortHook_ = std::move(hook);
    }

    // Queues a message. False once the stream is ending. A client that lets
    // more than `maxBacklog` messages pile up loses the stream: RESOURCE_EXHAUSTED.
    bool write(Message message) {
        std::unique_lock lock(mutex_);
        if (ending_) return false;
        if (queue_.size() >= maxBacklog_) {
            // write() runs inside a Control callback (an event, a progress step),
            // and Control does not promise that its methods may be called from
            // there (the registry calls subscribers outside its lock; the test
            // fake refuses such calls): the abort hook, which calls back into
            // Control, waits for OnDone, on gRPC's side.
            end(lock, grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "the client reads too slowly: more than " +
                                                                             std::to_string(maxBacklog_) +
                                                                             " messages waiting"));
            return false;
        }
        queue_.push_back(std::move(message));
        pump(lock);
        return true;
    }

    // Ends the stream after the queued messages (the normal end: the source is
    // done, so there is nothing left for the abort hook to stop).
    void finish(grpc::Status status) {
        std::unique_lock lock(mutex_);
        if (ending_) return;
        ending_ = true;
        status_ = std::move(status);
        abortRan_ = true;
        abortHook_ = nullptr;
        pump(lock);
    }
    void fail(const core::Error& error) { finish(toStatus(error)); }

    // Ends the stream as soon as the write in flight is done, dropping the
    // queue, and runs the abort hook. From gRPC's threads only (see write()).
    void abort(grpc::Status status) {
        std::unique_lock lock(mutex_);
        end(lock, std::move(status));
        runAbortHook();
    }

    bool ended() const {
        std::lock_guard lock(mutex_);
        return ending_;
    }

    // From the reactor.
    void onWriteDone(bool ok) {
        std::unique_lock lock(mutex_);
        writing_ = false;
        if (ok) {
            pump(lock);
            return;
        }
        lock.unlock();
        abort(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"));
    }
    void onCancel() { abort(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled")); }
    void onDone() { runAbortHook(); }

private:
    // Ending early: drop what waits, finish after the write in flight. Unlocks.
    void end(std::unique_lock<std::mutex>& lock, grpc::Status status) {
        if (!ending_) {
            ending_ = true;
            status_ = std::move(status);
        }
        queue_.clear();
        pump(lock);
        if (lock.owns_lock()) lock.unlock();
    }

    // Starts the next write, or Finish once the queue is empty; the gRPC call
    // is made after unlocking (so `lock` may come back unlocked).
    void pump(std::unique_lock<std::mutex>& lock) {
        if (writing_ || finishCalled_) return;
        if (!queue_.empty()) {
            current_ = std::move(queue_.front());
            queue_.pop_front();
            writing_ = true;
            lock.unlock();
            reactor_->StartWrite(&current_);
            return;
        }
        if (!ending_) return;
        finishCalled_ = true;
        grpc::Status status = status_;
        lock.unlock();
        reactor_->Finish(std::move(status));
    }

    void runAbortHook() {
        std::function<void()> hook;
        {
            std::lock_guard lock(mutex_);
            if (abortRan_) return;
            abortRan_ = true;
            hook = std::move(abortHook_);
        }
        if (hook) hook();
    }

    core::Control& control_;
    grpc::ServerWriteReactor<Message>* const reactor_;  // valid until Finish
    const std::size_t maxBacklog_;
    mutable std::mutex mutex_;
    std::deque<Message> queue_;
    Message current_;  // the write in flight: gRPC reads it until OnWriteDone
    bool writing_ = false;
    bool ending_ = false;
    bool finishCalled_ = false;
    bool abortRan_ = false;
    grpc::Status status_;
    std::function<void()> abortHook_;
};

template <class Message>
class StreamReactor final : public grpc::ServerWriteReactor<Message> {
public:
    StreamReactor(core::Control& control, std::size_t maxBacklog, std::unique_ptr<StreamSlot> slot)
        : stream_(std::make_shared<Stream<Message>>(control, this, maxBacklog)), slot_(std::move(slot)) {}
    const std::shared_ptr<Stream<Message>>& stream() const { return stream_; }

    void OnWriteDone(bool ok) override { stream_->onWriteDone(ok); }
    void OnCancel() override { stream_->onCancel(); }
    void OnDone() override {
        stream_->onDone();
        delete this;
    }

private:
    std::shared_ptr<Stream<Message>> stream_;
    std::unique_ptr<StreamSlot> slot_;
};

}  // namespace goprod::rpc
