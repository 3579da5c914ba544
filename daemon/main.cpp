// goprod: the daemon. Wires the pieces together and owns the threads:
// - the core thread runs the event loop: D-Bus (BlueZ), every camera's state
//   machine and queue, timers (keep-alive, reconnection, the watchdog ping);
// - gRPC's threads run the API and hand every request to the core thread;
// - the main thread waits for SIGTERM/SIGINT and shuts down in order, and
//   reloads the configuration on SIGHUP.
#include <atomic>
#include <cstdio>
#include <future>
#include <thread>

#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "daemon/bluez/bluez_client.h"
#include "daemon/bluez/bus.h"
#include "daemon/config/config.h"
#include "daemon/config/journal_file.h"
#include "daemon/config/logging.h"
#include "daemon/config/state_lock.h"
#include "daemon/config/state_store.h"
#include "daemon/config/state_writer.h"
#include "daemon/core/registry.h"
#include "daemon/rpc/capture_journal.h"
#include "daemon/rpc/server.h"
#include "daemon/rpc/service.h"
#include "daemon/runtime/event_loop.h"
#include "daemon/runtime/memory_trim.h"

namespace {

using namespace goprod;

constexpr int kExitConfig = 78;  // EX_CONFIG: a bad configuration file or state directory

std::vector<core::CameraView> toViews(const std::vector<config::KnownCamera>& known) {
    std::vector<core::CameraView> views;
    for (const auto& k : known) {
        core::CameraView v;
        v.identifier = k.identifier;
        v.address = k.address;
        v.name = k.name;
        v.model = k.model;
        v.firmware = k.firmware;
        v.serial = k.serial;
        v.lastSeenUnix = k.lastSeenUnix;
        v.autoConnect = k.autoConnect;
        v.homeAdapter = k.adapter;
        v.pinnedAdapter = k.pinnedAdapter;
        v.priority = static_cast<int>(k.priority);
        v.known = true;
        views.push_back(std::move(v));
    }
    return views;
}

std::vector<config::KnownCamera> toKnown(const std::vector<core::CameraView>& views) {
    std::vector<config::KnownCamera> known;
    for (const auto& v : views) {
        config::KnownCamera k{v.identifier,   v.address,     v.name,        v.model,         v.firmware, v.serial,
                              v.lastSeenUnix, v.autoConnect, v.homeAdapter, v.pinnedAdapter, v.priority};
        if (const auto problem = config::validateKnownCamera(k); !problem.empty()) {
            spdlog::warn("not remembering camera {}: {}", v.identifier, problem);
            continue;
        }
        known.push_back(std::move(k));
    }
    return known;
}

// Known cameras from the state directory. A corrupt file is moved aside (and
// said so): the daemon starts without it rather than not at all.
core::Result<std::vector<config::KnownCamera>> loadKnownCameras(config::StateStore& store) {
    std::vector<std::string> warnings;
    auto known = store.load(&warnings);
    for (const auto& warning : warnings) spdlog::warn("{}", warning);
    if (known) return *known;
    // An unreadable state directory is a configuration problem; a corrupt file is not.
    if (known.error().code != core::Errc::InvalidArgument) return known;
    spdlog::error("{}", known.error().message);
    if (auto moved = store.quarantine()) {
        spdlog::warn("moved the unreadable state file to {}; starting with no known cameras", moved->string());
    }
    return std::vector<config::KnownCamera>{};
}

core::RegistrySettings registrySettings(const config::Config& cfg) {
    core::RegistrySettings settings;
    settings.camera.keepAlive = cfg.keepAliveInterval;
    settings.camera.sessionTimeout = cfg.requestTimeout;
    settings.camera.connectTimeout = cfg.connectTimeout;
    settings.camera.reconnectInitial = cfg.reconnectInitial;
    settings.camera.reconnectMax = cfg.reconnectMax;
    settings.camera.queue.maxDepth = cfg.queueDepth;
    settings.camera.clientName = cfg.clientName;
    settings.camera.claimControl = cfg.claimControl;  // issue 15 E
    settings.maxCameras = cfg.maxCameras;
    settings.maxSubscribers = cfg.maxSubscribers;
    settings.adapters = cfg.adapters;
    if (!cfg.adapter.empty()) settings.adapters.push_back(cfg.adapter);  // the one-adapter form
    settings.maxConnections = cfg.maxConnections;
    return settings;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// SIGHUP: reads the configuration file again (the flags still override it) and
// applies the keys that may change live; `running` becomes what is in force.
// systemd hears RELOADING=1 first and READY=1 once the core thread has them.
void reload(const config::CommandLine& commandLine, config::Config& running, runtime::EventLoop& loop,
            core::Registry& registry, rpc::Service& service) {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
               static_cast<unsigned long long>(now.tv_sec) * 1000000ULL + now.tv_nsec / 1000);
    auto loaded = config::loadConfig(commandLine);
    if (!loaded) {
        spdlog::error("reload: {}", loaded.error().message);
        spdlog::error("reload: keeping the running configuration");
        return;
    }
    const auto plan = config::planReload(running, *loaded);
    running = plan.running;
    if (!plan.needRestart.empty()) {
        spdlog::warn("reload: {} changed: restart goprod to apply", joined(plan.needRestart));
    }
    if (plan.applied.empty()) {
        spdlog::info("reload: no live setting changed");
        return;
    }
    spdlog::set_level(running.logLevel);
    service.setLimits(running.requestTimeout, running.maxSubscribers);
    std::promise<void> applied;
    loop.post([&registry, &applied, settings = registrySettings(running)]() mutable {
        registry.reconfigure(std::move(settings));
        applied.set_value();
    });
    applied.get_future().wait();
    spdlog::info("reload: applied {}", joined(plan.applied));
}

// Pings the systemd watchdog from the core thread, so that a wedged core
// thread stops the pings and systemd restarts the daemon.
void scheduleWatchdog(runtime::EventLoop& loop, std::chrono::microseconds period) {
    loop.at(loop.now() + period / 2, [&loop, period] {
        sd_notify(0, "WATCHDOG=1");
        scheduleWatchdog(loop, period);
    });
}

}  // namespace

