// The baseline of the daemon benchmarks: a direct BlueZ client on D-Bus
// (sdbus-c++, as goprod uses it) that does what goprod does for one request,
// without goprod. It connects the given (bonded) cameras itself, subscribes to
// GP-0073, and keeps one Get Open GoPro Version (01 51) in flight per camera:
// WriteValue on GP-0072, then the notification on GP-0073, then the next.
//
// --registered also subscribes to GP-0077 and registers for the status pushes
// goprod's session registers (busy, encoding, AP mode, battery), so the camera
// does the same work for this client as for goprod: the fair baseline.
//
//   direct_client --seconds S DEVICE_PATH...      throughput, one line of JSON
//   direct_client --sequential N DEVICE_PATH      latency of N requests in a row
//   direct_client --connect DEVICE_PATH...        connect time (the rig benchmark)
//   direct_client --start N [--at-offset-ms MS] DEVICE_PATH...
//                                                  start spread (the start benchmark)
//
// --connect connects the given cameras (their paths name the adapter each goes
// through: /org/bluez/hci2/dev_...) one at a time per adapter, as a controller
// makes one LE connection at a time and goprod schedules them, the adapters in
// parallel, and enables notifications on the four response characteristics as
// goprod does. The time is from the first Connect to the last notification
// enabled: goprod's connection without its session set-up.
//
// --start (with --registered: the start benchmark's fair baseline) writes shutter
// on (GP-0072 01 01 01) to every camera at once, N times: the WriteValue calls
// issued back to back, each stamped right before its call (as goprod stamps
// `sent`), then waits for every camera's response on GP-0073, then writes
// shutter off the same way so that each run finds the cameras as the first did.
// With --at-offset-ms, each run first sleeps until a wall-clock instant MS ahead
// (clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME: start_at is a wall-clock
// instant too): a planned start. One line of JSON per run: the spread (last
// issue - first issue) and, planned, how long after the instant the first and
// the last call were issued. Before the first run, one Get Open GoPro Version
// to every camera, not measured.
//
// It prints figures; it asserts nothing about time. Single-threaded: every
// callback runs on the connection's event loop in the main thread.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

#include <sdbus-c++/sdbus-c++.h>

#include "measure.h"
#include "protocol/gatt.h"

namespace {

using goprod::bench::cpuSeconds;
using goprod::bench::percentile;

namespace protocol = goprod::protocol;
using Clock = std::chrono::steady_clock;
using Objects = std::map<sdbus::ObjectPath, std::map<std::string, std::map<std::string, sdbus::Variant>>>;

constexpr const char* kBluez = "org.bluez";
constexpr const char* kCharacteristic = "org.bluez.GattCharacteristic1";
const std::vector<std::uint8_t> kGetVersion{0x01, 0x51};
// Register for statuses 8, 10, 69, 70 (GP-0076), as goprod's session does.
const std::vector<std::uint8_t> kRegisterStatuses{0x05, 0x53, 0x08, 0x0a, 0x45, 0x46};
// Set Shutter (01) on and off, framed (a general header: 3 bytes follow), as goprod writes them.
const std::vector<std::uint8_t> kShutterOn{0x03, 0x01, 0x01, 0x01};
const std::vector<std::uint8_t> kShutterOff{0x03, 0x01, 0x01, 0x00};

std::string uuidOf(protocol::Characteristic characteristic) { return std::string(protocol::info(characteristic).uuid); }

// One camera: its characteristics, and the request in flight.
struct Camera {
    std::unique_ptr<sdbus::IProxy> device;
    std::unique_ptr<sdbus::IProxy> command;        // GP-0072
    std::unique_ptr<sdbus::IProxy> response;       // GP-0073
    std::unique_ptr<sdbus::IProxy> query;          // GP-0076
    std::unique_ptr<sdbus::IProxy> queryResponse;  // GP-0077
    Clock::time_point sentAt;
    std::uint64_t answered = 0;
};

class Bench {
public:
    explicit Bench(sdbus::IConnection& connection) : connection_(connection) {}

