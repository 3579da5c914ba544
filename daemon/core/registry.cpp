#include "daemon/core/registry.h"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "daemon/core/cohn.h"
#include "daemon/core/wifi.h"
#include "daemon/core/live_stream.h"  // group C
#include "protocol/text.h"

namespace goprod::core {

namespace {

// A selector that can only mean one camera: its identifier ("0702") or its address.
bool namesOneCamera(const std::string& selector) {
    const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
    if (selector.size() == 4) return std::all_of(selector.begin(), selector.end(), digit);
    return isBluetoothAddress(selector);
}

// BlueZ's discovery Pattern (a prefix of the address or the name) for a
// selector that names one camera.
std::string discoveryPattern(const std::string& selector) {
    if (selector.size() == 4) return "GoPro " + selector;
    std::string upper = selector;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    return upper;
}

std::string joinIdentifiers(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
    return out;
}

// Nothing can reach a camera without BlueZ: say so at once, instead of letting
// a request wait for a link that cannot come.
Unexpected<Error> bluezMissing() {
    return fail(Errc::Unavailable, "BlueZ is not running (org.bluez is not on the bus)");
}


}  // namespace

std::string_view cameraStateName(CameraState state) {
    switch (state) {
        case CameraState::Discovered: return "discovered";
        case CameraState::Connecting: return "connecting";
        case CameraState::Pairing: return "pairing";
        case CameraState::ResolvingServices: return "resolving services";
        case CameraState::Subscribing: return "subscribing";
        case CameraState::Initializing: return "initializing";
        case CameraState::Ready: return "ready";
        case CameraState::Sleeping: return "sleeping";
        case CameraState::LinkLost: return "link lost";
        case CameraState::Disconnected: return "disconnected";
    }
    return "unknown";
}

Registry::Registry(Executor& executor, BluezPort& port, RegistrySettings settings, Persist persist)
    : executor_(executor),
      port_(port),
      settings_(std::move(settings)),
      persist_(std::move(persist)),
      events_(settings_.maxSubscribers),
      scheduler_(executor_, [this] { schedule(); }) {}

Registry::~Registry() {
    *alive_ = false;
    executor_.cancel(moveTimer_);
}

void Registry::restore(const std::vector<CameraView>& known) {
    for (const auto& view : known) {
        if (cameras_.size() >= settings_.maxCameras) break;
        cameraFor(view.identifier).restore(view);
    }
}

void Registry::reconfigure(RegistrySettings settings) {
    const bool keepAlive = settings.camera.keepAlive != settings_.camera.keepAlive;
    settings_ = std::move(settings);
    events_.setLimit(settings_.maxSubscribers);
    for (auto& [id, camera] : cameras_) camera->reconfigure(settings_.camera, keepAlive);
    schedule();  // issue 16: max_connections is live
}

void Registry::shutdown() {
    const Error stopping{Errc::Unavailable, "goprod is stopping", {}};
    for (auto& [id, camera] : cameras_) camera->shutdown(stopping);
    auto waiters = std::move(connectWaiters_);
    for (auto& waiter : waiters) {
        executor_.cancel(waiter.timer);
        waiter.done(Unexpected{stopping});
    }
    auto saveWaiters = std::move(saveWaiters_);
    for (auto& waiter : saveWaiters) waiter.done(Unexpected{stopping});
    auto lookups = std::move(lookups_);
    for (auto& lookup : lookups) {
        executor_.cancel(lookup.timer);
        lookup.done(Unexpected{stopping});
    }
    auto discoveries = std::move(discoveries_);
    for (auto& [call, discovery] : discoveries) {
        executor_.cancel(discovery.timer);
        discovery.done(Unexpected{stopping});
    }
}

Camera* Registry::find(const std::string& identifier) {
    const auto it = cameras_.find(identifier);
    return it == cameras_.end() ? nullptr : it->second.get();
}

Camera& Registry::cameraFor(const std::string& identifier) {
    auto& slot = cameras_[identifier];
    if (!slot) {
        CameraHost& host = *this;
        slot = std::make_unique<Camera>(executor_, port_, host, identifier, settings_.camera);
    }
    return *slot;
}

// ---------------------------------------------------------------------------
// Selection

Result<Camera*> Registry::select(const std::string& selector) {
    if (!selector.empty()) {
        if (const auto it = cameras_.find(selector); it != cameras_.end()) return it->second.get();
        for (auto& [id, camera] : cameras_) {
            if (protocol::sameIgnoringCase(camera->address(), selector)) return camera.get();
        }
        if (bluezGone_) return bluezMissing();
        std::vector<std::string> ids;
        for (const auto& [id, camera] : cameras_) ids.push_back(id);
        return fail(Errc::NotFound, "no camera \"" + selector + "\"" +
                                        (ids.empty() ? std::string(" (no cameras; run discover)")
                                                     : " (cameras: " + joinIdentifiers(ids) + ")"));
    }
    // The default: the only connected camera. A camera that is only discovered,
    // or known but not connected, is never meant by a command without a selector.
    std::vector<Camera*> ready;
    for (auto& [id, camera] : cameras_) {
        if (camera->state() == CameraState::Ready) ready.push_back(camera.get());
    }
    if (ready.size() == 1) return ready.front();
    if (ready.empty()) {
        if (bluezGone_) return bluezMissing();
        return fail(Errc::Unavailable, cameras_.empty() ? "no camera is connected (run discover, then connect)"
                                                        : "no camera is connected");
    }
    std::vector<std::string> choices;
    for (auto* camera : ready) choices.push_back(camera->identifier());
    return fail(Errc::InvalidArgument, "several cameras are connected (" + joinIdentifiers(choices) + "): choose one");
}

// A camera for a request that needs BlueZ.
Result<Camera*> Registry::reachable(const std::string& selector) {
    if (bluezGone_) return bluezMissing();
    return select(selector);
}

Result<std::vector<Camera*>> Registry::selectMany(const Selection& selection) {
    std::vector<Camera*> out;
    if (selection.all) {
        for (auto& [id, camera] : cameras_) {
            if (camera->state() == CameraState::Ready) out.push_back(camera.get());
        }
        if (out.empty()) return bluezGone_ ? bluezMissing() : fail(Errc::Unavailable, "no camera is ready");
        return out;
    }
    if (selection.selectors.empty()) {
        auto one = select("");
        if (!one) return Unexpected{one.error()};
        out.push_back(*one);
        return out;
    }
    for (const auto& selector : selection.selectors) {
        auto one = select(selector);
        if (!one) return Unexpected{one.error()};
        if (std::find(out.begin(), out.end(), *one) == out.end()) out.push_back(*one);
    }
    return out;
}

// ---------------------------------------------------------------------------
// Control: each method hops to the core thread.

void Registry::cancel(CallId call) {
    executor_.post([this, alive = alive_, call] {
        if (*alive) calls_.cancel(call);
    });
}

void Registry::listCameras(std::function<void(std::vector<CameraView>)> done) {
    executor_.post([this, done = std::move(done)] {
        std::vector<CameraView> views;
        for (const auto& [id, camera] : cameras_) views.push_back(camera->view());
        done(std::move(views));
    });
}

void Registry::resolve(Selection selection, std::function<void(Result<std::vector<CameraView>>)> done) {
    executor_.post([this, selection = std::move(selection), done = std::move(done)] {
        auto cameras = selectMany(selection);
        if (!cameras) return done(Unexpected{cameras.error()});
        std::vector<CameraView> views;
        for (auto* camera : *cameras) views.push_back(camera->view());
        done(std::move(views));
    });
}

void Registry::discover(CallId call, std::chrono::milliseconds duration, std::function<void(const CameraView&)> found,
                        std::function<void(Result<void>)> done) {
    executor_.post([this, call, duration, found = std::move(found), done = std::move(done)]() mutable {
        if (bluezGone_) return done(bluezMissing());
        if (discoveries_.size() >= settings_.maxSubscribers) {
            return done(fail(Errc::ResourceExhausted, "too many discoveries in progress"));
        }
        // Cameras already seen are reported first.
        for (const auto& [id, camera] : cameras_) {
            if (camera->device()) found(camera->view());
        }
        Discovery discovery{std::move(found), std::move(done), 0};
        discovery.timer = executor_.at(executor_.now() + duration, [this, call] { finishDiscovery(call, {}); });
        discoveries_.emplace(call, std::move(discovery));
        trackCall(call, [this, call] { finishDiscovery(call, fail(Errc::Cancelled, "discovery cancelled")); });
        updateDiscovery();
    });
}

void Registry::finishDiscovery(CallId call, Result<void> result) {
    const auto it = discoveries_.find(call);
    if (it == discoveries_.end()) return;
    auto discovery = std::move(it->second);
    discoveries_.erase(it);
    untrackCall(call);
    executor_.cancel(discovery.timer);
    updateDiscovery();
    discovery.done(std::move(result));
}

void Registry::connect(CallId call, std::string selector, Placement placement, Deadline deadline,
                       std::function<void(Result<CameraView>)> done) {
    executor_.post([this, call, selector = std::move(selector), placement = std::move(placement), deadline,
                    done = std::move(done)]() mutable {
        // issue 16: an adapter BlueZ has but the configuration leaves out can never take the camera.
        if (placement.adapter && !placement.adapter->empty()) {
            for (const auto& [path, adapter] : adapters_) {
                if (adapterIs(path, *placement.adapter) && !adapterAllowed(path)) {
                    return done(fail(Errc::InvalidArgument, "adapter " + *placement.adapter +
                                                                " is not one goprod uses ([bluetooth] adapters)"));
                }
            }
        }
        auto camera = reachable(selector);
        if (camera) return startConnect(call, **camera, placement, deadline, std::move(done));
        // The user named a camera not seen yet (or BlueZ's objects are not read yet,
        // right after start): look for it within the deadline.
        if (camera.error().code == Errc::NotFound && namesOneCamera(selector)) {
            return lookFor(call, selector, std::move(placement), deadline, std::move(done));
        }
        done(Unexpected{camera.error()});
    });
}

void Registry::startConnect(CallId call, Camera& c, const Placement& placement, Deadline deadline,
                            std::function<void(Result<CameraView>)> done) {
    const bool remember = !c.known();
    if (remember) {
        c.setKnown(true);
        if (settings_.autoConnectNew) c.setAutoConnect(true);
    }
    c.setPlacement(placement);
    // issue 16: pinned to another adapter that sees it: answer once it is ready there.
    const bool move = c.state() == CameraState::Ready && wantsToMove(c, connectionsPerAdapter());
    if (c.state() == CameraState::Ready && !move) {
        // Nothing was attempted for this call.
        if (!remember) return done(c.view());
        return afterSave(persistSoon(), [view = c.view(), done = std::move(done)](Result<void> saved) {
            if (!saved) return done(Unexpected{saved.error()});
            done(view);
        });
    }
    c.want(true);
    if (move) c.relink();
    ConnectWaiter waiter{call, c.identifier(), c.attempts() + 1, std::move(done), 0, 0, {}, remember};
    waiter.timer = executor_.at(deadline, [this, call] {
        auto w = takeConnectWaiter(call);
        if (!w) return;
        untrackCall(call);
        // After failed attempts, what stood in the way was the last failure, not time.
        if (w->failures > 0) return w->done(fail(w->lastError.code, couldNotConnect(*w)));
        const auto* cam = find(w->identifier);
        const auto view = cam ? cam->view() : CameraView{};
        // issue 16: a camera that waited for room says so rather than an older failure.
        const auto& why = view.waiting.empty() ? view.lastError : view.waiting;
        w->done(fail(Errc::DeadlineExceeded, "camera " + w->identifier + " did not become ready in time" +
                                                 (why.empty() ? "" : " (" + why + ")")));
    });
    connectWaiters_.push_back(std::move(waiter));
    trackCall(call, [this, call] {
        auto w = takeConnectWaiter(call);
        if (!w) return;
        executor_.cancel(w->timer);
        w->done(fail(Errc::Cancelled, "connect cancelled"));
    });
    updateDiscovery();
    schedule();
}

std::optional<Registry::ConnectWaiter> Registry::takeConnectWaiter(CallId call) {
    const auto it = std::find_if(connectWaiters_.begin(), connectWaiters_.end(),
                                 [call](const ConnectWaiter& w) { return w.call == call; });
    if (it == connectWaiters_.end()) return std::nullopt;
    auto waiter = std::move(*it);
    connectWaiters_.erase(it);
    return waiter;
}

std::string Registry::couldNotConnect(const ConnectWaiter& waiter) {
    return "could not connect to camera " + waiter.identifier + " after " + std::to_string(waiter.failures) +
           (waiter.failures == 1 ? " attempt: " : " attempts: ") + waiter.lastError.message;
}

// Finishes the connect() callers waiting for `camera` with `result`.
void Registry::finishConnectWaiters(Camera& camera, const Result<CameraView>& result) {
    for (auto it = connectWaiters_.begin(); it != connectWaiters_.end();) {
        if (it->identifier != camera.identifier()) {
            ++it;
            continue;
        }
        auto w = std::move(*it);
        it = connectWaiters_.erase(it);
        executor_.cancel(w.timer);
        untrackCall(w.call);
        auto answer = result;
        if (answer) answer->connectAttempts = w.failures + 1;
        if (!answer || !w.remember) {
            w.done(std::move(answer));
            continue;
        }
        // A camera connected for the first time: remembered once it is on disk.
        afterSave(persistSoon(), [answer = std::move(answer), done = std::move(w.done)](Result<void> saved) {
            if (!saved) return done(Unexpected{saved.error()});
            done(answer);
        });
    }
}

// A connection attempt failed. Callers that were waiting for it (or an earlier
// one) count it; while auto-connect retries, they wait for the next attempts
// within their deadline, else they hear at once.
void Registry::connectAttemptFailed(Camera& camera, const Error& error) {
    for (auto it = connectWaiters_.begin(); it != connectWaiters_.end();) {
        if (it->identifier != camera.identifier() || camera.attempts() < it->firstAttempt) {
            ++it;
            continue;
        }
        ++it->failures;
        it->lastError = error;
        if (camera.wanted()) {
            ++it;
            continue;
        }
        auto w = std::move(*it);
        it = connectWaiters_.erase(it);
        executor_.cancel(w.timer);
        untrackCall(w.call);
        w.done(fail(error.code, couldNotConnect(w)));
    }
}

// Discovery runs until the camera appears (deviceChanged → lookupsFound) or the deadline.
void Registry::lookFor(CallId call, const std::string& selector, Placement placement, Deadline deadline,
                       std::function<void(Result<CameraView>)> done) {
    spdlog::info("looking for camera {}", selector);
    const auto seconds =
        std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(deadline - executor_.now()).count());
    Lookup lookup{call, selector, std::move(placement), deadline, std::move(done), 0};
    lookup.timer = executor_.at(deadline, [this, call, selector, seconds] {
        finishLookup(call, fail(Errc::NotFound, "camera " + selector + " was not found within " +
                                                    std::to_string(seconds) + " s (is it on and in range?)"));
    });
    lookups_.push_back(std::move(lookup));
    trackCall(call, [this, call] { finishLookup(call, fail(Errc::Cancelled, "connect cancelled")); });
    updateDiscovery();
}

