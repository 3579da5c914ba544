// Who a virtual camera is: serial, model, firmware, WiFi AP credentials, BLE
// address, the WiFi networks it "sees" when scanning, and its timing. Plain
// values: any thread (goprod-sim builds them on its main thread before the
// loop starts).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>
#include <string>
#include <vector>

namespace goprod::sim {

// One access point the camera finds when it scans (station mode).
struct WifiNetwork {
    std::string ssid;
    int bars = 0;          // 1..3, ScanEntry.signal_strength_bars
    int frequencyMhz = 0;  // ScanEntry.signal_frequency_mhz
    int flags = 0;         // open_gopro.EnumScanEntryFlags bits, as ScanEntry.scan_entry_flags
    std::string password;  // what Connect New must send; ignored for open networks (no AUTHENTICATED bit)
};

// The five networks of the connect-WiFi seed (tutorial 6), in its order, with
// its flags: "dabugdabug" is the one already configured (flags 47 = 0x2F). The
// seed does not show passwords; these are the simulator's.
std::vector<WifiNetwork> seedNetworks();

struct CameraConfig {
    // Defaults: the HERO12 of the seeds and §9.1 (tutorial 3 and the Kotlin log).
    std::string serial = "C3501324500702";
    std::uint32_t modelNumber = 62;  // HERO12 Black
    std::string modelName = "HERO12 Black";
    std::string firmware = "H23.01.01.99.56";
    std::string apSsid = "GP24500702";       // "GP" + last 8 serial digits, as cameras name their AP
    std::string apPassword = "p@d-NNc-2ts";  // the python seed's log
    std::string apMac = "2674f7f66104";      // 12 hex digits, no separators, as Get Hardware Info sends it
    std::vector<WifiNetwork> networks = seedNetworks();
    std::chrono::milliseconds latency{0};            // before every notification the camera sends
    std::chrono::milliseconds apStartDelay{200};     // Set AP Control → status 69 changes
    std::chrono::milliseconds scanDuration{300};     // Start Scan → NotifStartScanning
    std::chrono::milliseconds connectDuration{500};  // Connect (New) → final NotifProvisioningState
    std::chrono::milliseconds photoDuration{500};    // shutter in a photo preset: encoding 1 this long
    // group C: Set Live Stream Mode → READY (or FAILED)
    std::chrono::milliseconds liveStreamConfigDelay{300};
    std::string address = "D4:D9:19:50:07:02";       // BLE address, upper case with colons
    // issue 15 D: COHN. goprod-sim replaces the certificate and password with
    // ones generated at start (sim/cohn_cert.h); these fixed ones serve unit tests.
    std::string cohnCertificate = "-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n";
    std::string cohnUsername = "gopro";
    std::string cohnPassword = "Gzt2m6YMvLAo";          // tutorial 9's
    std::string cohnIpAddress = "192.168.50.103";       // on the home network, once connected
    std::chrono::milliseconds cohnConnectDelay{300};  // station joined (with a certificate) → NetworkConnected

    // "GoPro 0702": the advertised local name, last 4 serial digits.
    std::string name() const;
};

// A camera model the simulator can pose as: identity only (hardware info, model
// ID in the advertisement, serial prefix); the setting rules stay the HERO12's.
struct CameraModel {
    std::string_view flag;          // "hero12", as goprod-sim --model takes it
    std::uint32_t number;           // model ID (hardware info, advertising byte 13)
    std::string_view name;          // "HERO12 Black"
    std::string_view firmware;      // "H23.01.01.99.56"
    std::string_view serialPrefix;  // "C350"
};

std::span<const CameraModel> cameraModels();
const CameraModel* findCameraModel(std::string_view flag);
void applyModel(CameraConfig& config, const CameraModel& model);

// Camera number `index` (0-based) of `goprod-sim --cameras N`. Index 0 is the
// default config above; the others get distinct serials (so distinct names and
// AP SSIDs), BLE addresses, AP MACs and AP passwords, derived from the index
// so that runs are reproducible.
CameraConfig makeCameraConfig(int index);

}  // namespace goprod::sim