    void addCamera(const std::string& devicePath, bool registered) {
        auto camera = std::make_unique<Camera>();
        camera->device = sdbus::createProxy(connection_, kBluez, devicePath);
        camera->device->finishRegistration();
        camera->device->callMethod("Connect").onInterface("org.bluez.Device1").withTimeout(std::chrono::seconds(30));

        Objects objects;
        auto root = sdbus::createProxy(connection_, kBluez, "/");
        root->callMethod("GetManagedObjects").onInterface("org.freedesktop.DBus.ObjectManager").storeResultsTo(objects);
        auto find = [&](protocol::Characteristic which) {
            const auto uuid = uuidOf(which);
            for (const auto& [path, interfaces] : objects) {
                const auto gatt = interfaces.find(kCharacteristic);
                if (path.rfind(devicePath + "/", 0) == 0 && gatt != interfaces.end() &&
                    gatt->second.at("UUID").get<std::string>() == uuid) {
                    return sdbus::createProxy(connection_, kBluez, path);
                }
            }
            std::fprintf(stderr, "direct_client: %s has no characteristic %s\n", devicePath.c_str(), uuid.c_str());
            std::exit(1);
        };
        camera->command = find(protocol::Characteristic::CommandRequest);
        camera->command->finishRegistration();
        camera->response = find(protocol::Characteristic::CommandResponse);
        Camera* self = camera.get();
        camera->response->uponSignal("PropertiesChanged")
            .onInterface("org.freedesktop.DBus.Properties")
            .call([this, self](const std::string&, const std::map<std::string, sdbus::Variant>& changed,
                               const std::vector<std::string>&) {
                const auto value = changed.find("Value");
                if (value != changed.end()) answered(*self, value->second.get<std::vector<std::uint8_t>>());
            });
        camera->response->finishRegistration();
        camera->response->callMethod("StartNotify").onInterface(kCharacteristic);
        if (registered) {
            camera->query = find(protocol::Characteristic::QueryRequest);
            camera->query->finishRegistration();
            camera->queryResponse = find(protocol::Characteristic::QueryResponse);
            camera->queryResponse->uponSignal("PropertiesChanged")
                .onInterface("org.freedesktop.DBus.Properties")
                .call([](const std::string&, const std::map<std::string, sdbus::Variant>&,
                         const std::vector<std::string>&) {});
            camera->queryResponse->finishRegistration();
            camera->queryResponse->callMethod("StartNotify").onInterface(kCharacteristic);
            write(*camera->query, kRegisterStatuses);
        }
        cameras_.push_back(std::move(camera));
    }

    // Throughput: one request in flight per camera for `duration`.
    void runFor(std::chrono::milliseconds duration) {
        for (auto& camera : cameras_) send(*camera);
        std::thread stopper([this, duration] {
            std::this_thread::sleep_for(duration);  // the measuring window itself
            connection_.leaveEventLoop();
        });
        connection_.enterEventLoop();
        stopper.join();
    }

    // Latency: `count` requests in a row on the first camera.
    void runSequential(std::size_t count) {
        limit_ = count;
        send(*cameras_.front());
        connection_.enterEventLoop();
    }

    // Start mode: writes the command `bytes` to every camera back to back and
    // returns when each was issued (steady clock, right before its call), in
    // camera order.
    std::vector<Clock::time_point> writeToAll(const std::vector<std::uint8_t>& bytes) {
        std::vector<Clock::time_point> issued;
        issued.reserve(cameras_.size());
        awaiting_ = cameras_.size();
        awaitedCommand_ = bytes.at(1);
        for (auto& camera : cameras_) {
            issued.push_back(Clock::now());
            writeAsync(*camera->command, bytes);
        }
        return issued;
    }

    // Until every camera answered the last writeToAll with success.
    void awaitAnswers() {
        if (awaiting_ != 0) connection_.enterEventLoop();
    }

    std::size_t cameras() const { return cameras_.size(); }

    std::uint64_t answeredTotal() const {
        std::uint64_t total = 0;
        for (const auto& camera : cameras_) total += camera->answered;
        return total;
    }
    const std::vector<double>& latenciesUs() const { return latenciesUs_; }

    void disconnectAll() {
        for (auto& camera : cameras_) {
            camera->device->callMethod("Disconnect").onInterface("org.bluez.Device1");
        }
    }

private:
    void write(sdbus::IProxy& characteristic, const std::vector<std::uint8_t>& bytes) {
        characteristic.callMethod("WriteValue")
            .onInterface(kCharacteristic)
            .withArguments(bytes,
                           std::map<std::string, sdbus::Variant>{{"type", sdbus::Variant(std::string("request"))}});
    }

