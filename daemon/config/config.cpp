#include "daemon/config/config.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <sstream>

#include <arpa/inet.h>
#include <sys/un.h>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <toml++/toml.h>

#include "daemon/config/files.h"
#include "daemon/config/logging.h"
#include "daemon/core/bluez_port.h"

#ifndef GOPROD_VERSION
#error "GOPROD_VERSION must be defined by the build (meson.project_version())"
#endif

namespace goprod::config {

namespace {

using core::Errc;
using core::fail;
using std::chrono::milliseconds;

// A configuration file is a few kilobytes; anything much larger is a mistake.
constexpr std::size_t kMaxConfigBytes = 1 << 20;

// Longest path that fits sockaddr_un::sun_path with its terminating NUL.
constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un::sun_path) - 1;

std::string_view typeName(toml::node_type type) {
    switch (type) {
        case toml::node_type::none:
            return "nothing";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
    }
    return "an unknown type";
}

std::string wrongType(const toml::node& node, std::string_view wanted) {
    return fmt::format("expected {}, got {}", wanted, typeName(node.type()));
}

// Setters take one value into the Config. They return "" when it is taken,
// else what is wrong with it (the caller adds file, line and key).
using Setter = std::string (*)(const toml::node&, Config&);

std::string takeString(const toml::node& node, std::string& out) {
    const auto* value = node.as_string();
    if (value == nullptr) return wrongType(node, "a string");
    const std::string& text = value->get();
    // Control characters (a NUL above all) in a path, name or address are a
    // mistake that would surface later as something baffling.
    const bool control = std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    });
    if (control) return "must not contain control characters";
    out = text;
    return {};
}

std::string takeBool(const toml::node& node, bool& out) {
    const auto* value = node.as_boolean();
    if (value == nullptr) return wrongType(node, "a boolean (true or false)");
    out = value->get();
    return {};
}

std::string takeInteger(const toml::node& node, std::int64_t low, std::int64_t high, std::int64_t& out) {
    const auto* value = node.as_integer();
    if (value == nullptr) return wrongType(node, "an integer");
    if (value->get() < low || value->get() > high) {
        return fmt::format("{} is out of range ({} to {})", value->get(), low, high);
    }
    out = value->get();
    return {};
}

template <class T>
std::string takeCount(const toml::node& node, std::int64_t low, std::int64_t high, T& out) {
    std::int64_t value = 0;
    auto error = takeInteger(node, low, high, value);
    if (error.empty()) out = static_cast<T>(value);
    return error;
}

// Durations are integer milliseconds; `zeroMeansOff` admits 0 below `low`.
std::string takeMillis(const toml::node& node, std::int64_t low, std::int64_t high, milliseconds& out,
                       bool zeroMeansOff = false) {
    const auto* value = node.as_integer();
    if (value == nullptr) return wrongType(node, "an integer (milliseconds)");
    if (zeroMeansOff && value->get() == 0) {
        out = milliseconds{0};
        return {};
    }
    if (value->get() < low || value->get() > high) {
        return fmt::format("{} ms is out of range ({} to {}{})", value->get(), low, high,
                           zeroMeansOff ? ", or 0 for off" : "");
    }
    out = milliseconds{value->get()};
    return {};
}

bool isNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

std::string setStateDir(const toml::node& node, Config& config) {
    std::string text;
    auto error = takeString(node, text);
    if (!error.empty()) return error;
    if (text.empty() || text.front() != '/') return "must be an absolute path";
    config.stateDir = text;
    return {};
}

std::string setLogLevel(const toml::node& node, Config& config) {
    std::string text;
    auto error = takeString(node, text);
    if (!error.empty()) return error;
    auto level = parseLogLevel(text);
    if (!level) return level.error().message;
    config.logLevel = *level;
    return {};
}

std::string setSocket(const toml::node& node, Config& config) {
    std::string text;
    auto error = takeString(node, text);
    if (!error.empty()) return error;
    if (!text.empty() && text.front() == '/') text = "unix:" + text;
    const std::filesystem::path path = unixSocketPath(text);
    if (path.empty() || !path.is_absolute()) return "must be \"unix:\" followed by an absolute path";
    if (path.native().size() > kMaxSocketPath) {
        return fmt::format("the path is longer than a unix socket allows ({} bytes)", kMaxSocketPath);
    }
    config.socket = text;
    return {};
}

