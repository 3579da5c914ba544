#include "daemon/config/state_store.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include <sys/stat.h>

#include <fmt/core.h>
#include <toml++/toml.h>

#include "daemon/config/files.h"
#include "daemon/core/bluez_port.h"
#include "daemon/core/control.h"

namespace goprod::config {

namespace {

using core::Errc;
using core::fail;

// Format of cameras.toml; bump it when an old reader would misread a new file.
constexpr std::int64_t kFormatVersion = 1;
// 1024 entries of a few hundred bytes each, with room to spare.
constexpr std::size_t kMaxStateBytes = 4 << 20;
constexpr std::size_t kMaxTextBytes = 256;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// TOML files are UTF-8: one invalid byte (a camera name is whatever the camera
// advertises) would make the whole file unreadable on the next start.
bool isValidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t codePoint = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if ((lead & 0xE0) == 0xC0) {
            length = 2;
            codePoint = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            codePoint = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            codePoint = lead & 0x07;
        } else {
            return false;
        }
        if (i + length > text.size()) return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return false;
            codePoint = (codePoint << 6) | (next & 0x3F);
        }
        constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
        // Overlong forms, UTF-16 surrogates and values past U+10FFFF are invalid.
        if (codePoint < kSmallest[length] || (codePoint >= 0xD800 && codePoint <= 0xDFFF) || codePoint > 0x10FFFF) {
            return false;
        }
        i += length;
    }
    return true;
}

std::string checkText(std::string_view field, const std::string& text) {
    if (text.size() > kMaxTextBytes) return fmt::format("{} is longer than {} bytes", field, kMaxTextBytes);
    if (!isValidUtf8(text)) return fmt::format("{} is not valid UTF-8", field);
    const bool control = std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    });
    if (control) return fmt::format("{} contains control characters", field);
    return {};
}

std::string upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
    return text;
}

// The fields of one [[camera]] entry, with their readers. Text fields share one
// shape, so they are listed once.
struct TextField {
    std::string_view key;
    std::string KnownCamera::*member;
};
constexpr TextField kTextFields[] = {
    {"identifier", &KnownCamera::identifier},
    {"address", &KnownCamera::address},
    {"name", &KnownCamera::name},
    {"model", &KnownCamera::model},
    {"firmware", &KnownCamera::firmware},
    {"serial", &KnownCamera::serial},
    {"adapter", &KnownCamera::adapter},
    {"pinned_adapter", &KnownCamera::pinnedAdapter},
};

// Reads one entry; returns "" or why it is skipped. Unknown keys go to `unknown`.
std::string readEntry(const toml::table& entry, KnownCamera& camera, std::vector<std::string>& unknown) {
    for (auto&& [key, value] : entry) {
        const std::string_view name = key.str();
        const auto* text = std::find_if(std::begin(kTextFields), std::end(kTextFields),
                                        [&](const TextField& field) { return field.key == name; });
        if (text != std::end(kTextFields)) {
            const auto* string = value.as_string();
            if (string == nullptr) return fmt::format("{} is not a string", name);
            camera.*(text->member) = string->get();
        } else if (name == "last_seen") {
            const auto* integer = value.as_integer();
            if (integer == nullptr || integer->get() < 0) return "last_seen is not a non-negative integer";
            camera.lastSeenUnix = integer->get();
        } else if (name == "priority") {
            const auto* integer = value.as_integer();
            if (integer == nullptr) return "priority is not an integer";
            camera.priority = integer->get();
        } else if (name == "auto_connect") {
            const auto* boolean = value.as_boolean();
            if (boolean == nullptr) return "auto_connect is not a boolean";
            camera.autoConnect = boolean->get();
        } else {
            unknown.emplace_back(name);
        }
    }
    if (!entry.contains("identifier")) return "identifier is missing";
    if (!entry.contains("address")) return "address is missing";
    camera.address = upper(camera.address);
    return validateKnownCamera(camera);
}