void Registry::finishLookup(CallId call, Result<CameraView> result) {
    const auto it = std::find_if(lookups_.begin(), lookups_.end(), [call](const Lookup& l) { return l.call == call; });
    if (it == lookups_.end()) return;
    auto lookup = std::move(*it);
    lookups_.erase(it);
    untrackCall(call);
    executor_.cancel(lookup.timer);
    updateDiscovery();
    lookup.done(std::move(result));
}

// A camera appeared: the lookups that name it become connections.
void Registry::lookupsFound() {
    for (auto it = lookups_.begin(); it != lookups_.end();) {
        auto camera = select(it->selector);
        if (!camera) {
            ++it;
            continue;
        }
        auto lookup = std::move(*it);
        it = lookups_.erase(it);
        executor_.cancel(lookup.timer);
        untrackCall(lookup.call);
        spdlog::info("found camera {}", lookup.selector);
        startConnect(lookup.call, **camera, lookup.placement, lookup.deadline, std::move(lookup.done));
    }
}

void Registry::disconnect(std::string selector, std::function<void(Result<CameraView>)> done) {
    executor_.post([this, selector = std::move(selector), done = std::move(done)]() mutable {
        auto camera = select(selector);
        if (!camera) return done(Unexpected{camera.error()});
        Camera* c = *camera;
        finishConnectWaiters(*c, fail(Errc::Cancelled, "disconnected by a user"));
        c->disconnect([this, alive = alive_, id = c->identifier(), done = std::move(done)](Result<void> result) {
            if (!*alive) return;
            if (!result) return done(Unexpected{result.error()});
            Camera* cam = find(id);
            if (!cam) return done(fail(Errc::NotFound, "camera " + id + " was forgotten"));
            done(cam->view());
        });
    });
}