    void writeAsync(sdbus::IProxy& characteristic, const std::vector<std::uint8_t>& bytes) {
        characteristic.callMethodAsync("WriteValue")
            .onInterface(kCharacteristic)
            .withArguments(bytes,
                           std::map<std::string, sdbus::Variant>{{"type", sdbus::Variant(std::string("request"))}})
            .uponReplyInvoke([](const sdbus::Error* error) {
                if (error != nullptr) {
                    std::fprintf(stderr, "direct_client: WriteValue failed: %s\n", error->getMessage().c_str());
                    std::exit(1);
                }
            });
    }

    void send(Camera& camera) {
        camera.sentAt = Clock::now();
        writeAsync(*camera.command, kGetVersion);
    }

    void answered(Camera& camera, const std::vector<std::uint8_t>& value) {
        ++camera.answered;
        if (awaiting_ != 0) {
            // Start mode: [length] [command] [status], 0 = success.
            if (value.size() < 3 || value[1] != awaitedCommand_ || value[2] != 0x00) {
                std::fprintf(stderr, "direct_client: a camera did not accept command %02x (%zu bytes, status %d)\n",
                             awaitedCommand_, value.size(), value.size() < 3 ? -1 : value[2]);
                std::exit(1);
            }
            if (--awaiting_ == 0) connection_.leaveEventLoop();
            return;
        }
        if (limit_ != 0) {
            latenciesUs_.push_back(std::chrono::duration<double, std::micro>(Clock::now() - camera.sentAt).count());
            if (latenciesUs_.size() == limit_) {
                connection_.leaveEventLoop();
                return;
            }
        }
        send(camera);
    }

    sdbus::IConnection& connection_;
    std::vector<std::unique_ptr<Camera>> cameras_;
    std::size_t limit_ = 0;     // sequential mode: stop after this many answers
    std::size_t awaiting_ = 0;  // start mode: answers still to come
    std::uint8_t awaitedCommand_ = 0;
    std::vector<double> latenciesUs_;
};

// Connect time: one Connect at a time per adapter, the adapters in parallel;
// a camera is done once notifications are on for its four response
// characteristics (GP-0073, 0075, 0077, 0092: goprod's), then the adapter's next
// camera connects. Everything is asynchronous on the one event loop.
class Connector {
public:
    Connector(sdbus::IConnection& connection, const std::vector<std::string>& devices) : connection_(connection) {
        for (const auto& device : devices) {
            // /org/bluez/hciN/dev_...: the adapter is the path's parent.
            queues_[device.substr(0, device.rfind('/'))].push_back(device);
        }
        left_ = devices.size();
        // The characteristics appear (InterfacesAdded) before the Connect reply, as from bluetoothd.
        root_ = sdbus::createProxy(connection_, kBluez, "/");
        root_->uponSignal("InterfacesAdded")
            .onInterface("org.freedesktop.DBus.ObjectManager")
            .call([this](const sdbus::ObjectPath& path,
                         const std::map<std::string, std::map<std::string, sdbus::Variant>>& interfaces) {
                const auto gatt = interfaces.find(kCharacteristic);
                if (gatt != interfaces.end()) uuids_[path] = gatt->second.at("UUID").get<std::string>();
            });
        root_->finishRegistration();
    }

    // Connects them all; returns once every camera is done.
    void run() {
        for (auto& [adapter, queue] : queues_) next(adapter);
        connection_.enterEventLoop();
    }

    std::size_t adapters() const { return queues_.size(); }

    void disconnectAll() {
        for (auto& device : devices_) device->callMethod("Disconnect").onInterface("org.bluez.Device1");
    }

private:
    void next(const std::string& adapter) {
        auto& queue = queues_[adapter];
        if (queue.empty()) return;
        const std::string path = queue.front();
        queue.pop_front();
        devices_.push_back(sdbus::createProxy(connection_, kBluez, path));
        devices_.back()
            ->callMethodAsync("Connect")
            .onInterface("org.bluez.Device1")
            .withTimeout(std::chrono::seconds(30))
            .uponReplyInvoke([this, path, adapter](const sdbus::Error* error) {
                if (error != nullptr) fail(path, "Connect", *error);
                subscribe(path, adapter);
            });
    }

