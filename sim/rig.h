// How goprod-sim's rig is laid out: its adapters (hci0..hciN-1, addresses
// derived from the first), which adapter sees which camera (--visible rules)
// and with what signal. Pure: no D-Bus, unit-tested in tests/sim/rig_test.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace goprod::sim {

inline constexpr int kMaxAdapters = 16;
inline constexpr int kMaxCameras = 256;

// Adapter `index`'s address: `base` with `index` added to its last octet
// (modulo 256), so that up to 16 adapters have distinct addresses.
std::string adapterAddress(const std::string& base, int index);
// "hci3" → 3; also a plain index ("3"). nullopt when not an adapter name.
std::optional<int> adapterIndex(std::string_view name);

// One --visible rule, "CAMERAS:ADAPTERS": camera indexes (0 = the first camera,
// GoPro 0702) as a list of numbers and ranges ("0-7,12"), adapters as names or
// indexes ("hci0,hci1", "0-1", "hci2-hci3"); "*" is every camera or adapter.
struct VisibilityRule {
    std::vector<int> cameras;
    std::vector<int> adapters;
};
// The rule, or nullopt and `error` set when it is malformed or names a camera
// or adapter that does not exist.
std::optional<VisibilityRule> parseVisibilityRule(std::string_view text, int cameras, int adapters, std::string& error);

class RigLayout {
public:
    RigLayout(int cameras, int adapters);

    int cameras() const { return cameras_; }
    int adapters() const { return adapters_; }
    // By default every adapter sees every camera; a camera that any rule names
    // is seen only by the adapters of the rules that name it.
    void apply(const std::vector<VisibilityRule>& rules);
    bool sees(int adapter, int camera) const { return cell(adapter, camera).visible; }
    std::int16_t rssi(int adapter, int camera) const { return cell(adapter, camera).rssi; }
    void setRssi(int adapter, int camera, std::int16_t rssi) { cell(adapter, camera).rssi = rssi; }
    // The signal before any SetRssi: -55 to -84 dBm, deterministic, and
    // different on each adapter for one camera (so that placement has a best).
    static std::int16_t defaultRssi(int adapter, int camera);

private:
    struct Cell {
        bool visible = true;
        std::int16_t rssi = 0;
    };
    Cell& cell(int adapter, int camera) { return cells_.at(static_cast<std::size_t>(adapter * cameras_ + camera)); }
    const Cell& cell(int adapter, int camera) const {
        return cells_.at(static_cast<std::size_t>(adapter * cameras_ + camera));
    }

    int cameras_;
    int adapters_;
    std::vector<Cell> cells_;  // adapter-major
};

}  // namespace goprod::sim