void Registry::forget(std::string selector, std::function<void(Result<void>)> done) {
    executor_.post([this, selector = std::move(selector), done = std::move(done)]() mutable {
        auto camera = select(selector);
        if (!camera) return done(Unexpected{camera.error()});
        Camera* c = *camera;
        const auto id = c->identifier();
        const Error forgotten{Errc::Unavailable, "camera " + id + " was forgotten", {}};
        finishConnectWaiters(*c, Unexpected{forgotten});
        c->shutdown(forgotten);
        const auto device = c->device();
        for (auto it = devices_.begin(); it != devices_.end();) it = it->second == id ? devices_.erase(it) : ++it;
        for (auto it = characteristics_.begin(); it != characteristics_.end();)
            it = it->second == id ? characteristics_.erase(it) : ++it;
        scheduler_.settled(id);
        // Destroy after the current callbacks: queued completions still refer to it.
        auto owned = std::move(cameras_[id]);
        cameras_.erase(id);
        publishedState_.erase(id);
        executor_.post([owned = std::shared_ptr<Camera>(std::move(owned))] {});
        const auto change = persistSoon();
        schedule();
        afterSave(change, [this, device, done = std::move(done)](Result<void> saved) {
            if (!device) return done(saved);
            // BlueZ drops the pairing with the device object (and disconnects it), saved or not.
            port_.removeDevice(device->adapter, device->path, [saved, done](Result<void> result) {
                if (!saved) return done(saved);
                if (!result && result.error().code != Errc::Unavailable) return done(Unexpected{result.error()});
                done({});
            });
        });
    });
}

