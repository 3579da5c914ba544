// Component tests of BluezClient against the real goprod-sim on a private
// dbus-daemon, driven on a real EventLoop thread. Each test gets its own bus
// and simulator. Waits are on events (observer callbacks, completions, a
// child's exit), each bounded; there are no fixed sleeps.
#include "daemon/bluez/bluez_client.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>

#include "daemon/runtime/event_loop.h"
#include "protocol/bytes.h"

extern char** environ;

namespace goprod::bluez {
namespace {

using namespace std::chrono_literals;
using core::Errc;

constexpr auto kBound = 10s;  // how long a test waits for something that should happen promptly
constexpr const char* kAdapter = "/org/bluez/hci0";
constexpr const char* kGoProUuid = "0000fea6-0000-1000-8000-00805f9b34fb";
constexpr const char* kCommandRequest = "b5f90072-aa8d-11e3-9046-0002a5d5c51b";
constexpr const char* kCommandResponse = "b5f90073-aa8d-11e3-9046-0002a5d5c51b";
constexpr const char* kApSsid = "b5f90002-aa8d-11e3-9046-0002a5d5c51b";
constexpr const char* kAgentPath = "/io/goprod/test_agent";

// ---------------------------------------------------------------- child processes

class Child {
public:
    Child() = default;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() { kill(SIGKILL); }

    // stdoutFd/stderrFd: where the child's output goes (-1: inherited).
    bool spawn(const std::vector<std::string>& args, int stdoutFd, int stderrFd) {
        std::vector<char*> argv;
        for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        if (stdoutFd >= 0) posix_spawn_file_actions_adddup2(&actions, stdoutFd, STDOUT_FILENO);
        if (stderrFd >= 0) posix_spawn_file_actions_adddup2(&actions, stderrFd, STDERR_FILENO);
        const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) {
            pid_ = -1;
            return false;
        }
        pidFd_ = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
        return true;
    }

    bool running() const { return pid_ > 0; }

    // Signals the child and reaps it, waiting at most `bound`; SIGKILL after
    // that. Returns the exit status (as waitpid reports it), or -1.
    int stop(int signal, std::chrono::milliseconds bound = kBound) {
        if (pid_ <= 0) return -1;
        ::kill(pid_, signal);
        if (pidFd_ >= 0) {
            pollfd fd{pidFd_, POLLIN, 0};
            if (poll(&fd, 1, static_cast<int>(bound.count())) == 0) ::kill(pid_, SIGKILL);
        }
        int status = -1;
        waitpid(pid_, &status, 0);
        if (pidFd_ >= 0) close(pidFd_);
        pid_ = -1;
        pidFd_ = -1;
        return status;
    }

    void kill(int signal) {
        if (pid_ > 0) stop(signal, 0ms);
    }

private:
    pid_t pid_ = -1;
    int pidFd_ = -1;
};

// ---------------------------------------------------------------- the observer

class Recorder final : public core::BluezObserver {
public:
    void bluezAppeared() override {
        change([&] {
            ++appeared;
            events.emplace_back("appeared");
        });
    }
    void bluezVanished() override {
        change([&] {
            ++vanished;
            adapters.clear();
            devices.clear();
            characteristics.clear();
            events.emplace_back("vanished");
        });
    }
    void adapterChanged(const core::AdapterInfo& adapter) override {
        change([&] {
            adapters[adapter.path] = adapter;
            events.push_back("adapter " + adapter.path);
        });
    }
    void adapterRemoved(const core::ObjectPath& path) override {
        change([&] {
            adapters.erase(path);
            events.push_back("adapter removed " + path);
        });
    }
    void deviceChanged(const core::DeviceInfo& device) override {
        change([&] { devices[device.path] = device; });
    }
    void deviceRemoved(const core::ObjectPath& path) override {
        change([&] {
            devices.erase(path);
            events.push_back("device removed " + path);
        });
    }
    void characteristicAdded(const core::CharacteristicInfo& characteristic) override {
        change([&] { characteristics[characteristic.path] = characteristic; });
    }
    void characteristicRemoved(const core::ObjectPath& path) override {
        change([&] { characteristics.erase(path); });
    }
    void notification(const core::ObjectPath& characteristic, protocol::Bytes value) override {
        change([&] { notifications.emplace_back(characteristic, std::move(value)); });
    }

