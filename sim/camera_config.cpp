#include "sim/camera_config.h"

#include <algorithm>
#include <array>
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

namespace {
// Model IDs, names, model codes and serial prefixes from the Open GoPro camera
// table; the firmware patch numbers are the simulator's own.
constexpr std::array kModels = {
    CameraModel{"hero9", 55, "HERO9 Black", "HD9.01.01.72.00", "C344"},
    CameraModel{"hero10", 57, "HERO10 Black", "H21.01.01.62.00", "C346"},
    CameraModel{"hero11", 58, "HERO11 Black", "H22.01.02.32.00", "C347"},
    CameraModel{"hero11-mini", 60, "HERO11 Black Mini", "H22.03.02.50.00", "C349"},
    CameraModel{"hero12", 62, "HERO12 Black", "H23.01.01.99.56", "C350"},
    CameraModel{"hero13", 65, "HERO13 Black", "H24.01.02.02.00", "C353"},
    CameraModel{"max2", 64, "MAX 2", "H24.02.01.10.00", "C352"},
    CameraModel{"lit-hero", 70, "LIT HERO", "H25.03.01.10.00", "C359"},
};
}  // namespace

std::span<const CameraModel> cameraModels() { return kModels; }

const CameraModel* findCameraModel(std::string_view flag) {
    for (const auto& model : kModels) {
        if (model.flag == flag) return &model;
    }
    return nullptr;
}

void applyModel(CameraConfig& config, const CameraModel& model) {
    config.modelNumber = model.number;
    config.modelName = std::string(model.name);
    config.firmware = std::string(model.firmware);
    config.serial = std::string(model.serialPrefix) + config.serial.substr(std::min<std::size_t>(4, config.serial.size()));
}

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