std::string setSocketGroup(const toml::node& node, Config& config) {
    std::string text;
    auto error = takeString(node, text);
    if (!error.empty()) return error;
    // The portable user and group name set (POSIX 3.437), plus the numeric GID form.
    const bool valid =
        text.size() <= 32 && (text.empty() || text.front() != '-') &&
        std::all_of(text.begin(), text.end(), [](char c) { return isNameChar(c) || c == '_' || c == '-' || c == '.'; });
    if (!valid) return "must be a group name or number";
    config.socketGroup = text;
    return {};
}

std::string setSocketMode(const toml::node& node, Config& config) {
    const auto* value = node.as_integer();
    if (value == nullptr) return wrongType(node, "an integer (write it in octal: 0o660)");
    if (value->get() < 0 || value->get() > 0777) {
        return fmt::format("{} is out of range (0o0 to 0o777; write it in octal: 0o660)", value->get());
    }
    config.socketMode = static_cast<std::uint32_t>(value->get());
    return {};
}

std::optional<int> parsePort(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    int port = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) return std::nullopt;
    return port;
}

std::string setTcpListen(const toml::node& node, Config& config) {
    std::string text;
    auto error = takeString(node, text);
    if (!error.empty()) return error;
    if (text.empty()) {
        config.tcpListen.clear();
        return {};
    }
    constexpr std::string_view kShape = R"(must be "PORT" (loopback) or "HOST:PORT", port 1 to 65535)";
    if (text.find(':') == std::string::npos) {
        if (!parsePort(text)) return std::string(kShape);
        config.tcpListen = "127.0.0.1:" + text;
        return {};
    }
    const auto colon = text.rfind(':');
    const std::string_view host = std::string_view(text).substr(0, colon);
    if (host.empty() || !parsePort(std::string_view(text).substr(colon + 1))) return std::string(kShape);
    // An IPv6 address has colons of its own: it must be bracketed ("[::1]:50051").
    if (host.find(':') != std::string_view::npos && (host.front() != '[' || host.back() != ']')) {
        return "an IPv6 host must be in brackets: \"[::1]:PORT\"";
    }
    if (host.find(' ') != std::string_view::npos) return std::string(kShape);
    config.tcpListen = text;
    return {};
}

// issue 17: a TLS file: an absolute path, or "" for none.
std::string takeTlsPath(const toml::node& node, std::string& out) {
    std::string text;
    auto error = takeString(node, text);
    if (!error.empty()) return error;
    if (!text.empty() && text.front() != '/') return "must be an absolute path (or \"\" for none)";
    out = text;
    return {};
}

std::string setBus(const toml::node& node, Config& config) {
    std::string text;
    auto error = takeString(node, text);
    if (!error.empty()) return error;
    // A D-Bus address is "transport:key=value,..." (e.g. "unix:path=/run/dbus/system_bus_socket").
    const auto colon = text.find(':');
    if (!text.empty() && (colon == std::string::npos || colon == 0)) {
        return R"(must be a D-Bus address such as "unix:path=/run/dbus/system_bus_socket", or "" for the system bus)";
    }
    config.bus = text;
    return {};
}

std::string setAdapter(const toml::node& node, Config& config) {
    std::string text;
    auto error = takeString(node, text);
    if (!error.empty()) return error;
    // It becomes a D-Bus object path element (/org/bluez/hci0).
    const bool valid =
        text.size() <= 32 && std::all_of(text.begin(), text.end(), [](char c) { return isNameChar(c) || c == '_'; });
    if (!valid) return R"(must be an adapter name such as "hci0", or "" for every powered adapter)";
    config.adapter = text;
    return {};
}

std::string setAdapters(const toml::node& node, Config& config) {
    const auto* array = node.as_array();
    if (array == nullptr) return R"(must be a list of adapter names or addresses, e.g. ["hci0", "hci1"])";
    std::vector<std::string> adapters;
    for (const auto& item : *array) {
        const auto* text = item.as_string();
        if (text == nullptr || !core::isAdapterName(text->get())) {
            return R"(must be a list of adapter names or addresses, e.g. ["hci0", "00:1A:7D:DA:71:13"])";
        }
        adapters.push_back(text->get());
    }
    config.adapters = std::move(adapters);
    return {};
}