    // Waits until pred() holds (evaluated under the lock), at most `bound`.
    template <class Pred>
    bool waitFor(Pred pred, std::chrono::milliseconds bound = kBound) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, bound, pred);
    }

    template <class Fn>
    auto read(Fn fn) {
        std::lock_guard lock(mutex);
        return fn();
    }

    std::mutex mutex;
    std::condition_variable cv;
    int appeared = 0;
    int vanished = 0;
    std::map<std::string, core::AdapterInfo> adapters;
    std::map<std::string, core::DeviceInfo> devices;
    std::map<std::string, core::CharacteristicInfo> characteristics;
    std::vector<std::pair<std::string, protocol::Bytes>> notifications;
    std::vector<std::string> events;

private:
    template <class Fn>
    void change(Fn fn) {
        {
            std::lock_guard lock(mutex);
            fn();
        }
        cv.notify_all();
    }
};

// A completion's outcome, checked to come exactly once and never inside the call.
template <class T>
struct Outcome {
    std::mutex mutex;
    std::condition_variable cv;
    std::optional<T> value;
    int calls = 0;
    bool inCall = false;

    void set(T result) {
        {
            std::lock_guard lock(mutex);
            if (inCall) ADD_FAILURE() << "a completion ran inside the call that started it";
            if (++calls > 1) ADD_FAILURE() << "a completion ran twice";
            if (!value) value.emplace(std::move(result));
        }
        cv.notify_all();
    }
    std::optional<T> wait(std::chrono::milliseconds bound = kBound) {
        std::unique_lock lock(mutex);
        cv.wait_for(lock, bound, [&] { return value.has_value(); });
        return value;
    }
};

using VoidOutcome = Outcome<core::Result<void>>;

std::string errorText(const core::Result<void>& result) {
    return result ? std::string("success")
                  : std::string(core::errcName(result.error().code)) + ": " + result.error().message;
}

// ---------------------------------------------------------------- the fixture

class BluezClientTest : public ::testing::Test {
protected:
    void SetUp() override {
        const char* sim = std::getenv("GOPROD_SIM");
        if (sim == nullptr) GTEST_SKIP() << "GOPROD_SIM is not set (meson test sets it)";
        simPath_ = sim;
        const char* dbus = std::getenv("DBUS_DAEMON");
        dbusPath_ = dbus != nullptr ? dbus : "/usr/bin/dbus-daemon";
        startBus();
    }

    void TearDown() override {
        stopClient();
        const int simStatus = stopSim();
        bus_.stop(SIGTERM);
        if (simStatus != -1) {
            EXPECT_TRUE(WIFEXITED(simStatus) && WEXITSTATUS(simStatus) == 0) << "goprod-sim status " << simStatus;
        }
        if (HasFailure()) std::cerr << "---- goprod-sim output ----\n" << simOutput() << "----\n";
        if (!simLog_.empty()) unlink(simLog_.c_str());
    }

    void startBus() {
        int out[2];
        ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
        // Its stderr (a complaint about the fd limit when not root) is noise here.
        const int devNull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        const bool spawned = bus_.spawn({dbusPath_, "--session", "--nofork", "--print-address=1"}, out[1], devNull);
        close(out[1]);
        if (devNull >= 0) close(devNull);
        ASSERT_TRUE(spawned);
        std::string line;
        char c = 0;
        pollfd fd{out[0], POLLIN, 0};
        while (line.empty() || line.back() != '\n') {
            ASSERT_GT(poll(&fd, 1, static_cast<int>(std::chrono::milliseconds(kBound).count())), 0)
                << "dbus-daemon printed no address";
            ASSERT_EQ(::read(out[0], &c, 1), 1) << "dbus-daemon exited";
            line.push_back(c);
        }
        close(out[0]);
        line.pop_back();
        address_ = line;
        control_ = sdbus::createSessionBusConnectionWithAddress(address_);
    }