void Registry::setAutoConnect(std::string selector, bool on, std::function<void(Result<CameraView>)> done) {
    executor_.post([this, selector = std::move(selector), on, done = std::move(done)]() mutable {
        auto camera = select(selector);
        if (!camera) return done(Unexpected{camera.error()});
        (*camera)->setKnown(true);
        (*camera)->setAutoConnect(on);
        const auto change = persistSoon();
        updateDiscovery();
        schedule();
        afterSave(change, [this, id = (*camera)->identifier(), done = std::move(done)](Result<void> saved) {
            if (!saved) return done(Unexpected{saved.error()});
            const auto* c = find(id);
            if (!c) return done(fail(Errc::NotFound, "camera " + id + " was forgotten"));
            done(c->view());
        });
    });
}

void Registry::setKeepAlive(std::string selector, std::chrono::milliseconds interval,
                            std::function<void(Result<void>)> done) {
    executor_.post([this, selector = std::move(selector), interval, done = std::move(done)]() mutable {
        auto camera = select(selector);
        if (!camera) return done(Unexpected{camera.error()});
        (*camera)->setKeepAlive(interval);
        done({});
    });
}

// issue 15 E
void Registry::claimControl(std::string selector, bool claim, Deadline deadline,
                            std::function<void(Result<void>)> done) {
    executor_.post([this, selector = std::move(selector), claim, deadline, done = std::move(done)]() mutable {
        auto camera = select(selector);
        if (!camera) return done(Unexpected{camera.error()});
        (*camera)->claimControl(claim, deadline, std::move(done));
    });
}

void Registry::request(CallId call, std::string selector, protocol::Request request, Deadline deadline,
                       std::function<void(Result<Answer>)> done) {
    executor_.post([this, call, selector = std::move(selector), request = std::move(request), deadline,
                    done = std::move(done)]() mutable {
        auto camera = reachable(selector);
        if (!camera) return done(Unexpected{camera.error()});
        const auto id = (*camera)->identifier();
        const auto ticket = (*camera)->submit(std::move(request), RequestOptions{deadline, Priority::Normal, {}, {}},
                                              [this, alive = alive_, call, done = std::move(done)](Result<Answer> a) {
                                                  if (*alive) untrackCall(call);
                                                  done(std::move(a));
                                              });
        if (ticket != 0) {
            trackCall(call, [this, id, ticket] {
                if (auto* c = find(id)) c->cancel(ticket);
            });
        }
    });
}

void Registry::requestEach(CallId call, Selection selection, protocol::Request request, Deadline deadline,
                           std::optional<WallTime> sendAt,
                           std::function<void(Result<std::vector<CameraAnswer>>)> done) {
    executor_.post([this, call, selection = std::move(selection), request = std::move(request), deadline, sendAt,
                    done = std::move(done)]() mutable {
        auto cameras = selectMany(selection);
        if (!cameras) return done(Unexpected{cameras.error()});
        if (cameras->empty()) return done(std::vector<CameraAnswer>{});
        if (bluezGone_) {  // each camera's outcome says so, as a request to it would
            std::vector<CameraAnswer> outcomes;
            for (auto* camera : *cameras) outcomes.push_back(CameraAnswer{camera->view(), bluezMissing()});
            return done(std::move(outcomes));
        }
        // The outcomes fill in as answers come (all on the core thread); the last one answers.
        struct Gathered {
            std::vector<CameraAnswer> outcomes;
            std::vector<std::pair<std::string, RequestQueue::Ticket>> tickets;  // identifier, ticket
            std::size_t remaining = 0;
            std::function<void(Result<std::vector<CameraAnswer>>)> done;
        };
        auto gathered = std::make_shared<Gathered>();
        gathered->remaining = cameras->size();
        gathered->done = std::move(done);
        gathered->outcomes.reserve(cameras->size());
        for (auto* camera : *cameras) {
            gathered->outcomes.push_back(CameraAnswer{camera->view(), Unexpected{Error{}}});
        }
        for (std::size_t i = 0; i < cameras->size(); ++i) {
            Camera& camera = *(*cameras)[i];
            const auto ticket = camera.submit(request, RequestOptions{deadline, Priority::Normal, {}, sendAt},
                                              [this, alive = alive_, call, gathered, i](Result<Answer> answer) {
                                                  gathered->outcomes[i].answer = std::move(answer);
                                                  if (--gathered->remaining != 0) return;
                                                  if (*alive) untrackCall(call);
                                                  gathered->done(std::move(gathered->outcomes));
                                              });
            if (ticket != 0) gathered->tickets.emplace_back(camera.identifier(), ticket);
        }
        trackCall(call, [this, weak = std::weak_ptr<Gathered>(gathered)] {
            const auto pending = weak.lock();
            if (!pending) return;
            for (const auto& [id, ticket] : pending->tickets) {
                if (auto* c = find(id)) c->cancel(ticket);
            }
        });
    });
}

void Registry::readApInfo(CallId call, std::string selector, Deadline deadline,
                          std::function<void(Result<ApInfo>)> done) {
    (void)call;  // two GATT reads: BlueZ's own timeout bounds them
    (void)deadline;
    executor_.post([this, selector = std::move(selector), done = std::move(done)]() mutable {
        auto camera = reachable(selector);
        if (!camera) return done(Unexpected{camera.error()});
        (*camera)->readApInfo(std::move(done));
    });
}

void Registry::setAp(CallId call, std::string selector, bool on, Deadline deadline,
                     std::function<void(Result<void>)> done) {
    executor_.post([this, call, selector = std::move(selector), on, deadline, done = std::move(done)]() mutable {
        auto camera = reachable(selector);
        if (!camera) return done(Unexpected{camera.error()});
        auto again = [this, alive = alive_, id = (*camera)->identifier()] { return *alive ? find(id) : nullptr; };
        auto finished = [this, alive = alive_, call, done = std::move(done)](Result<void> result) {
            if (!*alive) return done(fail(Errc::Unavailable, "goprod is stopping"));
            untrackCall(call);
            done(std::move(result));
        };
        auto cancel = core::setAp(**camera, std::move(again), on, deadline, std::move(finished));
        if (cancel) trackCall(call, std::move(cancel));
    });
}