std::string setClientName(const toml::node& node, Config& config) {
    std::string text;
    auto error = takeString(node, text);
    if (!error.empty()) return error;
    // The camera requires a non-empty name; it shows it on a small screen.
    if (text.empty() || text.size() > 64) return "must be 1 to 64 bytes long";
    config.clientName = text;
    return {};
}

struct Key {
    std::string_view table;
    std::string_view name;
    Setter set;
};

// The one list of keys: parsing, "unknown key" suggestions, command-line
// overrides and configKeys() (checked against the example file) all read it.
const Key kKeys[] = {
    {"daemon", "state_dir", setStateDir},
    {"logging", "level", setLogLevel},
    {"api", "socket", setSocket},
    {"api", "socket_group", setSocketGroup},
    {"api", "socket_mode", setSocketMode},
    {"api", "tcp_listen", setTcpListen},
    // issue 17
    {"api", "tls_certificate", [](const toml::node& n, Config& c) { return takeTlsPath(n, c.tlsCertificate); }},
    {"api", "tls_key", [](const toml::node& n, Config& c) { return takeTlsPath(n, c.tlsKey); }},
    {"api", "tls_client_ca", [](const toml::node& n, Config& c) { return takeTlsPath(n, c.tlsClientCa); }},
    {"bluetooth", "bus", setBus},
    {"bluetooth", "adapter", setAdapter},
    {"bluetooth", "adapters", setAdapters},
    {"bluetooth", "max_connections",
     [](const toml::node& n, Config& c) { return takeCount(n, 1, 64, c.maxConnections); }},
    {"bluetooth", "client_name", setClientName},
    {"bluetooth", "auto_connect", [](const toml::node& n, Config& c) { return takeBool(n, c.autoConnect); }},
    {"bluetooth", "connect_timeout_ms",
     [](const toml::node& n, Config& c) { return takeMillis(n, 1000, 600000, c.connectTimeout); }},
    {"bluetooth", "keep_alive_interval_ms",
     [](const toml::node& n, Config& c) { return takeMillis(n, 500, 600000, c.keepAliveInterval, true); }},
    {"bluetooth", "reconnect_initial_ms",
     [](const toml::node& n, Config& c) { return takeMillis(n, 100, 3600000, c.reconnectInitial); }},
    {"bluetooth", "reconnect_max_ms",
     [](const toml::node& n, Config& c) { return takeMillis(n, 100, 86400000, c.reconnectMax); }},
    {"requests", "timeout_ms",
     [](const toml::node& n, Config& c) { return takeMillis(n, 100, 600000, c.requestTimeout); }},
    {"requests", "queue_depth", [](const toml::node& n, Config& c) { return takeCount(n, 1, 1024, c.queueDepth); }},
    {"limits", "max_cameras",
     [](const toml::node& n, Config& c) {
         return takeCount(n, 1, static_cast<std::int64_t>(kMaxCamerasLimit), c.maxCameras);
     }},
    {"limits", "max_subscribers",
     [](const toml::node& n, Config& c) { return takeCount(n, 1, 4096, c.maxSubscribers); }},
    // issue 15 E
    {"bluetooth", "claim_control", [](const toml::node& n, Config& c) { return takeBool(n, c.claimControl); }},
    // issue 17
    {"journal", "max_size_mib", [](const toml::node& n, Config& c) { return takeCount(n, 0, 1024, c.journalMaxMib); }},
};

// How a reload treats each key: the field it sets, and whether the running
// daemon takes a new value (the rest is fixed at start: sockets, the bus, the
// adapter, the state directory, what is set up once per camera or at start).
struct Field {
    std::string_view key;
    bool live;
    bool (*differs)(const Config&, const Config&);
    void (*take)(Config&, const Config&);
};

template <auto Member>
constexpr Field field(std::string_view key, bool live) {
    return {key, live, [](const Config& a, const Config& b) { return !(a.*Member == b.*Member); },
            [](Config& to, const Config& from) { to.*Member = from.*Member; }};
}