    void startSim(std::vector<std::string> extra = {}) {
        if (simLog_.empty()) {
            char name[] = "/tmp/goprod-sim-test-XXXXXX";
            const int fd = mkstemp(name);
            ASSERT_GE(fd, 0);
            close(fd);
            simLog_ = name;
        }
        const int log = open(simLog_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        ASSERT_GE(log, 0);
        std::vector<std::string> args{simPath_, "--bus", address_, "--cameras", "2", "--ap-ssid", "GP-TESTAP"};
        args.insert(args.end(), extra.begin(), extra.end());
        const bool spawned = sim_.spawn(args, log, log);
        close(log);
        ASSERT_TRUE(spawned);
    }

    int stopSim() {
        simControl_.reset();
        return sim_.stop(SIGTERM);
    }

    std::string simOutput() const {
        if (simLog_.empty()) return {};
        std::ifstream in(simLog_);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    void startClient() {
        connection_ = sdbus::createSessionBusConnectionWithAddress(address_);
        loop_ = std::make_unique<runtime::EventLoop>();
        loop_->attach(*connection_);
        loopDone_ = std::async(std::launch::async, [this] { loop_->run(); });
        onLoop([this] {
            BluezClient::Options options;
            options.agentPath = kAgentPath;
            options.callTimeout = 5s;
            client_ = std::make_unique<BluezClient>(*connection_, *loop_, options);
            client_->setObserver(&recorder_);
        });
    }

    void destroyClient() {
        onLoop([this] { client_.reset(); });
    }

    void stopClient() {
        if (!loop_) return;
        onLoop([this] {
            client_.reset();
            loop_->detach();
        });
        loop_->stop();
        EXPECT_EQ(loopDone_.wait_for(kBound), std::future_status::ready);
        connection_.reset();
        loop_.reset();
    }

    template <class Fn>
    void onLoop(Fn fn) {
        std::promise<void> done;
        auto future = done.get_future();
        loop_->post([&] {
            fn();
            done.set_value();
        });
        ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    }

    // Starts `start` on the loop thread and returns the completion's outcome.
    std::shared_ptr<VoidOutcome> begin(std::function<void(core::BluezPort&, core::BluezPort::Done)> start) {
        auto outcome = std::make_shared<VoidOutcome>();
        loop_->post([this, outcome, start] {
            {
                std::lock_guard lock(outcome->mutex);
                outcome->inCall = true;
            }
            start(*client_, [outcome](core::Result<void> result) { outcome->set(std::move(result)); });
            std::lock_guard lock(outcome->mutex);
            outcome->inCall = false;
        });
        return outcome;
    }

    core::Result<void> call(std::function<void(core::BluezPort&, core::BluezPort::Done)> start) {
        auto result = begin(std::move(start))->wait();
        if (!result) return core::fail(Errc::DeadlineExceeded, "the test saw no completion");
        return *result;
    }

    core::Result<protocol::Bytes> readValue(const std::string& characteristic) {
        auto outcome = std::make_shared<Outcome<core::Result<protocol::Bytes>>>();
        loop_->post([this, outcome, characteristic] {
            client_->read(characteristic,
                          [outcome](core::Result<protocol::Bytes> result) { outcome->set(std::move(result)); });
        });
        auto result = outcome->wait();
        if (!result) return core::fail(Errc::DeadlineExceeded, "the test saw no completion");
        return *result;
    }

    bool waitForAppeared(int times) {
        return recorder_.waitFor([&] { return recorder_.appeared >= times; });
    }

    // Starts the simulator and the client and waits for the first snapshot.
    void startAll(std::vector<std::string> simArgs = {}) {
        startSim(std::move(simArgs));
        startClient();
        ASSERT_TRUE(waitForAppeared(1)) << "org.bluez never appeared";
    }

    sdbus::IProxy& simControl() {
        if (!simControl_) simControl_ = sdbus::createProxy(*control_, "io.goprod.Sim", "/io/goprod/Sim");
        return *simControl_;
    }

    // The simulator's first camera: (name, object path).
    std::pair<std::string, std::string> firstCamera() {
        std::vector<sdbus::Struct<std::string, std::string, std::string, bool, bool>> cameras;
        simControl().callMethod("ListCameras").onInterface("io.goprod.Sim1").storeResultsTo(cameras);
        if (cameras.empty()) return {};
        return {std::get<0>(cameras.front()), std::get<2>(cameras.front())};
    }

    std::vector<core::DeviceInfo> goPros() {
        return recorder_.read([&] {
            std::vector<core::DeviceInfo> out;
            for (const auto& [path, device] : recorder_.devices) {
                if (device.name.rfind("GoPro ", 0) == 0) out.push_back(device);
            }
            return out;
        });
    }

    std::optional<core::DeviceInfo> device(const std::string& path) {
        return recorder_.read([&]() -> std::optional<core::DeviceInfo> {
            const auto it = recorder_.devices.find(path);
            if (it == recorder_.devices.end()) return std::nullopt;
            return it->second;
        });
    }

    // The path of the characteristic with `uuid` on `device`, or "".
    std::string characteristic(const std::string& devicePath, const std::string& uuid) {
        return recorder_.read([&] {
            for (const auto& [path, info] : recorder_.characteristics) {
                if (info.device == devicePath && info.uuid == uuid) return path;
            }
            return std::string();
        });
    }

    // Discovers the simulator's first camera and returns its device path.
    std::string discoverFirstCamera() {
        const auto [name, path] = firstCamera();
        EXPECT_FALSE(path.empty());
        EXPECT_TRUE(call([](auto& port, auto done) { port.startDiscovery(kAdapter, "", std::move(done)); }));
        EXPECT_TRUE(recorder_.waitFor([&] { return recorder_.devices.contains(path); })) << name << " not found";
        EXPECT_TRUE(call([](auto& port, auto done) { port.stopDiscovery(kAdapter, std::move(done)); }));
        return path;
    }

    std::string connectFirstCamera() {
        const std::string path = discoverFirstCamera();
        const auto connected = call([&](auto& port, auto done) { port.connect(path, std::move(done)); });
        EXPECT_TRUE(connected) << errorText(connected);
        return path;
    }

    std::string simPath_;
    std::string dbusPath_;
    std::string address_;
    std::string simLog_;
    Child bus_;
    Child sim_;
    std::unique_ptr<sdbus::IConnection> control_;  // the test's own, used synchronously from the test thread
    std::unique_ptr<sdbus::IProxy> simControl_;
    std::unique_ptr<sdbus::IConnection> connection_;  // the client's, processed by the loop
    std::unique_ptr<runtime::EventLoop> loop_;
    std::future<void> loopDone_;
    std::unique_ptr<BluezClient> client_;
    Recorder recorder_;
};

// ---------------------------------------------------------------- tests

TEST_F(BluezClientTest, TheSnapshotDeliversTheAdapterBeforeBluezAppeared) {
    startAll();
    const auto events = recorder_.read([&] { return recorder_.events; });
    // "appeared" comes once org.bluez has an owner and its objects are loaded: the client is ready.
    ASSERT_EQ(events, (std::vector<std::string>{"adapter /org/bluez/hci0", "appeared"}));
    const auto adapter = recorder_.read([&] { return recorder_.adapters.at(kAdapter); });
    EXPECT_EQ(adapter.address, "00:1A:7D:DA:71:13");
    EXPECT_TRUE(adapter.powered);
    EXPECT_FALSE(adapter.discovering);
}

TEST_F(BluezClientTest, DiscoveryFindsBothCamerasByTheGoProServiceUuid) {
    startAll();
    const auto started = call([](auto& port, auto done) { port.startDiscovery(kAdapter, "", std::move(done)); });
    ASSERT_TRUE(started) << errorText(started);
    ASSERT_TRUE(recorder_.waitFor([&] { return recorder_.adapters[kAdapter].discovering; }));
    ASSERT_TRUE(recorder_.waitFor([&] {
        int found = 0;
        for (const auto& [path, device] : recorder_.devices) found += device.name.rfind("GoPro ", 0) == 0 ? 1 : 0;
        return found == 2;
    }));
    for (const auto& device : goPros()) {
        EXPECT_EQ(device.adapter, kAdapter);
        EXPECT_EQ(device.name.size(), 10U) << device.name;  // "GoPro NNNN"
        EXPECT_EQ(device.address.size(), 17U);
        EXPECT_FALSE(device.connected);
        EXPECT_FALSE(device.paired);
        EXPECT_TRUE(device.rssi.has_value());
        EXPECT_NE(std::find(device.uuids.begin(), device.uuids.end(), kGoProUuid), device.uuids.end());
    }
    // Asking twice is not an error: this client's discovery already runs.
    const auto again = call([](auto& port, auto done) { port.startDiscovery(kAdapter, "", std::move(done)); });
    EXPECT_TRUE(again) << errorText(again);
    ASSERT_TRUE(call([](auto& port, auto done) { port.stopDiscovery(kAdapter, std::move(done)); }));
    EXPECT_TRUE(recorder_.waitFor([&] { return !recorder_.adapters[kAdapter].discovering; }));
}

TEST_F(BluezClientTest, ConnectResolvesServicesAndAddsTheGattCharacteristics) {
    startAll();
    const std::string path = connectFirstCamera();
    // Properties arrive before the reply, so the snapshot is current when connect() completes.
    const auto info = device(path);
    ASSERT_TRUE(info.has_value());
    EXPECT_TRUE(info->connected);
    EXPECT_TRUE(info->servicesResolved);
    const std::string command = characteristic(path, kCommandRequest);
    const std::string response = characteristic(path, kCommandResponse);
    ASSERT_FALSE(command.empty());
    ASSERT_FALSE(response.empty());
    recorder_.read([&] {
        EXPECT_EQ(recorder_.characteristics[command].flags, (std::vector<std::string>{"write"}));
        EXPECT_EQ(recorder_.characteristics[response].flags, (std::vector<std::string>{"notify"}));
        return 0;
    });
    // AlreadyConnected counts as success.
    const auto again = call([&](auto& port, auto done) { port.connect(path, std::move(done)); });
    EXPECT_TRUE(again) << errorText(again);
}

TEST_F(BluezClientTest, AConnectionBluetoothdNeverSignalledIsConnectedOnceConnectAnswers) {
    startAll();
    const std::string path = discoverFirstCamera();
    simControl().callMethod("HideNextConnected").onInterface("io.goprod.Sim1").withArguments(firstCamera().first);
    const auto connected = call([&](auto& port, auto done) { port.connect(path, std::move(done)); });
    ASSERT_TRUE(connected) << errorText(connected);
    // The observer heard of it before the completion came.
    const auto info = device(path);
    ASSERT_TRUE(info.has_value());
    EXPECT_TRUE(info->connected);
    EXPECT_TRUE(info->servicesResolved);
    // The link still goes down as usual.
    simControl().callMethod("DropLink").onInterface("io.goprod.Sim1").withArguments(firstCamera().first);
    EXPECT_TRUE(recorder_.waitFor([&] { return !recorder_.devices.at(path).connected; }));
}

TEST_F(BluezClientTest, WritingAnEncryptedCharacteristicBeforePairingIsPairingFailed) {
    startAll();
    const std::string path = connectFirstCamera();
    const std::string command = characteristic(path, kCommandRequest);
    const auto written = call([&](auto& port, auto done) {
        port.write(command, protocol::Bytes{0x03, 0x01, 0x01, 0x01}, std::move(done));
    });
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().code, Errc::PairingFailed);
    EXPECT_EQ(written.error().message, "org.bluez.Error.NotPermitted: Not paired");
    const auto ssid = readValue(characteristic(path, kApSsid));
    ASSERT_FALSE(ssid);
    EXPECT_EQ(ssid.error().code, Errc::PairingFailed);
}

TEST_F(BluezClientTest, PairingGoesThroughTheAgentAndTrustIsSet) {
    startAll();
    const std::string path = connectFirstCamera();
    const auto paired = call([&](auto& port, auto done) { port.pair(path, std::move(done)); });
    ASSERT_TRUE(paired) << errorText(paired);
    EXPECT_TRUE(device(path)->paired);
    const auto trusted = call([&](auto& port, auto done) { port.setTrusted(path, true, std::move(done)); });
    ASSERT_TRUE(trusted) << errorText(trusted);
    EXPECT_TRUE(recorder_.waitFor([&] { return recorder_.devices[path].trusted; }));
    // AlreadyExists counts as success.
    const auto again = call([&](auto& port, auto done) { port.pair(path, std::move(done)); });
    EXPECT_TRUE(again) << errorText(again);
    // The simulator asked our agent (it pairs on its own when no agent is registered).
    const std::string output = simOutput();
    EXPECT_NE(output.find(std::string("agent ") + kAgentPath), std::string::npos) << output;
    EXPECT_NE(output.find("registered (NoInputNoOutput)"), std::string::npos);
    // Registered, never the default agent: the desktop's agent keeps every other pairing.
    std::vector<sdbus::Struct<std::string, std::string, std::string, bool>> agents;
    simControl().callMethod("Agents").onInterface("io.goprod.Sim1").storeResultsTo(agents);
    ASSERT_EQ(agents.size(), 1U);
    EXPECT_EQ(agents[0].get<1>(), kAgentPath);
    EXPECT_FALSE(agents[0].get<3>());
}

TEST_F(BluezClientTest, ARefusedPairingIsPairingFailed) {
    startAll();
    const std::string path = connectFirstCamera();
    simControl().callMethod("RefusePairing").onInterface("io.goprod.Sim1").withArguments(firstCamera().first, true);
    const auto paired = call([&](auto& port, auto done) { port.pair(path, std::move(done)); });
    ASSERT_FALSE(paired);
    EXPECT_EQ(paired.error().code, Errc::PairingFailed);
    EXPECT_EQ(paired.error().message.rfind("org.bluez.Error.AuthenticationFailed", 0), 0U) << paired.error().message;
}

TEST_F(BluezClientTest, ShutterOnIsAnsweredByANotificationOnTheResponseCharacteristic) {
    startAll();
    const std::string path = connectFirstCamera();
    ASSERT_TRUE(call([&](auto& port, auto done) { port.pair(path, std::move(done)); }));
    const std::string command = characteristic(path, kCommandRequest);
    const std::string response = characteristic(path, kCommandResponse);
    const auto subscribed = call([&](auto& port, auto done) { port.startNotify(response, std::move(done)); });
    ASSERT_TRUE(subscribed) << errorText(subscribed);
    const auto written = call([&](auto& port, auto done) {
        port.write(command, protocol::Bytes{0x03, 0x01, 0x01, 0x01}, std::move(done));
    });
    ASSERT_TRUE(written) << errorText(written);
    ASSERT_TRUE(recorder_.waitFor([&] { return !recorder_.notifications.empty(); }));
    const auto notifications = recorder_.read([&] { return recorder_.notifications; });
    ASSERT_EQ(notifications.size(), 1U);
    EXPECT_EQ(notifications[0].first, response);
    EXPECT_EQ(protocol::toHex(notifications[0].second), "02 01 00");
}

TEST_F(BluezClientTest, TheApSsidCanBeReadAfterPairing) {
    startAll();
    const std::string path = connectFirstCamera();
    ASSERT_TRUE(call([&](auto& port, auto done) { port.pair(path, std::move(done)); }));
    const auto ssid = readValue(characteristic(path, kApSsid));
    ASSERT_TRUE(ssid) << ssid.error().message;
    EXPECT_EQ(std::string(ssid->begin(), ssid->end()), "GP-TESTAP");
    recorder_.read([&] {
        EXPECT_TRUE(recorder_.notifications.empty()) << "a read is no notification";
        return 0;
    });
}

TEST_F(BluezClientTest, DisconnectRemovesTheGattCharacteristics) {
    startAll();
    const std::string path = connectFirstCamera();
    ASSERT_FALSE(characteristic(path, kCommandRequest).empty());
    const auto disconnected = call([&](auto& port, auto done) { port.disconnect(path, std::move(done)); });
    ASSERT_TRUE(disconnected) << errorText(disconnected);
    EXPECT_TRUE(recorder_.waitFor([&] { return !recorder_.devices[path].connected; }));
    EXPECT_TRUE(recorder_.waitFor([&] { return recorder_.characteristics.empty(); }));
    EXPECT_FALSE(device(path)->servicesResolved);
    // Disconnecting a disconnected device is BlueZ's NotConnected.
    const auto again = call([&](auto& port, auto done) { port.disconnect(path, std::move(done)); });
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::Unavailable);
}