int main(int argc, char** argv) {
    runtime::limitMallocArenas(2);  // before any thread: see memory_trim.h
    const auto commandLine = config::parseCommandLine(argc, argv);
    if (commandLine.action == config::CommandLine::Action::Exit) {
        std::fputs(commandLine.message.c_str(), commandLine.exitCode == 0 ? stdout : stderr);
        return commandLine.exitCode;
    }
    auto configured = config::loadConfig(commandLine);
    if (!configured) {
        std::fprintf(stderr, "goprod: %s\n", configured.error().message.c_str());
        return kExitConfig;
    }
    const config::Config cfg = *configured;
    config::setupLogging(cfg.logLevel);

    // Signals are taken by the main thread alone: block them before any thread starts.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    // Before anything reads or tidies the state directory: it may be another daemon's.
    const auto stateLock = config::StateLock::acquire(cfg.stateDir);
    if (!stateLock) {
        spdlog::critical("{}", stateLock.error().message);
        return kExitConfig;
    }
    config::StateStore store(cfg.stateDir);
    const auto loaded = loadKnownCameras(store);
    if (!loaded) {
        spdlog::critical("{}", loaded.error().message);
        return kExitConfig;
    }
    const auto& known = *loaded;

    try {
        runtime::EventLoop loop;
        auto bus = bluez::BusConnection::open(cfg.bus, loop);
        if (!bus) {
            spdlog::critical("{}", bus.error().message);
            return 1;
        }
        bluez::BluezClient bluezClient((*bus)->connection(), loop, {});
        // The bus itself going away (dbus-daemon restarted) is not something to
        // wait out: exit non-zero and let systemd restart us on the new bus.
        std::atomic<bool> busLost{false};
        loop.onConnectionLost([&busLost](const std::string& reason) {
            spdlog::critical("lost the D-Bus connection: {}", reason);
            busLost = true;
            kill(getpid(), SIGTERM);
        });

        const core::RegistrySettings settings = registrySettings(cfg);
        // Saves run on the writer's thread: two fsyncs must not stall the core thread.
        config::StateWriter writer([&store](const auto& cameras) { return store.save(cameras); },
                                   [&loop](std::function<void()> done) { loop.post(std::move(done)); });
        core::Registry registry(
            loop, bluezClient, settings,
            [&writer, dir = cfg.stateDir](const std::vector<core::CameraView>& views, auto saved) {
                writer.save(toKnown(views), [saved = std::move(saved), dir](core::Result<void> result) {
                    if (!result) {
                        result = core::fail(result.error().code, "could not save the known cameras to " + dir.string() +
                                                                     ": " + result.error().message);
                    }
                    saved(std::move(result));
                });
            });
        registry.restore(toViews(known));
        if (!cfg.autoConnect) {
            for (const auto& k : known) {
                if (auto* camera = registry.find(k.identifier)) camera->want(false);
            }
        }
        bluezClient.setObserver(&registry);

        // issue 17: the capture journal, unless [journal] max_size_mib = 0.
        std::unique_ptr<config::JournalFile> journalFile;
        std::unique_ptr<rpc::CaptureJournal> journal;
        if (cfg.journalMaxMib > 0) {
            auto opened = config::JournalFile::open(cfg.stateDir / "capture-journal.jsonl",
                                                    static_cast<std::uint64_t>(cfg.journalMaxMib) << 20);
            if (!opened) {
                spdlog::critical("{}", opened.error().message);
                return kExitConfig;
            }
            journalFile = std::move(*opened);
            journal = std::make_unique<rpc::CaptureJournal>(
                *journalFile, registry, [&loop](std::function<void()> task) { loop.post(std::move(task)); },
                cfg.requestTimeout);
            if (auto started = journal->start(); !started) {
                spdlog::critical("capture journal: {}", started.error().message);
                return 1;
            }
        }

        rpc::ServiceOptions serviceOptions;
        serviceOptions.journal = journal.get();
        serviceOptions.requestTimeout = cfg.requestTimeout;
        serviceOptions.maxStreams = cfg.maxSubscribers;
        serviceOptions.version = GOPROD_VERSION;
        rpc::Service service(registry, serviceOptions);
        rpc::ServerOptions serverOptions;
        serverOptions.socket = cfg.socket;
        serverOptions.socketMode = cfg.socketMode;
        serverOptions.socketGroup = cfg.socketGroup;
        serverOptions.tcpListen = cfg.tcpListen;
        serverOptions.tls = {cfg.tlsCertificate, cfg.tlsKey, cfg.tlsClientCa};  // issue 17
        auto server = rpc::Server::start({&service}, serverOptions);
        if (!server) {
            spdlog::critical("{}", server.error().message);
            return 1;
        }

        std::uint64_t watchdogUsec = 0;
        if (sd_watchdog_enabled(0, &watchdogUsec) > 0) {
            loop.post([&loop, watchdogUsec] { scheduleWatchdog(loop, std::chrono::microseconds(watchdogUsec)); });
        }
        // After a load, RSS comes back to within 1 MiB of where it was (checked every 10 s).
        runtime::MemoryTrim memoryTrim(loop, std::chrono::seconds(10), 1024 * 1024);
        loop.post([&memoryTrim] { memoryTrim.start(); });
        std::thread core([&loop] { loop.run(); });

        std::string addresses;
        for (const auto& a : (*server)->addresses()) addresses += (addresses.empty() ? "" : ", ") + a;
        spdlog::info("goprod {} serving {} ({} known cameras)", GOPROD_VERSION, addresses, known.size());
        sd_notifyf(0, "READY=1\nSTATUS=serving %s", addresses.c_str());

        config::Config running = cfg;
        int signal = 0;
        while (sigwait(&signals, &signal) == 0 && signal == SIGHUP) {
            reload(commandLine, running, loop, registry, service);
            sd_notifyf(0, "READY=1\nSTATUS=serving %s", addresses.c_str());
        }
        spdlog::info("stopping ({})", strsignal(signal));
        sd_notify(0, "STOPPING=1");

        // Fail what is pending (every RPC then finishes), then stop serving, then the core thread.
        std::promise<void> drained;
        loop.post([&registry, &drained] {
            registry.shutdown();
            drained.set_value();
        });
        drained.get_future().wait();
        (*server)->shutdown(std::chrono::milliseconds(2000));
        loop.stop();
        core.join();
        writer.close();  // the last snapshot is on disk before goprod exits
        if (journalFile) journalFile->close();  // and the last journal lines
        if (busLost) return 1;
    } catch (const std::exception& error) {
        spdlog::critical("{}", error.what());
        return 1;
    }
    return 0;
}