const Field kFields[] = {
    field<&Config::stateDir>("daemon.state_dir", false),
    field<&Config::logLevel>("logging.level", true),
    field<&Config::socket>("api.socket", false),
    field<&Config::socketGroup>("api.socket_group", false),
    field<&Config::socketMode>("api.socket_mode", false),
    field<&Config::tcpListen>("api.tcp_listen", false),
    field<&Config::tlsCertificate>("api.tls_certificate", false),  // issue 17
    field<&Config::tlsKey>("api.tls_key", false),
    field<&Config::tlsClientCa>("api.tls_client_ca", false),
    field<&Config::bus>("bluetooth.bus", false),
    field<&Config::adapter>("bluetooth.adapter", false),
    field<&Config::adapters>("bluetooth.adapters", false),
    field<&Config::maxConnections>("bluetooth.max_connections", true),
    field<&Config::clientName>("bluetooth.client_name", false),
    field<&Config::autoConnect>("bluetooth.auto_connect", false),
    field<&Config::connectTimeout>("bluetooth.connect_timeout_ms", true),
    field<&Config::keepAliveInterval>("bluetooth.keep_alive_interval_ms", true),
    field<&Config::reconnectInitial>("bluetooth.reconnect_initial_ms", true),
    field<&Config::reconnectMax>("bluetooth.reconnect_max_ms", true),
    field<&Config::requestTimeout>("requests.timeout_ms", true),
    field<&Config::queueDepth>("requests.queue_depth", true),
    field<&Config::maxCameras>("limits.max_cameras", true),
    field<&Config::maxSubscribers>("limits.max_subscribers", true),
    field<&Config::claimControl>("bluetooth.claim_control", false),  // issue 15 E
    field<&Config::journalMaxMib>("journal.max_size_mib", false),    // issue 17
};

const Key* findKey(std::string_view table, std::string_view name) {
    for (const auto& key : kKeys) {
        if (key.table == table && key.name == name) return &key;
    }
    return nullptr;
}

bool isTable(std::string_view table) {
    return std::any_of(std::begin(kKeys), std::end(kKeys), [&](const Key& key) { return key.table == table; });
}

std::size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// " (did you mean ...?)" for a typo or a key put in the wrong table, else "".
std::string suggestion(std::string_view table, std::string_view name) {
    for (const auto& key : kKeys) {
        if (key.name == name && key.table != table) return fmt::format(" (it belongs in [{}])", key.table);
    }
    const Key* best = nullptr;
    std::size_t bestDistance = 3;  // more than two edits is not a typo
    for (const auto& key : kKeys) {
        if (!table.empty() && key.table != table) continue;
        const std::size_t distance = editDistance(name, table.empty() ? key.table : key.name);
        if (distance < bestDistance) {
            best = &key;
            bestDistance = distance;
        }
    }
    if (best == nullptr) return {};
    return table.empty() ? fmt::format(" (did you mean [{}]?)", best->table)
                         : fmt::format(" (did you mean '{}'?)", best->name);
}

// Problems found in one file, reported in line order.
class Problems {
public:
    explicit Problems(std::string_view source) : source_(source) {}

    void add(const toml::source_region& where, std::string_view subject, std::string_view what) {
        list_.emplace_back(where.begin.line, fmt::format("{}:{}: {}: {}", source_, where.begin.line, subject, what));
    }
    bool empty() const { return list_.empty(); }
    std::string text() {
        std::stable_sort(list_.begin(), list_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        std::string out;
        for (const auto& entry : list_) {
            if (!out.empty()) out += '\n';
            out += entry.second;
        }
        return out;
    }

private:
    std::string source_;
    std::vector<std::pair<toml::source_index, std::string>> list_;
};

// A problem between keys, found after all are read: the keys involved, the one
// to blame first, and what is wrong.
struct CrossProblem {
    std::vector<std::string_view> keys;
    std::string message;
};

std::vector<CrossProblem> crossCheck(const Config& config) {
    std::vector<CrossProblem> out;
    if (config.reconnectMax < config.reconnectInitial) {
        out.push_back({{"bluetooth.reconnect_max_ms", "bluetooth.reconnect_initial_ms"},
                       fmt::format("reconnect_max_ms ({}) is less than reconnect_initial_ms ({})",
                                   config.reconnectMax.count(), config.reconnectInitial.count())});
    }
    // issue 17: mutual TLS needs all three files; without them TCP stays on this machine.
    const int tlsFiles = static_cast<int>(!config.tlsCertificate.empty()) + static_cast<int>(!config.tlsKey.empty()) +
                         static_cast<int>(!config.tlsClientCa.empty());
    if (tlsFiles != 0 && tlsFiles != 3) {
        out.push_back({{"api.tls_certificate", "api.tls_key", "api.tls_client_ca"},
                       "tls_certificate, tls_key and tls_client_ca go together: give all three (or none)"});
    } else if (tlsFiles == 3 && config.tcpListen.empty()) {
        out.push_back({{"api.tls_certificate", "api.tls_key", "api.tls_client_ca"},
                       "the TLS files are for tcp_listen, which is not set"});
    } else if (tlsFiles == 0 && !config.tcpListen.empty() && !isLoopbackListen(config.tcpListen)) {
        out.push_back({{"api.tcp_listen"},
                       fmt::format("\"{}\" is beyond loopback: set tls_certificate, tls_key and tls_client_ca "
                                   "(mutual TLS), or listen on loopback only (\"PORT\")",
                                   config.tcpListen)});
    }
    return out;
}

std::string crossCheckText(const Config& config) {
    std::string text;
    for (const auto& problem : crossCheck(config)) {
        text += (text.empty() ? "" : "\n") + fmt::format("{}: {}", problem.keys.front(), problem.message);
    }
    return text;
}

}  // namespace