TEST_F(BluezClientTest, ALinkDroppedByTheCameraIsADeviceChange) {
    startAll();
    const std::string path = connectFirstCamera();
    simControl().callMethod("DropLink").onInterface("io.goprod.Sim1").withArguments(firstCamera().first);
    EXPECT_TRUE(recorder_.waitFor([&] { return !recorder_.devices[path].connected; }));
    EXPECT_TRUE(recorder_.waitFor([&] { return recorder_.characteristics.empty(); }));
}

TEST_F(BluezClientTest, RemoveDeviceForgetsTheCamera) {
    startAll();
    const std::string path = discoverFirstCamera();
    const auto removed = call([&](auto& port, auto done) { port.removeDevice(kAdapter, path, std::move(done)); });
    ASSERT_TRUE(removed) << errorText(removed);
    EXPECT_TRUE(recorder_.waitFor([&] { return !recorder_.devices.contains(path); }));
    const auto again = call([&](auto& port, auto done) { port.removeDevice(kAdapter, path, std::move(done)); });
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::NotFound);
}

TEST_F(BluezClientTest, ACallOnAnObjectThatIsNotThereIsUnavailable) {
    startAll();
    const auto written = call([](auto& port, auto done) {
        port.write("/org/bluez/hci0/dev_00_00_00_00_00_00/service000a/char000b", protocol::Bytes{0x01},
                   std::move(done));
    });
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().code, Errc::Unavailable) << written.error().message;
}

