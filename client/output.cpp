#include "client/output.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <google/protobuf/util/json_util.h>

#include "client/exit_codes.h"
#include "protocol/queries.h"
#include "protocol/settings.h"

namespace goprod::client {

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)), right_(headers_.size(), false) {}

void Table::alignRight(std::size_t column) {
    if (column < right_.size()) right_[column] = true;
}

void Table::addRow(std::vector<std::string> cells) {
    cells.resize(headers_.size());
    rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& out) const {
    std::vector<std::size_t> widths(headers_.size());
    for (std::size_t c = 0; c < headers_.size(); ++c) widths[c] = displayWidth(headers_[c]);
    for (const auto& row : rows_) {
        for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], displayWidth(row[c]));
    }
    auto printRow = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            const std::string padding(widths[c] - displayWidth(row[c]), ' ');
            if (c > 0) line += "  ";
            line += right_[c] ? padding + row[c] : row[c] + padding;
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out << line << '\n';
    };
    printRow(headers_);
    for (const auto& row : rows_) printRow(row);
}

std::size_t displayWidth(std::string_view text) {
    // One column per code point: count every byte that does not continue one.
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string jsonLine(const google::protobuf::Message& message) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = false;
    options.always_print_primitive_fields = true;
    std::string json;
    const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
    if (!status.ok()) {
        // Only invalid UTF-8 in a string field gets here; bytes fields are base64.
        return "{}";
    }
    return json;
}

std::string stateName(v1::CameraState state) {
    std::string name = v1::CameraState_Name(state);
    if (name.starts_with("CAMERA_STATE_")) name.erase(0, 13);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return c == '_' ? ' ' : static_cast<char>(std::tolower(c)); });
    return name.empty() ? "unknown" : name;
}

std::chrono::nanoseconds sinceEpoch(const google::protobuf::Timestamp& time) {
    return std::chrono::seconds(time.seconds()) + std::chrono::nanoseconds(time.nanos());
}

namespace {
// "[2026-12-07 ]14:03:07.123456" in local time; "-" when unset.
std::string localTimeText(const google::protobuf::Timestamp& time, bool withDate) {
    if (time.seconds() == 0 && time.nanos() == 0) return "-";
    const std::time_t seconds = time.seconds();
    std::tm local{};
    localtime_r(&seconds, &local);
    char date[40] = "";
    if (withDate) std::snprintf(date, sizeof date, "%04d-%02d-%02d ", local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
    char text[96];
    std::snprintf(text, sizeof text, "%s%02d:%02d:%02d.%06d", date, local.tm_hour, local.tm_min, local.tm_sec,
                  time.nanos() / 1000);
    return text;
}
}  // namespace

std::string clockTime(const google::protobuf::Timestamp& time) { return localTimeText(time, false); }

std::string dateTimeText(const google::protobuf::Timestamp& time) { return localTimeText(time, true); }

void setTimestamp(google::protobuf::Timestamp* out, std::chrono::system_clock::time_point time) {
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
    out->set_seconds(nanos / 1'000'000'000);
    out->set_nanos(static_cast<std::int32_t>(nanos % 1'000'000'000));
}

std::string milliseconds(std::chrono::nanoseconds duration) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(duration.count()) / 1e6);
    return text;
}

std::string microseconds(std::chrono::nanoseconds duration) {
    char text[32];
    std::snprintf(text, sizeof text, "%+.0f µs", static_cast<double>(duration.count()) / 1e3);
    return text;
}

std::optional<std::chrono::nanoseconds> startSkew(const v1::MultiResult& result) {
    std::vector<std::chrono::nanoseconds> sent;
    for (const auto& camera : result.results()) {
        if (camera.has_sent()) sent.push_back(sinceEpoch(camera.sent()));
    }
    if (sent.size() < 2) return std::nullopt;
    const auto [lowest, highest] = std::minmax_element(sent.begin(), sent.end());
    return *highest - *lowest;
}

std::string printable(std::string_view bytes) {
    std::string out;
    for (std::size_t i = 0; i < bytes.size();) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        // The length of a valid UTF-8 sequence starting here, 0 if invalid.
        std::size_t length = 0;
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            length = 1;
        } else if (c >= 0xC2 && c <= 0xF4) {
            const std::size_t want = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            if (i + want <= bytes.size() &&
                std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                            bytes.begin() + static_cast<std::ptrdiff_t>(i + want),
                            [](char b) { return (static_cast<unsigned char>(b) & 0xC0) == 0x80; })) {
                length = want;
            }
        }
        if (length > 0) {
            out.append(bytes.substr(i, length));
            i += length;
        } else {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
            out += escaped;
            ++i;
        }
    }
    return out;
}