toml::table entryTable(const KnownCamera& camera) {
    toml::table entry;
    for (const auto& field : kTextFields) {
        const std::string& text = camera.*(field.member);
        // Empty optional fields are left out; identifier and address never are empty.
        if (!text.empty()) entry.insert(field.key, field.member == &KnownCamera::address ? upper(text) : text);
    }
    entry.insert("last_seen", camera.lastSeenUnix);
    entry.insert("auto_connect", camera.autoConnect);
    if (camera.priority != 0) entry.insert("priority", camera.priority);
    return entry;
}

std::string syntaxError(const std::string& file, const toml::parse_error& error) {
    return fmt::format("{}:{}:{}: syntax error: {}", file, error.source().begin.line, error.source().begin.column,
                       error.description());
}

// Removes ".cameras.toml.tmp-*" left by a crash between creating and renaming.
void removeStaleTemporaries(const std::filesystem::path& dir) {
    const std::string prefix = "." + std::string(kCamerasFileName) + ".tmp-";
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
        if (entry.path().filename().string().rfind(prefix, 0) == 0) {
            std::filesystem::remove(entry.path(), error);
        }
    }
}

}  // namespace

std::string validateKnownCamera(const KnownCamera& camera) {
    if (camera.identifier.size() != 4 || !std::all_of(camera.identifier.begin(), camera.identifier.end(), isDigit)) {
        return fmt::format("identifier '{}' is not four digits", camera.identifier);
    }
    if (!core::isBluetoothAddress(camera.address)) {
        return fmt::format("address '{}' is not a Bluetooth address (XX:XX:XX:XX:XX:XX)", camera.address.substr(0, 32));
    }
    for (const auto& field : kTextFields) {
        if (auto error = checkText(field.key, camera.*(field.member)); !error.empty()) return error;
    }
    for (const std::string* adapter : {&camera.adapter, &camera.pinnedAdapter}) {
        if (!adapter->empty() && !core::isAdapterName(*adapter)) {
            return fmt::format("'{}' is not an adapter name or address", adapter->substr(0, 32));
        }
    }
    if (camera.lastSeenUnix < 0) return "last_seen is negative";
    if (camera.priority < core::kMinPriority || camera.priority > core::kMaxPriority) {
        return fmt::format("priority {} is not within {}..{}", camera.priority, core::kMinPriority, core::kMaxPriority);
    }
    return {};
}

StateStore::StateStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

Result<std::vector<KnownCamera>> StateStore::load(std::vector<std::string>* warnings) {
    if (auto made = makeDirectories(dir_, 0700); !made) return Unexpected{made.error()};
    removeStaleTemporaries(dir_);

    const std::string path = file().string();
    FileContents contents = readSmallFile(file(), kMaxStateBytes);
    if (contents.error == ENOENT) return std::vector<KnownCamera>{};
    if (contents.error == EFBIG) {
        return fail(Errc::InvalidArgument, fmt::format("{}: {}", path, fileErrorText(EFBIG, kMaxStateBytes)));
    }
    if (contents.error != 0) {
        return fail(Errc::Unavailable,
                    fmt::format("{}: cannot read: {}", path, fileErrorText(contents.error, kMaxStateBytes)));
    }

    toml::table root;
    try {
        root = toml::parse(contents.text, path);
    } catch (const toml::parse_error& error) {
        return fail(Errc::InvalidArgument, syntaxError(path, error));
    }

    auto corrupt = [&](const toml::source_region& where, const std::string& what) {
        return fail(Errc::InvalidArgument, fmt::format("{}:{}: {}", path, where.begin.line, what));
    };
    std::vector<std::string> notes;
    auto warn = [&](const toml::source_region& where, const std::string& what) {
        notes.push_back(fmt::format("{}:{}: {}", path, where.begin.line, what));
    };

    if (const auto* version = root.get("version")) {
        const auto* integer = version->as_integer();
        if (integer == nullptr || integer->get() != kFormatVersion) {
            return corrupt(version->source(), integer == nullptr
                                                  ? std::string("version is not an integer")
                                                  : fmt::format("unsupported format version {} (this goprod reads {})",
                                                                integer->get(), kFormatVersion));
        }
    }
    for (auto&& [key, value] : root) {
        if (key.str() != "version" && key.str() != "camera")
            warn(key.source(), fmt::format("unknown key '{}' ignored", key.str()));
    }

    std::vector<KnownCamera> cameras;
    const auto* list = root.get("camera");
    if (list == nullptr) return cameras;
    const auto* entries = list->as_array();
    if (entries == nullptr) return corrupt(list->source(), "'camera' is not an array of [[camera]] tables");

    std::set<std::string> identifiers;
    std::set<std::string> addresses;
    for (const auto& node : *entries) {
        const auto* entry = node.as_table();
        if (entry == nullptr) {
            warn(node.source(), "camera entry skipped: not a table");
            continue;
        }
        if (cameras.size() == kMaxKnownCameras) {
            warn(node.source(), fmt::format("camera entries from here on skipped: more than {}", kMaxKnownCameras));
            break;
        }
        KnownCamera camera;
        std::vector<std::string> unknown;
        if (auto error = readEntry(*entry, camera, unknown); !error.empty()) {
            warn(entry->source(), "camera entry skipped: " + error);
            continue;
        }
        for (const auto& name : unknown) warn(entry->source(), fmt::format("unknown key '{}' ignored", name));
        if (identifiers.count(camera.identifier) != 0 || addresses.count(camera.address) != 0) {
            warn(entry->source(),
                 fmt::format("camera entry skipped: {} {} is listed twice", camera.identifier, camera.address));
            continue;
        }
        identifiers.insert(camera.identifier);
        addresses.insert(camera.address);
        cameras.push_back(std::move(camera));
    }
    if (warnings != nullptr) warnings->insert(warnings->end(), notes.begin(), notes.end());
    return cameras;
}

