// A hand-written core::Control for the service's component tests. It runs
// every callback on its own "core" thread (never inside the call, as the real
// registry does), records what the service asked, and answers as each test
// scripts it. Tests wait on its records with bounded waits, never sleeps.
// Any thread may call it.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/core/control.h"

namespace goprod::rpc::testing {

inline core::CameraView camera(std::string identifier, std::string address,
                               core::CameraState state = core::CameraState::Ready) {
    core::CameraView view;
    view.identifier = std::move(identifier);
    view.address = std::move(address);
    view.name = "GoPro " + view.identifier;
    view.state = state;
    view.model = "HERO12 Black";
    view.known = true;
    return view;
}

inline bool sameText(const std::string& a, const std::string& b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

class FakeControl final : public core::Control {
public:
    // nullopt: hold the call until cancel() (or the test answers it with release()).
    template <class T>
    using Reply = std::optional<core::Result<T>>;

    struct RequestRecord {
        core::CallId id = 0;
        std::string selector;
        protocol::Request request;
        core::Deadline deadline;
    };
    struct Subscriber {
        core::EventFilter filter;
        std::function<void(const core::Event&)> onEvent;
    };

    FakeControl() : thread_([this] { run(); }) {}
    ~FakeControl() override {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }

    // --- Scripting (any time) ---
    void setCameras(std::vector<core::CameraView> cameras) {
        std::lock_guard lock(mutex_);
        cameras_ = std::move(cameras);
    }
    std::function<Reply<core::Answer>(const core::CameraView&, const protocol::Request&)> onRequest =
        [](const core::CameraView&, const protocol::Request&) -> Reply<core::Answer> { return std::nullopt; };
    std::function<Reply<core::CameraView>(const std::string&)> onConnect;
    std::function<core::Result<core::CameraView>(const std::string&)> onDisconnect;
    std::function<core::Result<void>(const std::string&)> onForget;
    std::function<core::Result<void>(const std::string&, std::chrono::milliseconds)> onKeepAlive =
        [](const std::string&, std::chrono::milliseconds) -> core::Result<void> { return {}; };
    std::function<Reply<core::ApInfo>(const std::string&)> onReadApInfo;
    std::function<Reply<void>(const std::string&, bool)> onSetAp;
    std::function<Reply<std::vector<core::ScanEntry>>(const std::string&)> onWifiScan;
    // Progress steps to report, then the outcome (nullopt: hold).
    std::function<std::pair<std::vector<core::WifiProgress>, Reply<void>>(const std::string&, const std::string&,
                                                                          const std::optional<std::string>&)>
        onWifiConnect;
    // issue 15 D
    std::function<std::pair<std::vector<core::CohnProgress>, Reply<core::CohnCredentials>>(
        const std::string&, const std::string&, const std::optional<std::string>&)>
        onProvisionCohn;
    // issue 15 G: progress steps of a live-stream start, then its outcome (nullopt: hold)
    std::function<std::pair<std::vector<core::LiveStreamProgress>, Reply<void>>(const std::string&)> onLiveStreamStart;
    std::vector<core::CameraView> discoverFinds;  // what discover() reports
    bool discoverHolds = false;                   // then discover() waits for cancel
    std::size_t maxSubscribers = 64;
    core::RegistryStatus registryStatus;  // what status() reports (subscribers: the live count)

    // --- Records ---
    std::vector<RequestRecord> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    std::vector<core::CallId> cancelled() const {
        std::lock_guard lock(mutex_);
        return cancelled_;
    }
    std::vector<std::uint64_t> unsubscribed() const {
        std::lock_guard lock(mutex_);
        return unsubscribed_;
    }
    std::map<std::uint64_t, Subscriber> subscribers() const {
        std::lock_guard lock(subscribersMutex_);
        return subscribers_;
    }
    bool calledBackFromAnEvent() const { return calledBack_.load(); }
    std::vector<std::pair<std::string, std::chrono::milliseconds>> keepAlives() const {
        std::lock_guard lock(mutex_);
        return keepAlives_;
    }
    std::vector<std::string> calls() const {  // "connect 0456", "setAp AA:..:01 on", ...
        std::lock_guard lock(mutex_);
        return calls_;
    }
    std::vector<core::CallId> heldIds() const {
        std::lock_guard lock(mutex_);
        std::vector<core::CallId> ids;
        for (const auto& [id, fail] : held_) ids.push_back(id);
        return ids;
    }
    std::vector<protocol::operation::LiveStreamMode> liveStreamModes() const {  // issue 15 G
        std::lock_guard lock(mutex_);
        return liveStreamModes_;
    }
    std::optional<core::Deadline> lastDeadline() const {
        std::lock_guard lock(mutex_);
        return lastDeadline_;
    }
    std::optional<core::WallTime> lastSendAt() const {
        std::lock_guard lock(mutex_);
        return lastSendAt_;
    }

    // Waits (bounded) until `predicate` holds; re-checked whenever the fake records something.
    bool waitFor(const std::function<bool()>& predicate, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
        std::unique_lock lock(waitMutex_);
        return changed_.wait_for(lock, timeout, predicate);
    }

    // Delivers an event to the matching subscribers, on the core thread.
    void emit(core::Event event) {
        // Delivered under the fake's subscriber lock (the registry calls its
        // subscribers outside its lock): stricter than the registry, since
        // Control does not promise that its methods may be called from an
        // event callback. A subscriber that does is refused and recorded
        // (calledBackFromAnEvent()), which the fixture's TearDown checks.
        post([this, event = std::move(event)] {
            std::lock_guard lock(subscribersMutex_);
            delivering_ = std::this_thread::get_id();
            for (const auto* listeners : {&subscribers_, &observers_}) {
                for (const auto& [id, subscriber] : *listeners) {
                    if (matches(subscriber.filter, event)) subscriber.onEvent(event);
                }
            }
            delivering_ = std::thread::id{};
        });
    }
    // Runs fn on the core thread after everything posted so far.
    void post(std::function<void()> fn) {
        {
            std::lock_guard lock(mutex_);
            tasks_.push_back(std::move(fn));
        }
        wake_.notify_all();
    }
    // Answers a held request() with `answer`.
    bool answer(core::CallId id, core::Result<core::Answer> answer) {
        std::function<void(core::Result<core::Answer>)> done;
        {
            std::lock_guard lock(mutex_);
            auto it = heldRequests_.find(id);
            if (it == heldRequests_.end()) return false;
            done = std::move(it->second);
            heldRequests_.erase(it);
            held_.erase(id);
        }
        post([done = std::move(done), answer = std::move(answer)]() mutable { done(std::move(answer)); });
        return true;
    }

    // --- core::Control ---
    core::CallId newCallId() override {
        std::lock_guard lock(mutex_);
        return nextId_++;
    }

    void cancel(core::CallId call) override {
        if (insideEvent()) return;
        std::vector<core::CallId> group;
        {
            std::lock_guard lock(mutex_);
            if (auto it = groups_.find(call); it != groups_.end()) {
                group = std::move(it->second);
                groups_.erase(it);
            }
        }
        if (!group.empty()) {  // a requestEach() call: its cameras' requests are cancelled
            for (const core::CallId member : group) cancel(member);
            return;
        }
        std::function<void(core::Error)> fail;
        {
            std::lock_guard lock(mutex_);
            cancelled_.push_back(call);
            auto it = held_.find(call);
            if (it != held_.end()) {
                fail = std::move(it->second);
                held_.erase(it);
                heldRequests_.erase(call);
            }
        }
        if (fail) post([fail] { fail(core::Error{core::Errc::Cancelled, "cancelled", {}}); });
        notify();
    }

    void listCameras(std::function<void(std::vector<core::CameraView>)> done) override {
        auto cameras = camerasCopy();
        post([done = std::move(done), cameras] { done(cameras); });
    }

    void resolve(core::Selection selection,
                 std::function<void(core::Result<std::vector<core::CameraView>>)> done) override {
        auto result = resolveNow(selection);
        post([done = std::move(done), result = std::move(result)] { done(result); });
    }

    void discover(core::CallId call, std::chrono::milliseconds duration,
                  std::function<void(const core::CameraView&)> found,
                  std::function<void(core::Result<void>)> done) override {
        std::vector<core::CameraView> finds;
        bool holds = false;
        {
            std::lock_guard lock(mutex_);
            calls_.push_back("discover " + std::to_string(duration.count()));
            lastCallId_ = call;
            finds = discoverFinds;
            holds = discoverHolds;
            if (holds) {
                held_[call] = [found, done](core::Error error) { done(Unexpected{std::move(error)}); };
            }
        }
        post([found, done, finds, holds] {
            for (const auto& camera : finds) found(camera);
            if (!holds) done({});
        });
        notify();
    }

    void connect(core::CallId call, std::string selector, core::Placement placement, core::Deadline deadline,
                 std::function<void(core::Result<core::CameraView>)> done) override {
        // issue 16: "connect 0456 adapter=hci1 priority=5" when a placement is given
        std::string placed;
        if (placement.adapter) placed += " adapter=" + *placement.adapter;
        if (placement.priority) placed += " priority=" + std::to_string(*placement.priority);
        record("connect " + selector + placed, call, deadline);
        reply<core::CameraView>(call, onConnect ? onConnect(selector) : Reply<core::CameraView>{}, std::move(done));
    }

    void disconnect(std::string selector, std::function<void(core::Result<core::CameraView>)> done) override {
        record("disconnect " + selector, 0, {});
        auto result = onDisconnect ? onDisconnect(selector) : core::Result<core::CameraView>(camera("0000", selector));
        post([done = std::move(done), result = std::move(result)] { done(result); });
    }

    void forget(std::string selector, std::function<void(core::Result<void>)> done) override {
        record("forget " + selector, 0, {});
        auto result = onForget ? onForget(selector) : core::Result<void>{};
        post([done = std::move(done), result = std::move(result)] { done(result); });
    }

    void setAutoConnect(std::string selector, bool on,
                        std::function<void(core::Result<core::CameraView>)> done) override {
        record("setAutoConnect " + selector + (on ? " on" : " off"), 0, {});
        auto view = camera("0456", selector);
        view.autoConnect = on;
        post([done = std::move(done), view] { done(view); });
    }

    void setKeepAlive(std::string selector, std::chrono::milliseconds interval,
                      std::function<void(core::Result<void>)> done) override {
        {
            std::lock_guard lock(mutex_);
            keepAlives_.emplace_back(selector, interval);
        }
        auto result = onKeepAlive(selector, interval);
        post([done = std::move(done), result = std::move(result)] { done(result); });
        notify();
    }

    void request(core::CallId call, std::string selector, protocol::Request request, core::Deadline deadline,
                 std::function<void(core::Result<core::Answer>)> done) override {
        auto found = findCamera(selector);
        Reply<core::Answer> reply;
        if (!found) {
            reply = core::Result<core::Answer>(core::fail(core::Errc::NotFound, "no camera " + selector));
        } else {
            reply = onRequest(*found, request);
        }
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(RequestRecord{call, selector, request, deadline});
            lastDeadline_ = deadline;
            if (!reply) {
                heldRequests_[call] = done;
                held_[call] = [done](core::Error error) { done(Unexpected{std::move(error)}); };
            }
        }
        if (reply) post([done = std::move(done), reply = std::move(*reply)] { done(reply); });
        notify();
    }

    // As the registry does it, but each camera's request is made through
    // request() with an id of its own, so that tests see (and answer, and find
    // cancelled) one record per camera.
    void requestEach(core::CallId call, core::Selection selection, protocol::Request request, core::Deadline deadline,
                     std::optional<core::WallTime> sendAt,
                     std::function<void(core::Result<std::vector<core::CameraAnswer>>)> done) override {
        {
            std::lock_guard lock(mutex_);
            lastSendAt_ = sendAt;
        }
        auto resolved = resolveNow(selection);
        if (!resolved) {
            post([done = std::move(done), error = resolved.error()] { done(Unexpected{error}); });
            return;
        }
        std::vector<core::CameraView> cameras;  // a camera named twice runs once
        for (auto& view : *resolved) {
            const bool seen = std::any_of(cameras.begin(), cameras.end(),
                                          [&](const core::CameraView& other) { return other.address == view.address; });
            if (!seen) cameras.push_back(std::move(view));
        }
        if (cameras.empty()) {
            post([done = std::move(done)] { done(std::vector<core::CameraAnswer>{}); });
            return;
        }
        struct Gathered {
            std::mutex mutex;
            std::vector<core::CameraAnswer> outcomes;
            std::size_t remaining = 0;
        };
        auto gathered = std::make_shared<Gathered>();
        gathered->remaining = cameras.size();
        std::vector<core::CallId> ids;
        for (const auto& view : cameras) {
            gathered->outcomes.push_back(core::CameraAnswer{view, Unexpected{core::Error{}}});
            ids.push_back(newCallId());
        }
        {
            std::lock_guard lock(mutex_);
            groups_[call] = ids;
        }
        for (std::size_t i = 0; i < cameras.size(); ++i) {
            this->request(ids[i], cameras[i].address, request, deadline,
                          [gathered, i, done](core::Result<core::Answer> answer) {
                              std::unique_lock lock(gathered->mutex);
                              gathered->outcomes[i].answer = std::move(answer);
                              if (--gathered->remaining != 0) return;
                              auto outcomes = std::move(gathered->outcomes);
                              lock.unlock();
                              done(std::move(outcomes));
                          });
        }
    }

    void readApInfo(core::CallId call, std::string selector, core::Deadline deadline,
                    std::function<void(core::Result<core::ApInfo>)> done) override {
        record("readApInfo " + selector, call, deadline);
        reply<core::ApInfo>(call, onReadApInfo ? onReadApInfo(selector) : Reply<core::ApInfo>{}, std::move(done));
    }

    void setAp(core::CallId call, std::string selector, bool on, core::Deadline deadline,
               std::function<void(core::Result<void>)> done) override {
        record("setAp " + selector + (on ? " on" : " off"), call, deadline);
        reply<void>(call, onSetAp ? onSetAp(selector, on) : Reply<void>{}, std::move(done));
    }

    void wifiScan(core::CallId call, std::string selector, core::Deadline deadline,
                  std::function<void(core::Result<std::vector<core::ScanEntry>>)> done) override {
        record("wifiScan " + selector, call, deadline);
        reply<std::vector<core::ScanEntry>>(
            call, onWifiScan ? onWifiScan(selector) : Reply<std::vector<core::ScanEntry>>{}, std::move(done));
    }

    void wifiConnect(core::CallId call, std::string selector, std::string ssid, std::optional<std::string> password,
                     core::Deadline deadline, std::function<void(const core::WifiProgress&)> progress,
                     std::function<void(core::Result<void>)> done) override {
        record("wifiConnect " + selector + " " + ssid + (password ? " password=" + *password : " no-password"), call,
               deadline);
        auto script = onWifiConnect ? onWifiConnect(selector, ssid, password)
                                    : std::pair<std::vector<core::WifiProgress>, Reply<void>>{};
        post([progress, steps = script.first] {
            for (const auto& step : steps) progress(step);
        });
        reply<void>(call, script.second, std::move(done));
    }

    // issue 15 E: records (selector, claim) and succeeds
    void claimControl(std::string selector, bool claim, core::Deadline /*deadline*/,
                      std::function<void(core::Result<void>)> done) override {
        {
            std::lock_guard lock(mutex_);
            controlClaims_.emplace_back(selector, claim);
        }
        post([done = std::move(done)] { done({}); });
        notify();
    }
    std::vector<std::pair<std::string, bool>> controlClaims() const {
        std::lock_guard lock(mutex_);
        return controlClaims_;
    }
    std::vector<std::pair<std::string, bool>> controlClaims_;

    // issue 15 D
    void provisionCohn(core::CallId call, std::string selector, std::string ssid, std::optional<std::string> password,
                       protocol::LocalDateTime now, core::Deadline deadline,
                       std::function<void(const core::CohnProgress&)> progress,
                       std::function<void(core::Result<core::CohnCredentials>)> done) override {
        (void)now;
        record("provisionCohn " + selector + " " + ssid + (password ? " password=" + *password : " no-password"), call,
               deadline);
        auto script = onProvisionCohn ? onProvisionCohn(selector, ssid, password)
                                      : std::pair<std::vector<core::CohnProgress>, Reply<core::CohnCredentials>>{};
        post([progress, steps = script.first] {
            for (const auto& step : steps) progress(step);
        });
        reply<core::CohnCredentials>(call, script.second, std::move(done));
    }

    // group C
    void liveStreamStart(core::CallId call, std::string selector, protocol::operation::LiveStreamMode mode,
                         core::Deadline deadline, std::function<void(const core::LiveStreamProgress&)> progress,
                         std::function<void(core::Result<void>)> done) override {
        record("liveStreamStart " + selector + " " + mode.url, call, deadline);
        // issue 15 G: the mode is recorded; the test may script progress and outcome (default: hold).
        {
            std::lock_guard lock(mutex_);
            liveStreamModes_.push_back(mode);
        }
        auto script = onLiveStreamStart ? onLiveStreamStart(selector)
                                        : std::pair<std::vector<core::LiveStreamProgress>, Reply<void>>{};
        post([progress, steps = script.first] {
            for (const auto& step : steps) progress(step);
        });
        reply<void>(call, script.second, std::move(done));
    }

    void status(std::function<void(core::RegistryStatus)> done) override {
        core::RegistryStatus out;
        {
            std::lock_guard lock(mutex_);
            out = registryStatus;
        }
        {
            std::lock_guard lock(subscribersMutex_);
            out.subscribers = subscribers_.size();
            out.maxSubscribers = maxSubscribers;
        }
        post([done = std::move(done), out = std::move(out)] { done(out); });
    }

    core::Result<std::uint64_t> subscribe(core::EventFilter filter,
                                          std::function<void(const core::Event&)> onEvent) override {
        if (insideEvent()) return core::fail(core::Errc::Internal, "subscribe() from an event callback");
        std::uint64_t id = 0;
        {
            std::lock_guard lock(subscribersMutex_);
            if (subscribers_.size() >= maxSubscribers) {
                return core::fail(core::Errc::ResourceExhausted, "too many event subscribers");
            }
            id = nextSubscription_++;
            subscribers_[id] = Subscriber{std::move(filter), std::move(onEvent)};
        }
        notify();
        return id;
    }

    // issue 17: like subscribe(), never limited.
    core::Result<std::uint64_t> observe(core::EventFilter filter,
                                        std::function<void(const core::Event&)> onEvent) override {
        std::lock_guard lock(subscribersMutex_);
        const std::uint64_t id = nextSubscription_++;
        observers_[id] = Subscriber{std::move(filter), std::move(onEvent)};
        return id;
    }

    void unsubscribe(std::uint64_t subscription) override {
        if (insideEvent()) return;
        {
            std::lock_guard lock(subscribersMutex_);
            subscribers_.erase(subscription);
            observers_.erase(subscription);
        }
        {
            std::lock_guard lock(mutex_);
            unsubscribed_.push_back(subscription);
        }
        notify();
    }

    core::CallId lastCallId() const {
        std::lock_guard lock(mutex_);
        return lastCallId_;
    }

private:
    // True (and recorded) when called on the core thread while it delivers an event.
    bool insideEvent() {
        if (delivering_.load() != std::this_thread::get_id()) return false;
        calledBack_ = true;
        return true;
    }

    static bool matches(const core::EventFilter& filter, const core::Event& event) {
        const bool cameraOk = filter.cameras.empty() ||
                              std::any_of(filter.cameras.begin(), filter.cameras.end(), [&](const std::string& s) {
                                  return sameText(s, event.camera.identifier) || sameText(s, event.camera.address);
                              });
        const bool kindOk = filter.kinds.empty() ||
                            std::find(filter.kinds.begin(), filter.kinds.end(), event.kind) != filter.kinds.end();
        return cameraOk && kindOk;
    }

    std::vector<core::CameraView> camerasCopy() const {
        std::lock_guard lock(mutex_);
        return cameras_;
    }

    std::optional<core::CameraView> findCamera(const std::string& selector) const {
        std::lock_guard lock(mutex_);
        for (const auto& view : cameras_) {
            if (sameText(selector, view.identifier) || sameText(selector, view.address)) return view;
        }
        return std::nullopt;
    }

    // The registry's selection rules, as control.h states them.
    core::Result<std::vector<core::CameraView>> resolveNow(const core::Selection& selection) const {
        const auto cameras = camerasCopy();
        std::vector<core::CameraView> out;
        if (selection.all) {
            for (const auto& view : cameras) {
                if (view.state == core::CameraState::Ready) out.push_back(view);
            }
            return out;
        }
        if (selection.selectors.empty()) {
            std::string names;
            for (const auto& view : cameras) {
                if (view.state != core::CameraState::Ready) continue;
                out.push_back(view);
                names += (names.empty() ? "" : ", ") + view.identifier;
            }
            if (out.empty()) return core::fail(core::Errc::Unavailable, "no camera is connected");
            if (out.size() > 1) {
                return core::fail(core::Errc::InvalidArgument,
                                  "several cameras are connected (" + names + "): choose one");
            }
            return out;
        }
        for (const auto& selector : selection.selectors) {
            auto found = findCamera(selector);
            if (!found) return core::fail(core::Errc::NotFound, "no camera \"" + selector + "\"");
            out.push_back(*found);
        }
        return out;
    }

    void record(std::string what, core::CallId call, core::Deadline deadline) {
        {
            std::lock_guard lock(mutex_);
            calls_.push_back(std::move(what));
            if (call != 0) lastCallId_ = call;
            if (deadline != core::Deadline{}) lastDeadline_ = deadline;
        }
        notify();
    }

    template <class T>
    void reply(core::CallId call, Reply<T> reply, std::function<void(core::Result<T>)> done) {
        if (reply) {
            post([done = std::move(done), reply = std::move(*reply)] { done(reply); });
            return;
        }
        {
            std::lock_guard lock(mutex_);
            held_[call] = [done](core::Error error) { done(Unexpected{std::move(error)}); };
        }
        notify();
    }

    void notify() {
        // Taking waitMutex_ orders the notification after a waiter's predicate check.
        { std::lock_guard lock(waitMutex_); }
        changed_.notify_all();
    }

    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            wake_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
            if (tasks_.empty() && stop_) return;
            auto task = std::move(tasks_.front());
            tasks_.pop_front();
            lock.unlock();
            task();
            notify();
            lock.lock();
        }
    }

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> tasks_;
    bool stop_ = false;

    std::mutex waitMutex_;
    std::condition_variable changed_;

    std::vector<core::CameraView> cameras_;
    core::CallId nextId_ = 1;
    core::CallId lastCallId_ = 0;
    std::optional<core::Deadline> lastDeadline_;
    std::uint64_t nextSubscription_ = 1;
    std::vector<RequestRecord> requests_;
    std::vector<core::CallId> cancelled_;
    std::map<core::CallId, std::vector<core::CallId>> groups_;  // requestEach() id → its requests' ids
    std::optional<core::WallTime> lastSendAt_;                  // issue 17: the last requestEach()'s instant
    std::vector<std::uint64_t> unsubscribed_;
    std::vector<std::pair<std::string, std::chrono::milliseconds>> keepAlives_;
    std::vector<std::string> calls_;
    mutable std::mutex subscribersMutex_;  // held while events are delivered
    std::map<std::uint64_t, Subscriber> subscribers_;
    std::map<std::uint64_t, Subscriber> observers_;  // issue 17: observe(), not counted
    std::atomic<std::thread::id> delivering_{};
    std::atomic<bool> calledBack_{false};
    std::map<core::CallId, std::function<void(core::Error)>> held_;
    std::map<core::CallId, std::function<void(core::Result<core::Answer>)>> heldRequests_;
    std::vector<protocol::operation::LiveStreamMode> liveStreamModes_;  // issue 15 G

    std::thread thread_;  // last: starts after every member above exists
};

}  // namespace goprod::rpc::testing