// Outside a Pair() of its own, the agent says no to everything: a nearby device
// asking to pair with the host is not goprod's business.
TEST_F(BluezClientTest, TheAgentRefusesEveryRequestOutsideItsOwnPairing) {
    startAll();
    std::string daemon;
    onLoop([&] { daemon = connection_->getUniqueName(); });
    auto agent = sdbus::createProxy(*control_, daemon, kAgentPath);
    const sdbus::ObjectPath device("/org/bluez/hci0/dev_00_00_00_00_00_01");
    auto expectRejected = [](const char* method, auto&& call) {
        try {
            call();
            ADD_FAILURE() << method << " was accepted";
        } catch (const sdbus::Error& error) {
            EXPECT_EQ(error.getName(), "org.bluez.Error.Rejected") << method;
        }
    };
    expectRejected("RequestAuthorization", [&] {
        agent->callMethod("RequestAuthorization").onInterface("org.bluez.Agent1").withArguments(device);
    });
    expectRejected("RequestConfirmation", [&] {
        agent->callMethod("RequestConfirmation")
            .onInterface("org.bluez.Agent1")
            .withArguments(device, std::uint32_t{123456});
    });
    expectRejected("AuthorizeService", [&] {
        agent->callMethod("AuthorizeService")
            .onInterface("org.bluez.Agent1")
            .withArguments(device, std::string(kGoProUuid));
    });
    expectRejected("RequestPinCode", [&] {
        std::string pin;
        agent->callMethod("RequestPinCode").onInterface("org.bluez.Agent1").withArguments(device).storeResultsTo(pin);
    });
    expectRejected("RequestPasskey", [&] {
        std::uint32_t passkey = 0;
        agent->callMethod("RequestPasskey")
            .onInterface("org.bluez.Agent1")
            .withArguments(device)
            .storeResultsTo(passkey);
    });
    EXPECT_NO_THROW(agent->callMethod("Cancel").onInterface("org.bluez.Agent1"));
}