    void subscribe(const std::string& device, const std::string& adapter) {
        static const protocol::Characteristic notified[] = {
            protocol::Characteristic::CommandResponse, protocol::Characteristic::SettingResponse,
            protocol::Characteristic::QueryResponse, protocol::Characteristic::NetworkManagementResponse};
        auto pending = std::make_shared<std::size_t>(std::size(notified));
        for (const auto which : notified) {
            const auto uuid = uuidOf(which);
            const auto found = std::find_if(uuids_.begin(), uuids_.end(), [&](const auto& entry) {
                return entry.second == uuid && entry.first.rfind(device + "/", 0) == 0;
            });
            if (found == uuids_.end()) {
                std::fprintf(stderr, "direct_client: %s has no characteristic %s\n", device.c_str(), uuid.c_str());
                std::exit(1);
            }
            characteristics_.push_back(sdbus::createProxy(connection_, kBluez, found->first));
            characteristics_.back()
                ->callMethodAsync("StartNotify")
                .onInterface(kCharacteristic)
                .uponReplyInvoke([this, device, adapter, pending](const sdbus::Error* error) {
                    if (error != nullptr) fail(device, "StartNotify", *error);
                    if (--*pending != 0) return;
                    if (--left_ == 0) connection_.leaveEventLoop();
                    next(adapter);
                });
        }
    }

    [[noreturn]] static void fail(const std::string& path, const char* method, const sdbus::Error& error) {
        std::fprintf(stderr, "direct_client: %s %s failed: %s\n", path.c_str(), method, error.getMessage().c_str());
        std::exit(1);
    }

    sdbus::IConnection& connection_;
    std::unique_ptr<sdbus::IProxy> root_;
    std::map<std::string, std::deque<std::string>> queues_;  // adapter path → its cameras not yet connected
    std::map<std::string, std::string> uuids_;               // characteristic path → UUID
    std::vector<std::unique_ptr<sdbus::IProxy>> devices_;
    std::vector<std::unique_ptr<sdbus::IProxy>> characteristics_;
    std::size_t left_ = 0;  // cameras not done
};

int connectTime(const std::vector<std::string>& devices) {
    auto connection = sdbus::createSystemBusConnection();
    Connector connector(*connection, devices);
    const double cpuBefore = cpuSeconds();
    const auto started = Clock::now();
    connector.run();
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    std::printf("{\"cameras\": %zu, \"adapters\": %zu, \"seconds\": %.3f, \"client_cpu_seconds\": %.3f}\n",
                devices.size(), connector.adapters(), elapsed, cpuSeconds() - cpuBefore);
    connector.disconnectAll();
    return 0;
}

std::int64_t nanosOf(const timespec& time) { return std::int64_t{time.tv_sec} * 1'000'000'000 + time.tv_nsec; }

// `runs` starts (shutter on to every camera, then off), planned `offsetMs` ahead when set.
int starts(const std::vector<std::string>& devices, bool registered, std::size_t runs,
           std::optional<std::int64_t> offsetMs) {
    auto connection = sdbus::createSystemBusConnection();
    Bench bench(*connection);
    for (const auto& device : devices) bench.addCamera(device, registered);
    // Not measured: a first round of requests. The first start of a fresh
    // process stalled 5 to 10 ms at one write (of 64): the first larger malloc
    // after set-up consolidated the small blocks freed with the GetManagedObjects
    // answers (perf shows malloc_consolidate; malloc_trim(0) here removes the
    // stall as well). goprod's session made its requests before any start.
    bench.writeToAll(kGetVersion);
    bench.awaitAnswers();
    for (std::size_t run = 0; run < runs; ++run) {
        double lateUs = 0;  // planned: how long after the instant this thread woke
        Clock::time_point woke;
        if (offsetMs) {
            timespec now{};
            clock_gettime(CLOCK_REALTIME, &now);
            const std::int64_t instant = nanosOf(now) + *offsetMs * 1'000'000;
            const timespec at{static_cast<time_t>(instant / 1'000'000'000), static_cast<long>(instant % 1'000'000'000)};
            while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, nullptr) == EINTR) {
            }
            clock_gettime(CLOCK_REALTIME, &now);
            woke = Clock::now();
            lateUs = static_cast<double>(nanosOf(now) - instant) / 1e3;
        }
        const auto issued = bench.writeToAll(kShutterOn);
        bench.awaitAnswers();
        const auto [first, last] = std::minmax_element(issued.begin(), issued.end());
        const auto us = [](Clock::duration span) { return std::chrono::duration<double, std::micro>(span).count(); };
        std::printf("{\"cameras\": %zu, \"planned\": %s, \"spread_us\": %.1f", bench.cameras(),
                    offsetMs ? "true" : "false", us(*last - *first));
        if (offsetMs) {
            std::printf(", \"first_after_instant_us\": %.1f, \"last_after_instant_us\": %.1f",
                        lateUs + us(*first - woke), lateUs + us(*last - woke));
        }
        std::printf("}\n");
        std::fflush(stdout);
        bench.writeToAll(kShutterOff);  // every run starts from cameras that are not recording
        bench.awaitAnswers();
    }
    bench.disconnectAll();
    return 0;
}

