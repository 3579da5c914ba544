// goprod-sim: a virtual GoPro. Owns org.bluez on a D-Bus bus and looks, to any
// BlueZ client, like bluetoothd with GoPro cameras in range; or, with
// --peripheral, registers one camera with the real bluetoothd as a peripheral.
#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "sim/bluez.h"
#include "sim/cohn_cert.h"
#include "sim/control.h"
#include "sim/event_loop.h"
#include "sim/peripheral.h"
#include "sim/rig.h"

namespace {

// SSID[:PASSWORD[:configured]] — the camera's list of networks in range.
goprod::sim::WifiNetwork parseNetwork(const std::string& spec, int index) {
    goprod::sim::WifiNetwork network;
    const auto first = spec.find(':');
    network.ssid = spec.substr(0, first);
    network.bars = 3 - index % 3;
    network.frequencyMhz = index % 2 == 0 ? 2437 : 5180;
    network.flags = 0;
    if (first != std::string::npos) {
        const auto second = spec.find(':', first + 1);
        network.password = spec.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
        if (!network.password.empty()) network.flags |= 0x01;  // SCAN_FLAG_AUTHENTICATED
        if (second != std::string::npos && spec.substr(second + 1) == "configured") network.flags |= 0x02;
    }
    return network;
}

// The camera(s) behind goprod-sim's own org.bluez.
int runSimulatedBluez(std::vector<goprod::sim::CameraConfig> configs, const goprod::sim::BluezOptions& options) {
    // Two connections, so that the control interface is not one of
    // org.bluez's objects (ObjectManager at / lists what its connection exports).
    auto connection = sdbus::createSystemBusConnection();
    auto controlConnection = sdbus::createSystemBusConnection();
    goprod::sim::EventLoop loop({connection.get(), controlConnection.get()});
    goprod::sim::Bluez bluez(*connection, loop, std::move(configs), options);
    try {
        bluez.start();
    } catch (const sdbus::Error& error) {
        spdlog::error("cannot own org.bluez on this bus ({}): is a real bluetoothd running? Point the simulator "
                      "at a private bus with --bus or DBUS_SYSTEM_BUS_ADDRESS, or use --peripheral.",
                      error.getMessage());
        return 2;
    }
    goprod::sim::Control control(*controlConnection, bluez);
    for (const auto& camera : bluez.cameras()) {
        spdlog::info("camera {} serial {} at {}", camera->config().name(), camera->config().serial,
                     camera->config().address);
    }
    const int signal = loop.run();
    spdlog::info("stopping (signal {})", signal);
    bluez.stop();
    return 0;
}

// One camera as a real BLE peripheral of the bluetoothd on this bus.
int runPeripheral(goprod::sim::CameraConfig config, const std::string& adapter) {
    auto connection = sdbus::createSystemBusConnection();
    auto controlConnection = sdbus::createSystemBusConnection();
    goprod::sim::EventLoop loop({connection.get(), controlConnection.get()});
    goprod::sim::PeripheralOptions options;
    options.adapter = adapter;
    goprod::sim::Peripheral peripheral(*connection, loop, std::move(config), options);
    spdlog::info("camera {} serial {}: peripheral on {}", peripheral.config().name(), peripheral.config().serial,
                 adapter);
    peripheral.start();
    // The system bus of a real machine lets only configured services own names:
    // without the control interface the camera still works, faults aside.
    std::unique_ptr<goprod::sim::Control> control;
    try {
        control = std::make_unique<goprod::sim::Control>(*controlConnection, peripheral);
    } catch (const sdbus::Error& error) {
        spdlog::warn("no control interface ({}): {} may not be owned on this bus", error.getMessage(),
                     goprod::sim::kControlBusName);
    }
    const int signal = loop.run();
    spdlog::info("stopping (signal {}): disconnecting the centrals", signal);
    // A camera that powers off takes its links with it: a later goprod-sim must
    // not inherit this one's link, nor see it drop under its feet.
    peripheral.powerOff(std::chrono::seconds(5), [&loop] { loop.stop(); });
    loop.run();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"goprod-sim: virtual GoPro cameras behind a simulated BlueZ (org.bluez) on a D-Bus bus.\n"
                 "Runs on the bus DBUS_SYSTEM_BUS_ADDRESS names (else the system bus), like bluetoothd.\n"
                 "With --peripheral ADAPTER it plays one camera as a real BLE peripheral of the real bluetoothd instead.\n"
                 "Faults are injected at run time through io.goprod.Sim1 at /io/goprod/Sim (see README)."};
    int cameras = 1;
    int firstCamera = 0;
    std::string bus;
    int latencyMs = 0;
    int apDelayMs = 200;
    int connectDelayMs = 2;
    bool paired = false;
    bool verbose = false;
    std::vector<std::string> networks;
    std::string adapterAddress = "00:1A:7D:DA:71:13";
    int adapters = 1;
    int maxConnections = 0;
    std::vector<std::string> visible;
    std::string model = "hero12";
    std::string firmware;  // empty: the model's
    std::string apSsid;
    std::string apPassword;
    std::string peripheralAdapter;
    std::vector<std::string> modelFlags;
    for (const auto& m : goprod::sim::cameraModels()) modelFlags.emplace_back(m.flag);
    app.add_option("-n,--cameras", cameras, "Number of cameras in range (distinct serials, addresses, names)")
        ->check(CLI::Range(1, goprod::sim::kMaxCameras));
    app.add_option("--first-camera", firstCamera,
                   "Index of the first camera played (0: the seed camera, GoPro 0702; 1: GoPro 0703...), so that "
                   "several goprod-sim --peripheral play distinct cameras")
        ->check(CLI::Range(0, goprod::sim::kMaxCameras - 1));
    app.add_option("--bus", bus, "D-Bus address to serve on (overrides DBUS_SYSTEM_BUS_ADDRESS)");
    app.add_option("--latency-ms", latencyMs, "Camera response latency in milliseconds")->check(CLI::Range(0, 60000));
    app.add_option("--ap-delay-ms", apDelayMs, "Time the WiFi AP takes to come up (status 69)")
        ->check(CLI::Range(0, 60000));
    app.add_option("--connect-delay-ms", connectDelayMs, "Link setup and service discovery time, each")
        ->check(CLI::Range(0, 60000));
    app.add_flag("--paired", paired, "Start with the cameras already bonded (known to BlueZ, as after a reboot)");
    app.add_option("--network", networks,
                   "A WiFi network in range, SSID[:PASSWORD[:configured]] (repeatable; default: the five networks "
                   "of the Open GoPro WiFi tutorial)")
        ->check([](const std::string& spec) -> std::string {
            const auto network = parseNetwork(spec, 0);
            if (network.ssid.empty() || network.ssid.size() > 32) return "the SSID must be 1 to 32 bytes";
            if (network.password.size() > 63) return "the password must be at most 63 bytes";
            return {};
        });
    app.add_option("--model", model, "Camera model to pose as (identity only; the setting rules stay the HERO12's)")
        ->check(CLI::IsMember(modelFlags));
    app.add_option("--ap-ssid", apSsid, "The cameras' WiFi AP SSID (camera N > 1 gets \"-N\" appended)")
        ->check([](const std::string& ssid) -> std::string {
            return ssid.empty() || ssid.size() > 29 ? "the AP SSID must be 1 to 29 bytes" : "";
        });
    app.add_option("--ap-password", apPassword, "The cameras' WiFi AP password (8 to 63 characters)")
        ->check([](const std::string& password) -> std::string {
            return password.size() < 8 || password.size() > 63 ? "the AP password must be 8 to 63 characters" : "";
        });
    app.add_option("--firmware", firmware,
                   "The firmware version the cameras report (any bytes: a camera's text need not be UTF-8)")
        ->check([](const std::string& text) -> std::string {
            return text.empty() || text.size() > 255 ? "the firmware version must be 1 to 255 bytes" : "";
        });
    app.add_option("--adapter-address", adapterAddress,
                   "Address of the simulated adapter hci0 (hciN's adds N to its last octet)");
    app.add_option("--adapters", adapters, "Number of simulated adapters, hci0..hciN-1 (each sees every camera)")
        ->check(CLI::Range(1, goprod::sim::kMaxAdapters));
    app.add_option("--max-connections", maxConnections,
                   "LE connections each adapter's controller holds; Connect() beyond fails (default: no limit)")
        ->check(CLI::Range(1, goprod::sim::kMaxCameras));
    app.add_option("--visible", visible,
                   "CAMERAS:ADAPTERS, e.g. 0-7:hci0,hci1 (repeatable): the cameras a rule names (0 = the first) are "
                   "seen only by the adapters of their rules; the others by every adapter");
    app.add_option("--peripheral", peripheralAdapter,
                   "Peripheral mode: instead of playing org.bluez, register one camera with the real bluetoothd as a "
                   "GATT application and LE advertisement on this adapter (e.g. hci1)")
        ->check([](const std::string& adapter) -> std::string {
            return adapter.rfind("hci", 0) == 0 && adapter.size() > 3 ? "" : "the adapter is named like hci1";
        });
    app.add_flag("-v,--verbose", verbose, "Log every D-Bus level event");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version print and succeed; every bad argument is a usage error (2), as the man page says.
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    std::vector<goprod::sim::VisibilityRule> visibility;
    for (const auto& text : visible) {
        std::string error;
        auto rule = goprod::sim::parseVisibilityRule(text, cameras, adapters, error);
        if (!rule) {
            std::cerr << "--visible " << text << ": " << error << "\n";
            return 2;
        }
        visibility.push_back(std::move(*rule));
    }
    if (!peripheralAdapter.empty() && cameras != 1) {
        std::cerr << "--peripheral plays one camera per adapter: drop --cameras or run one goprod-sim per adapter\n";
        return 2;
    }

