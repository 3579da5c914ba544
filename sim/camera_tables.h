// What the virtual HERO12 offers: its presets, the settings it stores with
// their defaults, the statuses it reports, and the rules that reject setting
// values or combinations. Constant data and pure functions: any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace goprod::sim {

inline constexpr std::uint32_t kVideoGroup = 1000;
inline constexpr std::uint32_t kPhotoGroup = 1001;
inline constexpr std::uint32_t kTimelapseGroup = 1002;

struct PresetInfo {
    std::uint32_t id;
    std::uint32_t group;    // 1000 video, 1001 photo, 1002 timelapse
    std::string_view name;  // "Cinematic"
    int flatMode;           // open_gopro.EnumFlatMode, status 89
    bool still;             // the shutter takes pictures and returns to idle by itself
};

// The 1.0 spec's preset IDs (the seeds load 0x00000001, 0x00000002,
// 0x00010002 and 0x00010003), grouped as Get Preset Status lists them.
std::span<const PresetInfo> presetTable();
const PresetInfo* findPreset(std::uint32_t id);
bool isPresetGroup(std::uint32_t group);
// issue 15 F: the one custom (user-defined) preset, last of the photo group.
inline constexpr std::uint32_t kCustomPreset = 0x00010004;
bool isCustomPreset(std::uint32_t id);
// The preset a group starts on (the first of the group).
std::uint32_t firstPresetOf(std::uint32_t group);
// Status 93/94/95: which status remembers the active preset of a group.
std::uint8_t presetStatusOf(std::uint32_t group);

using SettingValues = std::map<std::uint8_t, std::uint64_t>;

// The settings this camera stores, with their values after power-on.
const SettingValues& defaultSettings();

// Whether the camera knows the value at all (HERO12's resolutions and frame
// rates, the library's value tables for the rest, ranges where the table
// names no values). Unknown values are answered with status 2.
bool isKnownSettingValue(std::uint8_t id, std::uint64_t value);

// Whether the value fits the other current settings: frame rate against
// resolution, the combination rule real cameras enforce ("FPS 240 fails while
// resolution is 4K; set resolution first"). Violations are status 2.
bool fitsWith(std::uint8_t id, std::uint64_t value, const SettingValues& current);

// Settings that belong to video presets: changing them needs the video preset
// group active (send-commands seed: "If the Preset Group was not Video, the
// status will not be success").
bool needsVideoGroup(std::uint8_t id);

// The options Get Setting Capabilities lists for a setting right now, in
// ascending order; nullopt for settings whose options are a range (they are
// left out of capability answers).
std::optional<std::vector<std::uint64_t>> allowedValues(std::uint8_t id, const SettingValues& current);

// The statuses this camera reports (ascending ID), with their values after
// power-on; strings are empty here and filled in from the camera config.
struct StatusDefault {
    std::uint8_t id;
    std::int64_t value;
};
std::span<const StatusDefault> defaultStatuses();

}  // namespace goprod::sim