TEST_F(BluezClientTest, ABluetoothdRestartVanishesEverythingThenAppearsAgain) {
    startAll();
    const std::string path = connectFirstCamera();
    simControl().callMethod("RestartBluez").onInterface("io.goprod.Sim1").withArguments(std::uint32_t{20});
    ASSERT_TRUE(recorder_.waitFor([&] { return recorder_.vanished == 1; }));
    ASSERT_TRUE(waitForAppeared(2));
    const auto events = recorder_.read([&] { return recorder_.events; });
    const auto vanished = std::find(events.begin(), events.end(), "vanished");
    ASSERT_NE(vanished, events.end());
    EXPECT_EQ(std::vector<std::string>(vanished, events.end()),
              (std::vector<std::string>{"vanished", "adapter /org/bluez/hci0", "appeared"}));
    EXPECT_TRUE(recorder_.read([&] { return recorder_.adapters.contains(kAdapter); }));
    // The camera is found, connected and paired again: the agent was registered again.
    const std::string again = connectFirstCamera();
    EXPECT_EQ(again, path);
    const auto paired = call([&](auto& port, auto done) { port.pair(again, std::move(done)); });
    ASSERT_TRUE(paired) << errorText(paired);
    const std::string output = simOutput();
    const auto first = output.find("registered (NoInputNoOutput)");
    ASSERT_NE(first, std::string::npos);
    EXPECT_NE(output.find("registered (NoInputNoOutput)", first + 1), std::string::npos) << output;
}