std::vector<std::string> configKeys() {
    std::vector<std::string> keys;
    for (const auto& key : kKeys) keys.push_back(fmt::format("{}.{}", key.table, key.name));
    return keys;
}

bool isLoopbackListen(std::string_view hostPort) {
    const auto colon = hostPort.rfind(':');
    if (colon == std::string_view::npos) return false;
    std::string host(hostPort.substr(0, colon));
    if (host == "localhost" || host == "[::1]") return true;
    in_addr address{};
    if (inet_pton(AF_INET, host.c_str(), &address) != 1) return false;
    return (ntohl(address.s_addr) >> 24) == 127;
}

bool isLiveKey(std::string_view key) {
    return std::any_of(std::begin(kFields), std::end(kFields), [&](const Field& f) { return f.key == key && f.live; });
}

ReloadPlan planReload(const Config& running, const Config& next) {
    ReloadPlan plan{running, {}, {}};
    for (const auto& f : kFields) {
        if (!f.differs(running, next)) continue;
        if (f.live) {
            f.take(plan.running, next);
            plan.applied.emplace_back(f.key);
        } else {
            plan.needRestart.emplace_back(f.key);
        }
    }
    return plan;
}

std::filesystem::path unixSocketPath(std::string_view address) {
    constexpr std::string_view kPrefix = "unix:";
    if (address.substr(0, kPrefix.size()) != kPrefix) return {};
    return {address.substr(kPrefix.size())};
}

Result<Config> parseConfig(std::string_view text, std::string_view sourceName) {
    toml::table root;
    try {
        root = toml::parse(text, sourceName);
    } catch (const toml::parse_error& error) {
        return fail(Errc::InvalidArgument,
                    fmt::format("{}:{}:{}: syntax error: {}", sourceName, error.source().begin.line,
                                error.source().begin.column, error.description()));
    }

    Config config;
    Problems problems{sourceName};
    std::vector<std::pair<std::string, const toml::source_region*>> given;  // "table.key", where
    for (auto&& [tableName, tableNode] : root) {
        const std::string_view table = tableName.str();
        if (!isTable(table)) {
            if (tableNode.is_table()) {
                problems.add(tableName.source(), fmt::format("[{}]", table), "unknown table" + suggestion({}, table));
            } else {
                problems.add(tableName.source(), table, "unknown key" + suggestion({}, table));
            }
            continue;
        }
        const auto* entries = tableNode.as_table();
        if (entries == nullptr) {
            problems.add(tableName.source(), table, wrongType(tableNode, fmt::format("a table ([{}])", table)));
            continue;
        }
        for (auto&& [keyName, value] : *entries) {
            const std::string subject = fmt::format("{}.{}", table, keyName.str());
            const Key* key = findKey(table, keyName.str());
            if (key == nullptr) {
                problems.add(keyName.source(), subject, "unknown key" + suggestion(table, keyName.str()));
                continue;
            }
            if (auto error = key->set(value, config); !error.empty()) problems.add(value.source(), subject, error);
            given.emplace_back(subject, &value.source());
        }
    }
    // Between keys, once each is valid on its own. Defaults are consistent, so a
    // failure means one of the keys involved was given: blame the first given.
    if (problems.empty()) {
        for (const auto& problem : crossCheck(config)) {
            for (const auto key : problem.keys) {
                const auto at = std::find_if(given.begin(), given.end(), [&](const auto& g) { return g.first == key; });
                if (at == given.end()) continue;
                problems.add(*at->second, key, problem.message);
                break;
            }
        }
    }
    if (!problems.empty()) return fail(Errc::InvalidArgument, problems.text());
    return config;
}