void Registry::wifiScan(CallId call, std::string selector, Deadline deadline,
                        std::function<void(Result<std::vector<ScanEntry>>)> done) {
    executor_.post([this, call, selector = std::move(selector), deadline, done = std::move(done)]() mutable {
        auto camera = reachable(selector);
        if (!camera) return done(Unexpected{camera.error()});
        if ((*camera)->state() != CameraState::Ready) {
            return done(fail(Errc::Unavailable, "camera " + (*camera)->identifier() + " is not ready"));
        }
        auto op = makeWifiScan(executor_, **camera, deadline,
                               [this, alive = alive_, call, done = std::move(done)](auto result) {
                                   if (*alive) untrackCall(call);
                                   done(std::move(result));
                               });
        trackCall(call, [weak = std::weak_ptr<NetworkOperation>(op)] {
            if (auto o = weak.lock()) o->abort(Error{Errc::Cancelled, "cancelled by the caller", {}});
        });
        (*camera)->runNetworkOperation(std::move(op));
    });
}

void Registry::wifiConnect(CallId call, std::string selector, std::string ssid, std::optional<std::string> password,
                           Deadline deadline, std::function<void(const WifiProgress&)> progress,
                           std::function<void(Result<void>)> done) {
    executor_.post([this, call, selector = std::move(selector), ssid = std::move(ssid), password = std::move(password),
                    deadline, progress = std::move(progress), done = std::move(done)]() mutable {
        startNetworkOperation(call, selector, std::move(done), [&](Camera& camera, auto finished) {
            return makeWifiConnect(executor_, camera, std::move(ssid), std::move(password), deadline,
                                   std::move(progress), std::move(finished));
        });
    });
}

void Registry::startNetworkOperation(CallId call, const std::string& selector, std::function<void(Result<void>)> done,
                                     const NetworkOperationMaker& make) {
    auto camera = reachable(selector);
    if (!camera) return done(Unexpected{camera.error()});
    if ((*camera)->state() != CameraState::Ready) {
        return done(fail(Errc::Unavailable, "camera " + (*camera)->identifier() + " is not ready"));
    }
    auto op = make(**camera, [this, alive = alive_, call, done = std::move(done)](Result<void> result) {
        if (*alive) untrackCall(call);
        done(std::move(result));
    });
    trackCall(call, [weak = std::weak_ptr<NetworkOperation>(op)] {
        if (auto o = weak.lock()) o->abort(Error{Errc::Cancelled, "cancelled by the caller", {}});
    });
    (*camera)->runNetworkOperation(std::move(op));
}

// issue 15 D
void Registry::provisionCohn(CallId call, std::string selector, std::string ssid, std::optional<std::string> password,
                             protocol::LocalDateTime now, Deadline deadline,
                             std::function<void(const CohnProgress&)> progress,
                             std::function<void(Result<CohnCredentials>)> done) {
    executor_.post([this, call, selector = std::move(selector), ssid = std::move(ssid), password = std::move(password),
                    now, deadline, progress = std::move(progress), done = std::move(done)]() mutable {
        auto camera = reachable(selector);
        if (!camera) return done(Unexpected{camera.error()});
        if ((*camera)->state() != CameraState::Ready) {
            return done(fail(Errc::Unavailable, "camera " + (*camera)->identifier() + " is not ready"));
        }
        auto again = [this, alive = alive_, id = (*camera)->identifier()] { return *alive ? find(id) : nullptr; };
        auto finished = [this, alive = alive_, call, done = std::move(done)](Result<CohnCredentials> result) {
            if (*alive) untrackCall(call);
            done(std::move(result));
        };
        auto cancel = core::provisionCohn(executor_, std::move(again), std::move(ssid), std::move(password), now,
                                          deadline, std::move(progress), std::move(finished));
        if (cancel) trackCall(call, std::move(cancel));
    });
}

// group C: live streaming
void Registry::liveStreamStart(CallId call, std::string selector, protocol::operation::LiveStreamMode mode,
                               Deadline deadline, std::function<void(const LiveStreamProgress&)> progress,
                               std::function<void(Result<void>)> done) {
    executor_.post([this, call, selector = std::move(selector), mode = std::move(mode), deadline,
                    progress = std::move(progress), done = std::move(done)]() mutable {
        startNetworkOperation(call, selector, std::move(done), [&](Camera& camera, auto finished) {
            return makeLiveStreamStart(executor_, camera, std::move(mode), deadline, std::move(progress),
                                       std::move(finished));
        });
    });
}

void Registry::status(std::function<void(RegistryStatus)> done) {
    executor_.post([this, done = std::move(done)] {
        RegistryStatus out;
        out.bluezRunning = bluezUp_;
        for (const auto& [path, adapter] : adapters_) {
            AdapterView view{path,
                             adapter.address,
                             adapter.powered,
                             adapter.discovering,
                             adapterAllowed(path),
                             budget(path),
                             0,
                             adapterName(path),
                             lowered_.count(path) != 0,
                             {}};
            out.adapters.push_back(std::move(view));
        }
        const auto held = connectionsPerAdapter();
        for (auto& adapter : out.adapters) {
            if (const auto it = held.find(adapter.path); it != held.end()) adapter.connections = it->second;
        }
        for (const auto& [id, camera] : cameras_) {
            const auto* on = holdsConnection(*camera);
            if (on == nullptr) continue;
            for (auto& adapter : out.adapters) {
                if (adapter.path == *on) adapter.cameras.push_back(id);
            }
        }
        out.cameras = cameras_.size();
        out.maxCameras = settings_.maxCameras;
        for (const auto& [id, camera] : cameras_) {
            const auto state = camera->state();
            out.known += camera->known() ? 1 : 0;
            out.connected += state > CameraState::Connecting && state <= CameraState::Ready ? 1 : 0;
            out.ready += state == CameraState::Ready ? 1 : 0;
        }
        out.subscribers = events_.size();
        out.maxSubscribers = settings_.maxSubscribers;
        out.discoveries = discoveries_.size();
        done(std::move(out));
    });
}

// ---------------------------------------------------------------------------
// Events

Result<std::uint64_t> Registry::subscribe(EventFilter filter, std::function<void(const Event&)> onEvent) {
    return events_.subscribe(std::move(filter), std::move(onEvent));
}

void Registry::unsubscribe(std::uint64_t subscription) { events_.unsubscribe(subscription); }

Result<std::uint64_t> Registry::observe(EventFilter filter, std::function<void(const Event&)> onEvent) {
    return events_.subscribe(std::move(filter), std::move(onEvent), true);
}

void Registry::publish(Event event) { events_.publish(event); }

// ---------------------------------------------------------------------------
// CameraHost