std::string failureText(const v1::CameraResult& result) {
    std::string text = result.message();
    if (text.empty()) {
        text = std::string(statusCodeName(result.code()));
        if (result.has_camera_status()) text += " (camera status " + std::to_string(result.camera_status()) + ")";
    }
    return text;
}

namespace {
protocol::ByteView rawBytes(const v1::Value& value) {
    return {reinterpret_cast<const std::uint8_t*>(value.raw().data()), value.raw().size()};
}
}  // namespace

std::string valueText(const v1::Value& value, bool setting) {
    if (!value.display().empty()) return value.display();
    if (!value.raw().empty()) {
        const auto id = static_cast<std::uint8_t>(value.id());
        return setting ? protocol::formatSettingValue(id, rawBytes(value))
                       : protocol::formatStatusValue(id, rawBytes(value));
    }
    switch (value.typed_case()) {
        case v1::Value::kInteger:
            return std::to_string(value.integer());
        case v1::Value::kLargeInteger:
            return std::to_string(value.large_integer());
        case v1::Value::kText:
            return "\"" + printable(value.text()) + "\"";
        default:
            return "";
    }
}

std::string valueName(const v1::Value& value, bool setting) {
    if (!value.name().empty()) return value.name();
    const auto id = static_cast<std::uint8_t>(value.id());
    if (value.id() <= 0xFF) {
        if (setting) {
            if (const auto* info = protocol::findSetting(id)) return std::string(info->name);
        } else if (const auto* info = protocol::findStatus(id)) {
            return std::string(info->name);
        }
    }
    return "";
}