    spdlog::set_default_logger(spdlog::stderr_color_mt("goprod-sim"));
    spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);
    if (!bus.empty()) setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.c_str(), 1);

    goprod::sim::BluezOptions options;
    options.adapterAddress = adapterAddress;
    options.connectDelay = std::chrono::milliseconds(connectDelayMs);
    options.startPaired = paired;
    options.adapters = adapters;
    options.maxConnections = maxConnections;
    options.visibility = std::move(visibility);
    std::vector<goprod::sim::CameraConfig> configs;
    for (int i = 0; i < cameras; ++i) {
        auto config = goprod::sim::makeCameraConfig(firstCamera + i);
        goprod::sim::applyModel(config, *goprod::sim::findCameraModel(model));
        if (!apSsid.empty()) config.apSsid = i == 0 ? apSsid : apSsid + "-" + std::to_string(i + 1);
        if (!apPassword.empty()) config.apPassword = apPassword;
        if (!firmware.empty()) config.firmware = firmware;
        config.latency = std::chrono::milliseconds(latencyMs);
        config.apStartDelay = std::chrono::milliseconds(apDelayMs);
        if (!networks.empty()) {
            config.networks.clear();
            for (std::size_t n = 0; n < networks.size(); ++n) {
                config.networks.push_back(parseNetwork(networks[n], static_cast<int>(n)));
            }
        }
        // issue 15 D: a real root CA and random credentials per camera, as Create COHN Certificate would make.
        config.cohnCertificate = goprod::sim::generateCohnCertificate("GoPro " + config.serial);
        config.cohnPassword = goprod::sim::randomCohnPassword(12);
        const int index = firstCamera + i;
        config.cohnIpAddress = "192.168." + std::to_string(50 + index / 100) + "." + std::to_string(100 + index % 100);
        configs.push_back(std::move(config));
    }

    try {
        return peripheralAdapter.empty() ? runSimulatedBluez(std::move(configs), options)
                                         : runPeripheral(std::move(configs.front()), peripheralAdapter);
    } catch (const sdbus::Error& error) {
        spdlog::error("D-Bus: {} ({})", error.getMessage(), error.getName());
        return 1;
    }
}
