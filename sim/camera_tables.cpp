#include "sim/camera_tables.h"

#include <algorithm>
#include <array>

#include "protocol/settings.h"

namespace goprod::sim {

namespace {

// open_gopro.EnumFlatMode values the presets use.
constexpr int kFlatVideo = 12, kFlatTimeLapseVideo = 13, kFlatPhoto = 17, kFlatNight = 18, kFlatBurst = 19;
constexpr int kFlatTimeWarp = 24, kFlatLiveBurst = 25, kFlatNightLapseVideo = 26, kFlatSlomo = 27;

constexpr std::array kPresets = {
    PresetInfo{0x00000000, kVideoGroup, "Standard", kFlatVideo, false},
    PresetInfo{0x00000001, kVideoGroup, "Activity", kFlatVideo, false},
    PresetInfo{0x00000002, kVideoGroup, "Cinematic", kFlatVideo, false},
    PresetInfo{0x00000003, kVideoGroup, "Slo-Mo", kFlatSlomo, false},
    PresetInfo{0x00010000, kPhotoGroup, "Photo", kFlatPhoto, true},
    PresetInfo{0x00010001, kPhotoGroup, "Live Burst", kFlatLiveBurst, true},
    PresetInfo{0x00010002, kPhotoGroup, "Burst", kFlatBurst, true},
    PresetInfo{0x00010003, kPhotoGroup, "Night", kFlatNight, true},
    PresetInfo{0x00020000, kTimelapseGroup, "TimeWarp", kFlatTimeWarp, false},
    PresetInfo{0x00020001, kTimelapseGroup, "Time Lapse", kFlatTimeLapseVideo, false},
    PresetInfo{0x00020002, kTimelapseGroup, "Night Lapse", kFlatNightLapseVideo, false},
    // issue 15 F: one custom (user-defined) preset, for the custom preset update
    PresetInfo{kCustomPreset, kPhotoGroup, "My Photo", kFlatPhoto, true},
};

// HERO12 Black's resolutions and frame rates (newest references.json, the
// "H12" column), plus 5K (24), a HERO9 value that the send-commands seed sets:
// every seed byte sequence must work on the simulator.
constexpr std::array<std::uint64_t, 11> kResolutions = {1, 4, 9, 18, 24, 100, 107, 108, 109, 110, 111};
constexpr std::array<std::uint64_t, 9> kFrameRates = {0, 1, 2, 5, 6, 8, 9, 10, 13};

// Frames per second of a setting-3 value.
int framesPerSecond(std::uint64_t value) {
    switch (value) {
        case 0:
            return 240;
        case 1:
            return 120;
        case 2:
            return 100;
        case 5:
            return 60;
        case 6:
            return 50;
        case 8:
            return 30;
        case 9:
            return 25;
        case 10:
            return 24;
        case 13:
            return 200;
        default:
            return 1000;  // unknown: fits nothing
    }
}

// The highest frame rate a HERO12 records at each resolution (PAL rates
// 200/100/50/25 fall under their NTSC neighbours).
int maxFramesPerSecond(std::uint64_t resolution) {
    switch (resolution) {
        case 9:  // 1080
        case 4:  // 2.7K
            return 240;
        case 110:  // 1080 9:16 V2
        case 111:  // 2.7K 4:3 V2
        case 1:    // 4K
            return 120;
        case 18:   // 4K 4:3
        case 108:  // 4K 8:7 V2
        case 109:  // 4K 9:16 V2
        case 100:  // 5.3K
            return 60;
        case 107:  // 5.3K 8:7 V2
        case 24:   // 5K (HERO9)
            return 30;
        default:
            return 0;
    }
}

template <std::size_t N>
bool contains(const std::array<std::uint64_t, N>& values, std::uint64_t value) {
    return std::find(values.begin(), values.end(), value) != values.end();
}

constexpr std::array kStatuses = {
    StatusDefault{1, 1},             // battery present
    StatusDefault{2, 3},             // battery bars
    StatusDefault{6, 0},             // overheating
    StatusDefault{8, 0},             // busy
    StatusDefault{9, 0},             // quick capture
    StatusDefault{10, 0},            // encoding
    StatusDefault{11, 0},            // LCD lock
    StatusDefault{13, 0},            // video encoding duration (computed when read)
    StatusDefault{17, 1},            // wireless connections enabled
    StatusDefault{19, 0},            // pairing state
    StatusDefault{20, 0},            // last pairing type
    StatusDefault{22, 0},            // WiFi scan state
    StatusDefault{23, 0},            // last WiFi scan success
    StatusDefault{24, 0},            // WiFi provisioning state
    StatusDefault{27, 0},            // remote connected
    StatusDefault{29, 0},            // connected WiFi SSID (string)
    StatusDefault{30, 0},            // AP SSID (string)
    StatusDefault{31, 0},            // connected devices
    StatusDefault{32, 0},            // preview stream
    StatusDefault{33, 0},            // primary storage OK
    StatusDefault{34, 1450},         // remaining photos
    StatusDefault{35, 3239},         // remaining video time (issue #157's 0x0CA7)
    StatusDefault{38, 0},            // photos
    StatusDefault{39, 0},            // videos
    StatusDefault{41, 0},            // OTA idle
    StatusDefault{42, 0},            // pending FW update cancel
    StatusDefault{45, 0},            // locate
    StatusDefault{49, 0},            // timelapse countdown
    StatusDefault{54, 60000000},     // SD card remaining, kB
    StatusDefault{55, 1},            // preview stream available
    StatusDefault{56, 0},            // WiFi bars
    StatusDefault{58, 0},            // active hilights
    StatusDefault{59, 0},            // time since last hilight
    StatusDefault{60, 1000},         // minimum status poll period, ms
    StatusDefault{65, 0},            // liveview exposure mode
    StatusDefault{66, 50},           // liveview y
    StatusDefault{67, 50},           // liveview x
    StatusDefault{68, 0},            // GPS lock
    StatusDefault{69, 0},            // AP mode
    StatusDefault{70, 87},           // battery %
    StatusDefault{74, 0},            // microphone accessory
    StatusDefault{75, 0},            // zoom level
    StatusDefault{76, 1},            // wireless band 5 GHz
    StatusDefault{77, 1},            // zoom available
    StatusDefault{78, 1},            // mobile friendly
    StatusDefault{81, 1},            // 5 GHz available
    StatusDefault{82, 1},            // ready
    StatusDefault{83, 1},            // OTA charged
    StatusDefault{85, 0},            // cold
    StatusDefault{86, 0},            // rotation
    StatusDefault{88, 0},            // zoom while encoding
    StatusDefault{89, kFlatVideo},   // flatmode
    StatusDefault{93, 0x00000000},   // video preset
    StatusDefault{94, 0x00010000},   // photo preset
    StatusDefault{95, 0x00020000},   // timelapse preset
    StatusDefault{96, kVideoGroup},  // preset group
    StatusDefault{97, 0x00000000},   // preset
    StatusDefault{98, 0},            // preset modified
    StatusDefault{101, 0},           // capture delay active
    StatusDefault{102, 0},           // media mod state
    StatusDefault{103, 10},          // time warp speed auto
    StatusDefault{105, 0},           // lens type
    StatusDefault{106, 0},           // hindsight
    StatusDefault{107, 0},           // scheduled capture preset
    StatusDefault{108, 0},           // scheduled capture
    StatusDefault{110, 0},           // display mod
    StatusDefault{111, 0},           // SD write speed error
    StatusDefault{112, 0},           // SD errors
    StatusDefault{113, 0},           // turbo transfer
    StatusDefault{114, 0},           // camera control idle
    StatusDefault{115, 0},           // USB connected
    StatusDefault{116, 0},           // USB controlled
    StatusDefault{117, 62500000},    // SD capacity, kB
    StatusDefault{118, 0},           // photo interval capture count
};

}  // namespace

std::span<const PresetInfo> presetTable() { return kPresets; }

const PresetInfo* findPreset(std::uint32_t id) {
    const auto it = std::find_if(kPresets.begin(), kPresets.end(), [id](const PresetInfo& p) { return p.id == id; });
    return it == kPresets.end() ? nullptr : &*it;
}

bool isPresetGroup(std::uint32_t group) {
    return group == kVideoGroup || group == kPhotoGroup || group == kTimelapseGroup;
}

bool isCustomPreset(std::uint32_t id) { return id == kCustomPreset; }  // issue 15 F

std::uint32_t firstPresetOf(std::uint32_t group) { return (group - kVideoGroup) << 16; }

std::uint8_t presetStatusOf(std::uint32_t group) { return static_cast<std::uint8_t>(93 + (group - kVideoGroup)); }

const SettingValues& defaultSettings() {
    static const SettingValues kValues = {
        {2, 9},   {3, 5},   {5, 0},     {30, 110},  {32, 3601}, {43, 0},   {59, 6},  {88, 70}, {91, 3},
        {108, 1}, {121, 0}, {122, 101}, {123, 101}, {125, 0},   {128, 13}, {134, 2}, {135, 4}, {156, 100},
        {157, 0}, {167, 4}, {168, 0},   {171, 0},   {172, 0},   {175, 1},  {178, 1}, {179, 2}, {182, 1},
        {183, 0}, {184, 0}, {186, 0},   {187, 0},   {189, 100}, {190, 0},  {191, 0}, {192, 1}, {193, 101},
    };
    return kValues;
}

bool isKnownSettingValue(std::uint8_t id, std::uint64_t value) {
    switch (id) {
        case protocol::setting_id::kVideoResolution:
            return contains(kResolutions, value);
        case protocol::setting_id::kFramesPerSecond:
            return contains(kFrameRates, value);
        case 88:
            return value >= 10 && value <= 100;  // LCD brightness, percent
        case 168:
            return true;  // scheduled capture: a packed time, any value
        default:
            return protocol::settingValueName(id, value).has_value();
    }
}

bool fitsWith(std::uint8_t id, std::uint64_t value, const SettingValues& current) {
    const auto valueOf = [&current](std::uint8_t setting) {
        const auto it = current.find(setting);
        return it == current.end() ? defaultSettings().at(setting) : it->second;
    };
    switch (id) {
        case protocol::setting_id::kVideoResolution:
            return framesPerSecond(valueOf(protocol::setting_id::kFramesPerSecond)) <= maxFramesPerSecond(value);
        case protocol::setting_id::kFramesPerSecond:
            return framesPerSecond(value) <= maxFramesPerSecond(valueOf(protocol::setting_id::kVideoResolution));
        default:
            return true;
    }
}

bool needsVideoGroup(std::uint8_t id) {
    return id == protocol::setting_id::kVideoResolution || id == protocol::setting_id::kFramesPerSecond ||
           id == protocol::setting_id::kVideoLens;
}

std::optional<std::vector<std::uint64_t>> allowedValues(std::uint8_t id, const SettingValues& current) {
    std::vector<std::uint64_t> candidates;
    if (id == protocol::setting_id::kVideoResolution) {
        candidates.assign(kResolutions.begin(), kResolutions.end());
    } else if (id == protocol::setting_id::kFramesPerSecond) {
        candidates.assign(kFrameRates.begin(), kFrameRates.end());
    } else {
        const protocol::SettingInfo* info = protocol::findSetting(id);
        if (info == nullptr || info->values.empty()) return std::nullopt;
        for (const auto& named : info->values) candidates.push_back(named.value);
    }
    std::vector<std::uint64_t> out;
    for (auto value : candidates) {
        if (isKnownSettingValue(id, value) && fitsWith(id, value, current)) out.push_back(value);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::span<const StatusDefault> defaultStatuses() { return kStatuses; }

}  // namespace goprod::sim