void Registry::stateChanged(Camera& camera) {
    auto& published = publishedState_[camera.identifier()];
    // A camera on its way to another adapter is still ready on the old one: Connect waits for the new.
    const bool ready = camera.state() == CameraState::Ready && !camera.moving();
    if (ready && published != CameraState::Ready) {
        // issue 16: remember the adapter it became ready through (before the view, which shows it),
        // unless it is only here because its home adapter is gone or full: then it goes back when
        // that adapter has room.
        const auto adapter = adapters_.find(camera.device()->adapter);
        if (adapter != adapters_.end() && !displaced(camera)) camera.setHomeAdapter(adapter->second.address);
    }
    const auto view = camera.view();
    if (published != view.state) {
        published = view.state;
        // Built only when someone listens.
        if (events_.wants(Event::Kind::StateChanged, view.identifier, view.address)) {
            Event event;
            event.kind = Event::Kind::StateChanged;
            event.camera = view;
            event.error = camera.stateCause();
            publish(std::move(event));
        }
    }
    if (ready) finishConnectWaiters(camera, view);
    // A camera that wants a link, or one that may have freed room another waits for.
    if (camera.wantsConnection() || waitingForRoom_) {
        executor_.post([this, alive = alive_] {
            if (*alive) schedule();
        });
    }
    for (auto& [call, discovery] : discoveries_) {
        if (camera.device()) discovery.found(view);
    }
}

void Registry::attemptSettled(Camera& camera) {
    scheduler_.settled(camera.identifier());
    if (camera.refusedForRoom() && camera.device()) {
        // issue 16: the controller holds fewer links than its budget says: what it holds
        // now is its budget (at least one: room taken by other devices may free again).
        const auto& adapter = camera.device()->adapter;
        const auto held = connectionsPerAdapter();
        const auto it = held.find(adapter);
        const std::size_t holds = it == held.end() ? 0 : it->second;
        lowered_[adapter] = std::max<std::size_t>(holds, 1);
        spdlog::warn("adapter {} has no room for camera {}: its budget is now {} connections", adapter,
                     camera.identifier(), budget(adapter));
    }
    const auto state = camera.state();
    if (state != CameraState::Initializing && state != CameraState::Ready) {
        // The attempt failed: the users waiting for it count it.
        const auto view = camera.view();
        const bool pairing = view.lastError.rfind("pairing failed", 0) == 0;
        connectAttemptFailed(camera, Error{pairing ? Errc::PairingFailed : Errc::Unavailable, view.lastError, {}});
    }
    // Let the current callbacks finish before the adapter starts the next attempt.
    executor_.post([this, alive = alive_] {
        if (*alive) schedule();
    });
}

void Registry::knownInfoChanged(Camera&) { persistSoon(); }

std::uint64_t Registry::persistSoon() {
    if (!persist_) return 0;
    const auto change = ++changes_;
    if (persistPending_) return change;
    persistPending_ = true;
    executor_.post([this, alive = alive_] {
        if (!*alive) return;
        persistPending_ = false;
        std::vector<CameraView> known;
        for (const auto& [id, camera] : cameras_) {
            if (camera->known()) known.push_back(camera->view());
        }
        persist_(known, [this, alive, change = changes_](Result<void> result) {
            if (*alive) saveDone(change, result);
        });
    });
    return change;
}

void Registry::afterSave(std::uint64_t change, std::function<void(Result<void>)> done) {
    if (change == 0) return done({});  // nothing persists (tests)
    saveWaiters_.push_back({change, std::move(done)});
}

// Saves finish in order: each answers the callers whose change it includes.
void Registry::saveDone(std::uint64_t change, const Result<void>& result) {
    if (!result) spdlog::error("{}", result.error().message);
    std::vector<SaveWaiter> answered;
    for (auto it = saveWaiters_.begin(); it != saveWaiters_.end();) {
        if (it->change > change) {
            ++it;
            continue;
        }
        answered.push_back(std::move(*it));
        it = saveWaiters_.erase(it);
    }
    for (auto& waiter : answered) waiter.done(result);
}

// ---------------------------------------------------------------------------
// Connection scheduling and discovery

bool Registry::adapterAllowed(const ObjectPath& adapter) const {
    if (settings_.adapters.empty()) return true;
    return std::any_of(settings_.adapters.begin(), settings_.adapters.end(),
                       [&](const std::string& wanted) { return adapterIs(adapter, wanted); });
}

bool Registry::adapterIs(const ObjectPath& adapter, const std::string& wanted) const {
    if (adapterName(adapter) == wanted) return true;
    const auto it = adapters_.find(adapter);
    return it != adapters_.end() && protocol::sameIgnoringCase(it->second.address, wanted);
}

bool Registry::adapterUsable(const ObjectPath& adapter) const {
    const auto it = adapters_.find(adapter);
    return it != adapters_.end() && it->second.powered && adapterAllowed(adapter);
}

std::size_t Registry::budget(const ObjectPath& adapter) const {
    const auto it = lowered_.find(adapter);
    return it == lowered_.end() ? settings_.maxConnections : std::min(it->second, settings_.maxConnections);
}

// A camera holds a connection from its attempt's start until its link is down.
const ObjectPath* Registry::holdsConnection(const Camera& camera) {
    const auto& device = camera.device();
    const auto state = camera.state();
    const bool holds = state >= CameraState::Connecting && state <= CameraState::Ready;
    return device && (holds || device->connected || camera.attempting()) ? &device->adapter : nullptr;
}

std::map<ObjectPath, std::size_t> Registry::connectionsPerAdapter() const {
    std::map<ObjectPath, std::size_t> held;
    for (const auto& [id, camera] : cameras_) {
        if (const auto* adapter = holdsConnection(*camera)) ++held[*adapter];
    }
    return held;
}

namespace {

std::size_t countOn(const std::map<ObjectPath, std::size_t>& counts, const ObjectPath& adapter) {
    const auto it = counts.find(adapter);
    return it == counts.end() ? 0 : it->second;
}

// issue 16: signals this close to the strongest count as equally good; the least loaded adapter wins among them.
constexpr int kSignalMargin = 6;  // dB

}  // namespace

