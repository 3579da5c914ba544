#include "sim/camera_config.h"

#include <cstdio>

namespace goprod::sim {

std::vector<WifiNetwork> seedNetworks() {
    std::vector<WifiNetwork> networks;
    networks.push_back({"dabugdabug", 3, 5220, 47, "dabug-pass-1"});
    networks.push_back({"ATTTp4r6Fi", 2, 5745, 1, "att-p4r6-pass"});
    networks.push_back({"ATTb7JgAwa", 2, 5785, 1, "att-b7jg-pass"});
    networks.push_back({"Ring Setup e7", 1, 2412, 0, ""});
    networks.push_back({"Homeynet_2GEXT", 1, 2437, 1, "homeynet-2g-pass"});
    return networks;
}

std::string CameraConfig::name() const {
    return "GoPro " + (serial.size() >= 4 ? serial.substr(serial.size() - 4) : serial);
}

namespace {

// Readable, reproducible AP passwords in the cameras' "abc-DEF-ghi" shape.
std::string passwordFor(int index) {
    static constexpr char kAlphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789@";
    std::uint32_t state = 2654435761U * static_cast<std::uint32_t>(index + 1);
    std::string out;
    for (int i = 0; i < 11; ++i) {
        if (i == 3 || i == 7) {
            out.push_back('-');
            continue;
        }
        state = state * 1664525U + 1013904223U;
        out.push_back(kAlphabet[(state >> 16) % (sizeof kAlphabet - 1)]);
    }
    return out;
}

}  // namespace

CameraConfig makeCameraConfig(int index) {
    CameraConfig config;
    if (index <= 0) return config;
    // The last six serial digits count up from the seed camera's 500702, so the
    // names (last 4), AP SSIDs (last 8) and addresses all stay distinct.
    const int tail = 500702 + index;
    char digits[16];
    std::snprintf(digits, sizeof digits, "%06d", tail % 1000000);
    config.serial = "C3501324" + std::string(digits);
    config.apSsid = "GP" + config.serial.substr(config.serial.size() - 8);
    config.apPassword = passwordFor(index);
    char mac[16];
    std::snprintf(mac, sizeof mac, "2674f7f6%04x", (0x6104 + index) & 0xFFFF);
    config.apMac = mac;
    config.address =
        std::string("D4:D9:19:") + digits[0] + digits[1] + ':' + digits[2] + digits[3] + ':' + digits[4] + digits[5];
    return config;
}

}  // namespace goprod::sim