Result<Config> loadConfigFile(const std::filesystem::path& path, bool mustExist) {
    FileContents file = readSmallFile(path, kMaxConfigBytes);
    if (file.error == ENOENT && !mustExist) return Config{};
    if (file.error != 0) {
        return fail(Errc::InvalidArgument, fmt::format("{}: cannot read the configuration file: {}", path.string(),
                                                       fileErrorText(file.error, kMaxConfigBytes)));
    }
    return parseConfig(file.text, path.string());
}

CommandLine parseCommandLine(int argc, const char* const* argv) {
    CommandLine result;
    CLI::App app{"goprod: controls GoPro cameras over Bluetooth LE and serves them over a gRPC API.", "goprod"};
    app.footer(
        fmt::format("Every setting lives in the configuration file (default {}); "
                    "the flags above override it.",
                    kDefaultConfigPath));
    app.set_version_flag("--version", "goprod " GOPROD_VERSION, "Print the version and exit");

    std::string configPath{kDefaultConfigPath};
    struct Flag {
        std::string_view name;
        std::string_view key;
        std::string_view typeName;
        std::string_view help;
        std::string value;
        CLI::Option* option = nullptr;
    };
    Flag flags[] = {
        {"--state-dir", "daemon.state_dir", "DIR", "Directory of the daemon's state (known cameras)", {}, nullptr},
        {"--socket", "api.socket", "PATH", R"(The API's unix socket ("unix:/path" or "/path"))", {}, nullptr},
        {"--log-level", "logging.level", "LEVEL", "trace, debug, info, warn, error, critical or off", {}, nullptr},
        {"--bus", "bluetooth.bus", "ADDRESS", "D-Bus address where BlueZ lives (default: the system bus)", {}, nullptr},
    };
    auto* configOption = app.add_option("--config", configPath, "Configuration file")->type_name("FILE");
    configOption->capture_default_str();
    for (auto& flag : flags) {
        flag.option = app.add_option(std::string(flag.name), flag.value, std::string(flag.help))
                          ->type_name(std::string(flag.typeName));
    }

    auto usageError = [&](const std::string& what) {
        result.action = CommandLine::Action::Exit;
        result.exitCode = 2;
        result.message = fmt::format("goprod: {}\nRun with --help for more information.\n", what);
        return result;
    };

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        result.action = CommandLine::Action::Exit;
        result.message = app.help();
        return result;
    } catch (const CLI::CallForVersion& version) {
        result.action = CommandLine::Action::Exit;
        result.message = std::string(version.what()) + "\n";
        return result;
    } catch (const CLI::Error& error) {
        return usageError(error.what());
    }

    if (configPath.empty()) return usageError("--config: must name a file");
    result.configPath = configPath;
    result.configExplicit = configOption->count() > 0;
    Config scratch;
    for (const auto& flag : flags) {
        if (flag.option->count() == 0) continue;
        // The same setter as the file's key, so a flag obeys the same rules.
        const auto dot = flag.key.find('.');
        const Key* key = findKey(flag.key.substr(0, dot), flag.key.substr(dot + 1));
        if (auto error = key->set(toml::value<std::string>(flag.value), scratch); !error.empty()) {
            return usageError(fmt::format("{}: {}", flag.name, error));
        }
        result.overrides.emplace_back(flag.key, flag.value);
    }
    return result;
}

Result<Config> loadConfig(const CommandLine& commandLine) {
    auto config = loadConfigFile(commandLine.configPath, commandLine.configExplicit);
    if (!config) return config;
    for (const auto& [name, value] : commandLine.overrides) {
        const auto dot = name.find('.');
        const Key* key = dot == std::string::npos
                             ? nullptr
                             : findKey(std::string_view(name).substr(0, dot), std::string_view(name).substr(dot + 1));
        if (key == nullptr) return fail(Errc::InvalidArgument, fmt::format("unknown key '{}'", name));
        if (auto error = key->set(toml::value<std::string>(value), *config); !error.empty()) {
            return fail(Errc::InvalidArgument, fmt::format("{}: {}", name, error));
        }
    }
    if (auto error = crossCheckText(*config); !error.empty()) return fail(Errc::InvalidArgument, error);
    return config;
}

}  // namespace goprod::config