// issue 16: placement (README "Rigs"): the pinned adapter only; else the home adapter when it
// has room; else the strongest signal, the least loaded among signals within kSignalMargin.
Registry::Place Registry::place(const Camera& camera, const std::map<ObjectPath, std::size_t>& held,
                                const std::map<ObjectPath, std::size_t>& load) const {
    const auto& pin = camera.pinnedAdapter();
    bool seen = false;        // by a usable adapter (the pinned one, when pinned)
    bool roomHeld = false;    // one of those has room beyond the links it holds
    std::vector<const DeviceInfo*> options;  // those with room beyond the links planned too
    for (const auto& [path, device] : camera.sightings()) {
        if (!adapterUsable(device.adapter) || (!pin.empty() && !adapterIs(device.adapter, pin))) continue;
        seen = true;
        const auto room = budget(device.adapter);
        roomHeld = roomHeld || countOn(held, device.adapter) < room;
        if (countOn(load, device.adapter) < room) options.push_back(&device);
    }
    if (options.empty()) {
        if (!seen) return {nullptr, pin.empty() ? "" : "pinned to adapter " + pin + ", which does not see it"};
        if (roomHeld) return {};  // room frees as the attempts planned before it settle
        return {nullptr, pin.empty() ? "no adapter has room" : "adapter " + pin + " has no room"};
    }
    // The last attempt failed there (out of its range, or a controller with no room that
    // says only "abort-by-local", as bluetoothd 5.66 does): another adapter that hears it next.
    if (options.size() > 1) {
        const auto failed = std::find_if(options.begin(), options.end(),
                                         [&](const DeviceInfo* d) { return d->adapter == camera.failedOn(); });
        if (failed != options.end()) options.erase(failed);
    }
    const auto& home = camera.homeAdapter();
    for (const auto* device : options) {
        const auto adapter = adapters_.find(device->adapter);
        if (!home.empty() && protocol::sameIgnoringCase(adapter->second.address, home)) return {device, ""};
    }
    auto signal = [](const DeviceInfo* device) -> int { return device->rssi.value_or(-127); };
    int strongest = -127;
    for (const auto* device : options) strongest = std::max(strongest, signal(device));
    const DeviceInfo* best = nullptr;
    for (const auto* device : options) {
        if (signal(device) < strongest - kSignalMargin) continue;
        if (best == nullptr || countOn(load, device->adapter) < countOn(load, best->adapter)) best = device;
    }
    return {best, ""};
}

// Each pass places every camera that wants a link (higher priority first, then the
// earliest due), counting the attempts it plans; the scheduler then starts, per free
// adapter with room, the best due camera placed there.
void Registry::schedule() {
    if (!bluezUp_) return;
    auto held = connectionsPerAdapter();
    std::vector<std::string_view> adapters;  // usable, with room
    for (const auto& [path, adapter] : adapters_) {
        if (adapterUsable(path) && countOn(held, path) < budget(path)) adapters.push_back(path);
    }
    std::vector<Camera*> wanting;
    for (auto& [id, camera] : cameras_) {
        if (camera->wantsConnection()) wanting.push_back(camera.get());
    }
    std::stable_sort(wanting.begin(), wanting.end(), [](const Camera* a, const Camera* b) {
        if (a->priority() != b->priority()) return a->priority() > b->priority();
        return a->nextAttemptAt() < b->nextAttemptAt();
    });
    const auto now = executor_.now();
    auto load = held;
    std::vector<Camera*> placed;
    std::vector<ConnectionScheduler::Candidate> candidates;
    waitingForRoom_ = false;
    for (Camera* camera : wanting) {
        auto where = place(*camera, held, load);
        camera->setWaiting(std::move(where.waiting));
        waitingForRoom_ = waitingForRoom_ || !camera->waiting().empty();
        if (where.device == nullptr) continue;
        camera->placeOn(where.device->path);
        const auto& adapter = camera->device()->adapter;
        if (camera->nextAttemptAt() <= now) ++load[adapter];
        placed.push_back(camera);
        candidates.push_back({camera->identifier(), adapter, camera->nextAttemptAt(), camera->priority()});
    }
    for (const auto i : scheduler_.plan(adapters, candidates)) {
        spdlog::info("connecting camera {} on {}", placed[i]->identifier(), candidates[i].adapter);
        placed[i]->startAttempt();
        ++held[placed[i]->device()->adapter];
    }
    moveHome(held);
}

// Ready away from its home adapter because that one could not take it: gone, off or full.
bool Registry::displaced(const Camera& camera) const {
    const auto& home = camera.homeAdapter();
    if (home.empty()) return false;
    const auto held = connectionsPerAdapter();
    return std::none_of(adapters_.begin(), adapters_.end(), [&](const auto& a) {
        return protocol::sameIgnoringCase(a.second.address, home) && adapterUsable(a.first) &&
               (a.first == camera.device()->adapter || countOn(held, a.first) < budget(a.first));
    });
}

bool Registry::wantsToMove(const Camera& camera, const std::map<ObjectPath, std::size_t>& held) const {
    if (camera.state() != CameraState::Ready || !camera.device()) return false;
    if (camera.moving()) return false;
    const auto& wanted = camera.pinnedAdapter().empty() ? camera.homeAdapter() : camera.pinnedAdapter();
    if (wanted.empty() || adapterIs(camera.device()->adapter, wanted)) return false;
    return std::any_of(camera.sightings().begin(), camera.sightings().end(), [&](const auto& sighting) {
        const auto& adapter = sighting.second.adapter;
        return adapterIs(adapter, wanted) && adapterUsable(adapter) && countOn(held, adapter) < budget(adapter);
    });
}

// issue 16: a camera connected elsewhere than its pin or home (that adapter was gone, or
// full) goes back once it has room and the camera is idle, so that nothing in flight is lost.
void Registry::moveHome(std::map<ObjectPath, std::size_t>& held) {
    auto target = [](const Camera& camera) -> const std::string& {
        return camera.pinnedAdapter().empty() ? camera.homeAdapter() : camera.pinnedAdapter();
    };
    // Cameras on their way take their room first.
    for (const auto& [id, camera] : cameras_) {
        if (!camera->moving()) continue;
        for (const auto& [path, sighting] : camera->sightings()) {
            if (adapterIs(sighting.adapter, target(*camera))) ++held[sighting.adapter];
        }
    }
    bool busy = false;
    for (auto& [id, camera] : cameras_) {
        if (!wantsToMove(*camera, held)) continue;
        if (!camera->idle()) {
            busy = true;
            continue;
        }
        const auto& wanted = target(*camera);
        spdlog::info("camera {}: moving it from {} to its {} adapter {}", id, adapterName(camera->device()->adapter),
                     camera->pinnedAdapter().empty() ? "home" : "pinned", wanted);
        for (const auto& [path, sighting] : camera->sightings()) {
            if (adapterIs(sighting.adapter, wanted)) ++held[sighting.adapter];  // its room is taken
        }
        camera->relink();
    }
    // A busy camera is looked at again shortly: being busy is no event the registry hears of.
    if (busy && moveTimer_ == 0) {
        moveTimer_ = executor_.at(executor_.now() + std::chrono::seconds(1), [this, alive = alive_] {
            if (!*alive) return;
            moveTimer_ = 0;
            schedule();
        });
    }
}