Result<void> StateStore::save(const std::vector<KnownCamera>& cameras) {
    if (cameras.size() > kMaxKnownCameras) {
        return fail(Errc::ResourceExhausted, fmt::format("{} known cameras: more than the {} the state file holds",
                                                         cameras.size(), kMaxKnownCameras));
    }
    std::set<std::string> identifiers;
    std::set<std::string> addresses;
    toml::array entries;
    for (const auto& camera : cameras) {
        if (auto error = validateKnownCamera(camera); !error.empty()) {
            return fail(Errc::InvalidArgument, "known camera not saved: " + error);
        }
        if (!identifiers.insert(camera.identifier).second || !addresses.insert(upper(camera.address)).second) {
            return fail(Errc::InvalidArgument,
                        fmt::format("known camera {} {} is listed twice", camera.identifier, camera.address));
        }
        entries.push_back(entryTable(camera));
    }
    toml::table root;
    root.insert("version", kFormatVersion);
    root.insert("camera", std::move(entries));

    std::ostringstream text;
    text << "# Cameras goprod knows, written by goprod: edits made while it runs are lost.\n";
    text << root << '\n';
    if (auto made = makeDirectories(dir_, 0700); !made) return made;
    return writeFileAtomically(file(), text.str(), 0600);
}

Result<std::filesystem::path> StateStore::quarantine() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32] = {};
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);

    const std::filesystem::path from = file();
    const std::string base = from.string() + ".bad-" + stamp;
    // The directory is the daemon's own, so nothing else races to create the name.
    for (int attempt = 1; attempt <= 100; ++attempt) {
        std::filesystem::path to = attempt == 1 ? base : base + "-" + std::to_string(attempt);
        struct stat st {};
        if (::lstat(to.c_str(), &st) == 0) continue;
        if (std::rename(from.c_str(), to.c_str()) != 0) {
            const int error = errno;
            return fail(Errc::Unavailable, fmt::format("cannot rename {} to {}: {}", from.string(), to.string(),
                                                       std::system_category().message(error)));
        }
        if (auto synced = syncDirectory(dir_); !synced) return Unexpected{synced.error()};
        return to;
    }
    return fail(Errc::Unavailable, fmt::format("cannot quarantine {}: too many quarantined copies", from.string()));
}

}  // namespace goprod::config