std::string uptimeText(const google::protobuf::Duration& uptime) {
    const auto total = std::max<std::int64_t>(uptime.seconds(), 0);
    char text[48];
    const auto days = total / 86400;
    const auto rest = total % 86400;
    std::snprintf(text, sizeof text, "%02lld:%02lld:%02lld", static_cast<long long>(rest / 3600),
                  static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
    return days > 0 ? std::to_string(days) + " d " + text : text;
}

namespace {
std::string usageText(const v1::Usage& usage) {
    return std::to_string(usage.count()) + " of " + std::to_string(usage.limit());
}
bool usable(const v1::Adapter& adapter) { return adapter.used() && adapter.powered(); }
}  // namespace

ClockOffset clockOffset(const v1::DaemonStatus& status, std::chrono::system_clock::time_point before,
                        std::chrono::system_clock::time_point after) {
    return {sinceEpoch(status.clock()) - (before + (after - before) / 2).time_since_epoch(), after - before};
}

std::string clockText(const v1::DaemonStatus& status, std::optional<ClockOffset> offset) {
    std::string text = status.has_clock() ? clockTime(status.clock()) : "-";
    const auto& sync = status.clock_sync();
    if (!sync.known()) {
        text += ", synchronisation unknown";
    } else if (!sync.synchronized()) {
        text += ", not synchronized (no time daemon disciplines it: see README, synchronized capture)";
    } else {
        const auto error = std::chrono::seconds(sync.estimated_error().seconds()) +
                           std::chrono::nanoseconds(sync.estimated_error().nanos());
        text += ", synchronized (estimated error " + milliseconds(error) + ")";
    }
    if (offset && status.has_clock()) {
        text += ", offset from this machine " + microseconds(offset->offset) + " (within " +
                microseconds(offset->roundTrip / 2).substr(1) + ")";
    }
    return text;
}

void printDaemonStatus(std::ostream& out, const v1::DaemonStatus& status, std::optional<ClockOffset> offset) {
    Table summary({"goprod", status.version().empty() ? "?" : status.version()});
    summary.addRow({"uptime", uptimeText(status.uptime())});
    summary.addRow({"BlueZ", status.bluez_running() ? "running" : "not running"});
    summary.addRow({"clock", clockText(status, offset)});  // issue 17
    summary.addRow({"cameras", std::to_string(status.cameras_known()) + " known, " +
                                   std::to_string(status.cameras_connected()) + " connected, " +
                                   std::to_string(status.cameras_ready()) + " ready (" + usageText(status.cameras()) +
                                   " tracked)"});
    summary.addRow({"streams", usageText(status.streams()) + " open (" + usageText(status.event_subscribers()) +
                                   " event subscribers, " + std::to_string(status.discoveries()) + " discoveries)"});
    summary.print(out);
    if (status.adapters().empty()) return;
    out << '\n';
    Table adapters({"ADAPTER", "ADDRESS", "POWERED", "DISCOVERING", "USED", "CONNECTIONS"});
    auto yesNo = [](bool b) { return std::string(b ? "yes" : "no"); };
    for (const auto& a : status.adapters()) {
        // issue 16: "3/7": the cameras connected through it, of its budget
        adapters.addRow({a.name(), a.address(), yesNo(a.powered()), yesNo(a.discovering()), yesNo(a.used()),
                         std::to_string(a.connections()) + "/" + std::to_string(a.budget())});
    }
    adapters.print(out);
}

namespace {
// "has room", "full", "powered off", "not used": what goprod can do with the adapter now.
std::string adapterState(const v1::Adapter& a) {
    if (!a.used()) return "not used ([bluetooth] adapters)";
    if (!a.powered()) return "powered off";
    return a.connections() >= a.budget() ? "full" : "has room";
}
}  // namespace

void printAdapters(std::ostream& out, const v1::DaemonStatus& status) { adaptersTable(status).print(out); }

Table adaptersTable(const v1::DaemonStatus& status) {
    std::vector<const v1::Adapter*> sorted;
    for (const auto& a : status.adapters()) sorted.push_back(&a);
    std::sort(sorted.begin(), sorted.end(), [](const v1::Adapter* x, const v1::Adapter* y) {
        return std::pair(x->name().size(), x->name()) < std::pair(y->name().size(), y->name());
    });
    Table table({"ADAPTER", "ADDRESS", "STATE", "CONNECTIONS", "CAMERAS"});
    for (const auto* a : sorted) {
        std::string cameras;
        for (const auto& id : a->cameras()) cameras += (cameras.empty() ? "" : " ") + id;
        // "3/7": the links it holds of its budget; "5/5 lowered": the controller refused a sixth.
        std::string connections = std::to_string(a->connections()) + "/" + std::to_string(a->budget());
        if (a->budget_lowered()) connections += " lowered";
        table.addRow({a->name(), a->address(), adapterState(*a), connections, cameras.empty() ? "-" : cameras});
    }
    return table;
}

std::vector<std::string> daemonProblems(const v1::DaemonStatus& status) {
    std::vector<std::string> out;
    if (!status.bluez_running()) {
        out.push_back("BlueZ is not running: systemctl start bluetooth");
        return out;  // no adapters to speak of without it
    }
    if (status.adapters().empty()) {
        out.push_back("no adapter: BlueZ sees no Bluetooth controller (plug one in; rfkill list shows a blocked one)");
    } else if (std::none_of(status.adapters().begin(), status.adapters().end(),
                            [](const v1::Adapter& a) { return a.used(); })) {
        out.push_back("no adapter goprod may use: [bluetooth] adapters in goprod.conf names none of those listed");
    }
    for (const auto& a : status.adapters()) {
        if (a.used() && !a.powered()) {
            out.push_back("adapter " + a.name() +
                          " is powered off: bluetoothctl power on (or rfkill unblock bluetooth)");
        }
    }
    if (status.streams().limit() > 0 && status.streams().count() >= status.streams().limit()) {
        out.push_back("every stream is in use: end a goproctl watch or discover, or raise [limits] max_subscribers");
    }
    if (status.cameras().limit() > 0 && status.cameras().count() >= status.cameras().limit()) {
        out.push_back("the camera limit is reached: goproctl forget unused cameras, or raise [limits] max_cameras");
    }
    return out;
}

bool camerasReachable(const v1::DaemonStatus& status) {
    return status.bluez_running() && std::any_of(status.adapters().begin(), status.adapters().end(), usable);
}

Progress::Progress(std::ostream& out, bool terminal, bool enabled)
    : out_(out), terminal_(terminal), enabled_(enabled) {}

Progress::~Progress() { clear(); }

void Progress::update(const std::string& text) {
    if (!enabled_ || text == last_) return;
    last_ = text;
    if (terminal_) {
        out_ << "\r\033[K" << text << std::flush;
        shown_ = true;
    } else {
        out_ << text << '\n' << std::flush;
    }
}

void Progress::clear() {
    if (shown_) out_ << "\r\033[K" << std::flush;
    shown_ = false;
    last_.clear();
}

}  // namespace goprod::client