int usage() {
    std::fputs(
        "usage: direct_client [--registered] (--seconds S | --sequential N) DEVICE_PATH...\n"
        "       direct_client --connect DEVICE_PATH...\n"
        "       direct_client [--registered] --start N [--at-offset-ms MS] DEVICE_PATH...\n",
        stderr);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    bool registered = false;
    bool connect = false;
    double seconds = 0;
    std::size_t sequential = 0;
    std::size_t startRuns = 0;
    std::optional<std::int64_t> offsetMs;
    std::vector<std::string> devices;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--registered") {
            registered = true;
        } else if (arg == "--connect") {
            connect = true;
        } else if (arg == "--seconds" && i + 1 < argc) {
            seconds = std::atof(argv[++i]);
        } else if (arg == "--sequential" && i + 1 < argc) {
            sequential = static_cast<std::size_t>(std::atol(argv[++i]));
        } else if (arg == "--start" && i + 1 < argc) {
            startRuns = static_cast<std::size_t>(std::atol(argv[++i]));
        } else if (arg == "--at-offset-ms" && i + 1 < argc) {
            offsetMs = std::atoll(argv[++i]);
        } else if (!arg.empty() && arg[0] == '/') {
            devices.push_back(arg);
        } else {
            return usage();
        }
    }
    if (connect && !devices.empty() && seconds <= 0 && sequential == 0 && !registered) {
        try {
            return connectTime(devices);
        } catch (const sdbus::Error& error) {
            std::fprintf(stderr, "direct_client: %s (%s)\n", error.getMessage().c_str(), error.getName().c_str());
            return 1;
        }
    }
    if (startRuns != 0 && !connect && !devices.empty() && seconds <= 0 && sequential == 0 &&
        (!offsetMs || *offsetMs > 0)) {
        try {
            return starts(devices, registered, startRuns, offsetMs);
        } catch (const sdbus::Error& error) {
            std::fprintf(stderr, "direct_client: %s (%s)\n", error.getMessage().c_str(), error.getName().c_str());
            return 1;
        }
    }
    if (connect || startRuns != 0 || offsetMs || devices.empty() || (seconds <= 0) == (sequential == 0)) {
        return usage();
    }

    try {
        // The bus is DBUS_SYSTEM_BUS_ADDRESS's, as for goprod and bluetoothd.
        auto connection = sdbus::createSystemBusConnection();
        Bench bench(*connection);
        for (const auto& device : devices) bench.addCamera(device, registered);
        const double cpuBefore = cpuSeconds();
        const auto started = Clock::now();
        if (sequential != 0) {
            bench.runSequential(sequential);
        } else {
            bench.runFor(std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
        }
        const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
        const double cpu = cpuSeconds() - cpuBefore;
        const auto requests = bench.answeredTotal();
        std::printf(
            "{\"cameras\": %zu, \"registered\": %s, \"requests\": %llu, \"seconds\": %.3f, "
            "\"requests_per_second\": %.1f, \"client_cpu_ms_per_1000\": %.2f",
            devices.size(), registered ? "true" : "false", static_cast<unsigned long long>(requests), elapsed,
            static_cast<double>(requests) / elapsed, requests == 0 ? 0.0 : cpu * 1e6 / static_cast<double>(requests));
        if (sequential != 0) {
            const auto& us = bench.latenciesUs();
            std::printf(", \"p50_us\": %.1f, \"p90_us\": %.1f, \"p99_us\": %.1f", percentile(us, 50),
                        percentile(us, 90), percentile(us, 99));
        }
        std::printf("}\n");
        bench.disconnectAll();
    } catch (const sdbus::Error& error) {
        std::fprintf(stderr, "direct_client: %s (%s)\n", error.getMessage().c_str(), error.getName().c_str());
        return 1;
    }
    return 0;
}