TEST_F(BluezClientTest, CallsWhileBluezIsAwayFailUnavailable) {
    startAll();
    simControl().callMethod("StopBluez").onInterface("io.goprod.Sim1");
    ASSERT_TRUE(recorder_.waitFor([&] { return recorder_.vanished == 1; }));
    const auto connected =
        call([](auto& port, auto done) { port.connect("/org/bluez/hci0/dev_00_00_00_00_00_01", std::move(done)); });
    ASSERT_FALSE(connected);
    EXPECT_EQ(connected.error().code, Errc::Unavailable);
    simControl().callMethod("StartBluez").onInterface("io.goprod.Sim1");
    ASSERT_TRUE(waitForAppeared(2));
}

TEST_F(BluezClientTest, ABluetoothdCrashFailsPendingCallsAndItsSuccessorIsPickedUp) {
    startAll({"--connect-delay-ms", "60000"});
    const std::string path = discoverFirstCamera();
    auto pending = begin([&](auto& port, auto done) { port.connect(path, std::move(done)); });
    onLoop([] {});  // the Connect call has been sent; the simulator waits 60 s to answer it
    sim_.stop(SIGKILL);
    const auto result = pending->wait();
    ASSERT_TRUE(result.has_value());
    ASSERT_FALSE(*result);
    EXPECT_EQ(result->error().code, Errc::Unavailable) << result->error().message;
    ASSERT_TRUE(recorder_.waitFor([&] { return recorder_.vanished == 1; }));
    startSim();  // a new bluetoothd: a new unique name
    ASSERT_TRUE(waitForAppeared(2));
    EXPECT_TRUE(recorder_.read([&] { return recorder_.adapters.contains(kAdapter); }));
}

