#include "sim/rig.h"

#include <charconv>
#include <cstdio>
#include <set>

namespace goprod::sim {

namespace {

std::optional<int> number(std::string_view text) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// "a,b-c,*" → the indexes in [0, count); `index` reads one item.
template <typename Index>
std::optional<std::vector<int>> parseList(std::string_view text, int count, Index index, const char* what,
                                          std::string& error) {
    std::set<int> out;
    while (true) {
        const auto comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        if (item == "*") {
            for (int i = 0; i < count; ++i) out.insert(i);
        } else {
            const auto dash = item.find('-');
            const auto first = index(item.substr(0, dash));
            const auto last = dash == std::string_view::npos ? first : index(item.substr(dash + 1));
            if (!first || !last || *first > *last) {
                error = std::string("'") + std::string(item) + "' is not a " + what + " or range of them";
                return std::nullopt;
            }
            if (*last >= count) {
                error = std::string("no ") + what + " " + std::to_string(*last) + " (there are " +
                        std::to_string(count) + ")";
                return std::nullopt;
            }
            for (int i = *first; i <= *last; ++i) out.insert(i);
        }
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return std::vector<int>(out.begin(), out.end());
}

}  // namespace

std::string adapterAddress(const std::string& base, int index) {
    unsigned last = 0;
    if (base.size() < 2 || std::sscanf(base.c_str() + base.size() - 2, "%2x", &last) != 1) return base;
    char octet[3];
    std::snprintf(octet, sizeof octet, "%02X", (last + static_cast<unsigned>(index)) & 0xFFu);
    return base.substr(0, base.size() - 2) + octet;
}

std::optional<int> adapterIndex(std::string_view name) {
    if (name.starts_with("hci")) name.remove_prefix(3);
    return number(name);
}

std::optional<VisibilityRule> parseVisibilityRule(std::string_view text, int cameras, int adapters,
                                                  std::string& error) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        error = "a visibility rule is CAMERAS:ADAPTERS, like 0-7:hci0,hci1";
        return std::nullopt;
    }
    VisibilityRule rule;
    auto cameraList = parseList(text.substr(0, colon), cameras, number, "camera", error);
    if (!cameraList) return std::nullopt;
    auto adapterList = parseList(text.substr(colon + 1), adapters, adapterIndex, "adapter", error);
    if (!adapterList) return std::nullopt;
    rule.cameras = std::move(*cameraList);
    rule.adapters = std::move(*adapterList);
    return rule;
}

RigLayout::RigLayout(int cameras, int adapters)
    : cameras_(cameras), adapters_(adapters), cells_(static_cast<std::size_t>(cameras * adapters)) {
    for (int a = 0; a < adapters_; ++a) {
        for (int c = 0; c < cameras_; ++c) cell(a, c).rssi = defaultRssi(a, c);
    }
}

void RigLayout::apply(const std::vector<VisibilityRule>& rules) {
    std::set<int> named;
    for (const auto& rule : rules) named.insert(rule.cameras.begin(), rule.cameras.end());
    for (int camera : named) {
        for (int a = 0; a < adapters_; ++a) cell(a, camera).visible = false;
    }
    for (const auto& rule : rules) {
        for (int camera : rule.cameras) {
            for (int a : rule.adapters) cell(a, camera).visible = true;
        }
    }
}

std::int16_t RigLayout::defaultRssi(int adapter, int camera) {
    // 11 and 30 are coprime: the 16 adapters of one camera get 16 different values
    // (camera 0 on hci0 keeps the -55 dBm of the one-adapter sim).
    return static_cast<std::int16_t>(-55 - (camera * 7 + adapter * 11) % 30);
}

}  // namespace goprod::sim