// Discovery runs while a user discovers, or while a camera we want to connect
// has no BlueZ device (after a BlueZ restart, or a known camera out of range),
// or while connect() looks for a camera: then filtered to that one alone.
void Registry::updateDiscovery() {
    if (!bluezUp_) return;
    bool needed = !discoveries_.empty();
    for (const auto& [id, camera] : cameras_) {
        if (camera->wanted() && camera->sightings().empty()) needed = true;
    }
    std::set<std::string> patterns;
    for (const auto& lookup : lookups_) patterns.insert(discoveryPattern(lookup.selector));
    const std::string pattern = !needed && patterns.size() == 1 ? *patterns.begin() : "";
    needed = needed || !lookups_.empty();
    for (const auto& [path, adapter] : adapters_) {
        if (!adapter.powered || !adapterAllowed(path)) continue;
        const auto running = discovering_.find(path);
        if (needed && (running == discovering_.end() || running->second != pattern)) {
            discovering_[path] = pattern;
            port_.startDiscovery(path, pattern, [this, alive = alive_, path](Result<void> result) {
                if (!*alive || result) return;
                spdlog::warn("could not start discovery on {}: {}", path, result.error().message);
                discovering_.erase(path);
            });
        } else if (!needed && running != discovering_.end()) {
            discovering_.erase(path);
            port_.stopDiscovery(path, [path](Result<void> result) {
                if (!result) spdlog::debug("stop discovery on {}: {}", path, result.error().message);
            });
        }
    }
}

// ---------------------------------------------------------------------------
// BluezObserver

void Registry::bluezAppeared() {
    spdlog::info("BlueZ is available ({} adapters)", adapters_.size());
    bluezUp_ = true;
    bluezGone_ = false;
    updateDiscovery();
    schedule();
}

// Back on the bus: requests wait for its objects again, as at start.
void Registry::bluezStarting() { bluezGone_ = false; }

void Registry::bluezAbsent() {
    spdlog::warn("BlueZ is not running: requests that need it fail until it starts");
    bluezGone_ = true;
}

void Registry::bluezVanished() {
    spdlog::warn("BlueZ went away: waiting for it to come back (requests that need it fail until then)");
    bluezUp_ = false;
    bluezGone_ = true;
    scheduler_.reset();
    for (auto& [id, camera] : cameras_) camera->allDevicesRemoved();
    devices_.clear();
    characteristics_.clear();
    adapters_.clear();
    lowered_.clear();
    discovering_.clear();
}

void Registry::adapterChanged(const AdapterInfo& adapter) {
    adapters_[adapter.path] = adapter;
    if (!adapter.powered) discovering_.erase(adapter.path);
    if (bluezUp_) {
        updateDiscovery();
        schedule();
    }
}

void Registry::adapterRemoved(const ObjectPath& path) {
    adapters_.erase(path);
    lowered_.erase(path);
    scheduler_.adapterRemoved(path);
    discovering_.erase(path);
}

void Registry::deviceChanged(const DeviceInfo& device) {
    std::string id;
    if (const auto it = devices_.find(device.path); it != devices_.end()) {
        id = it->second;
    } else {
        const auto fromName = identifierFromName(device.name);
        if (!fromName || !adapterAllowed(device.adapter)) return;  // not a GoPro, or not our adapter
        id = *fromName;
        if (!cameras_.count(id) && cameras_.size() >= settings_.maxCameras) {
            if (!warnedFull_) spdlog::warn("ignoring camera {}: the limit of {} cameras is reached", id, settings_.maxCameras);
            warnedFull_ = true;
            return;
        }
        devices_[device.path] = id;
    }
    auto& camera = cameraFor(id);
    camera.deviceChanged(device);
    if (!lookups_.empty()) lookupsFound();
    updateDiscovery();
    schedule();
}

void Registry::deviceRemoved(const ObjectPath& path) {
    const auto it = devices_.find(path);
    if (it == devices_.end()) return;
    const auto id = it->second;
    devices_.erase(it);
    for (auto c = characteristics_.begin(); c != characteristics_.end();)
        c = c->first.rfind(path + "/", 0) == 0 ? characteristics_.erase(c) : ++c;
    if (auto* camera = find(id)) {
        camera->deviceRemoved(path);
        if (camera->sightings().empty() && !camera->known() && !camera->wanted() && !camera->attempting()) {
            // A camera seen in a scan and gone again: nothing to remember.
            camera->shutdown(Error{Errc::Unavailable, "the camera is gone", {}});
            auto owned = std::shared_ptr<Camera>(std::move(cameras_[id]));
            cameras_.erase(id);
            publishedState_.erase(id);
            executor_.post([owned] {});
        }
    }
    updateDiscovery();
    schedule();  // issue 16: a camera whose adapter went is placed on another that sees it
}

void Registry::characteristicAdded(const CharacteristicInfo& characteristic) {
    const auto it = devices_.find(characteristic.device);
    if (it == devices_.end()) return;
    characteristics_[characteristic.path] = it->second;
    if (auto* camera = find(it->second)) camera->characteristicAdded(characteristic);
}

void Registry::characteristicRemoved(const ObjectPath& path) {
    const auto it = characteristics_.find(path);
    if (it == characteristics_.end()) return;
    if (auto* camera = find(it->second)) camera->characteristicRemoved(path);
    characteristics_.erase(it);
}

void Registry::notification(const ObjectPath& characteristic, protocol::Bytes value) {
    const auto it = characteristics_.find(characteristic);
    if (it == characteristics_.end()) return;
    if (auto* camera = find(it->second)) camera->notification(characteristic, value);
}

}  // namespace goprod::core