TEST_F(BluezClientTest, ADaemonStartedBeforeBluezPicksItUpWhenItAppears) {
    startClient();
    const auto early = call([](auto& port, auto done) { port.startDiscovery(kAdapter, "", std::move(done)); });
    ASSERT_FALSE(early);
    EXPECT_EQ(early.error().code, Errc::Unavailable);
    startSim();
    ASSERT_TRUE(waitForAppeared(1));
    EXPECT_TRUE(recorder_.read([&] { return recorder_.adapters.contains(kAdapter); }));
    const auto started = call([](auto& port, auto done) { port.startDiscovery(kAdapter, "", std::move(done)); });
    EXPECT_TRUE(started) << errorText(started);
}

TEST_F(BluezClientTest, DestroyingTheClientFailsPendingCallsWithUnavailable) {
    startAll({"--connect-delay-ms", "60000"});
    const std::string path = discoverFirstCamera();
    auto pending = begin([&](auto& port, auto done) { port.connect(path, std::move(done)); });
    onLoop([] {});  // the Connect call has been sent
    destroyClient();
    const auto result = pending->wait();
    ASSERT_TRUE(result.has_value());
    ASSERT_FALSE(*result);
    EXPECT_EQ(result->error().code, Errc::Unavailable);
    EXPECT_EQ(result->error().message, "BlueZ client destroyed");
}

}  // namespace
}  // namespace goprod::bluez
