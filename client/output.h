// How goproctl prints: aligned tables, the protobuf JSON mapping (one object
// per line), times, camera states, byte strings, the shutter start skew, and a
// progress line that rewrites itself on a terminal. Any thread; a Table or
// Progress object belongs to one.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include "goprod.pb.h"

namespace goprod::client {

// Columns separated by two spaces, padded to the widest cell (counted in
// UTF-8 characters, since SSIDs and names may hold any), no trailing blanks.
class Table {
public:
    explicit Table(std::vector<std::string> headers);
    void alignRight(std::size_t column);
    void addRow(std::vector<std::string> cells);
    bool empty() const { return rows_.empty(); }
    void print(std::ostream& out) const;
    // issue 17: for goproctl --rig, which merges the tables of several hosts.
    const std::vector<std::string>& headers() const { return headers_; }
    const std::vector<std::vector<std::string>>& rows() const { return rows_; }
    bool rightAligned(std::size_t column) const { return column < right_.size() && right_[column]; }

private:
    std::vector<std::string> headers_;
    std::vector<bool> right_;
    std::vector<std::vector<std::string>> rows_;
};

std::size_t displayWidth(std::string_view text);

// The message in protobuf's JSON mapping on one line, with fields at their
// default values included so that scripts see every field.
std::string jsonLine(const google::protobuf::Message& message);

// "ready", "link lost".
std::string stateName(v1::CameraState state);

// "14:03:07.123456" in local time; "-" when unset.
std::string clockTime(const google::protobuf::Timestamp& time);
std::chrono::nanoseconds sinceEpoch(const google::protobuf::Timestamp& time);
// issue 17: "2026-12-07 14:03:07.123456" in local time (the journal spans days); "-" when unset.
std::string dateTimeText(const google::protobuf::Timestamp& time);
// issue 17: the instant as a Timestamp (nanoseconds kept; times before 1970 are not expected).
void setTimestamp(google::protobuf::Timestamp* out, std::chrono::system_clock::time_point time);

// Milliseconds with one decimal: "2.3 ms".
std::string milliseconds(std::chrono::nanoseconds duration);
// issue 17: signed whole microseconds, "+43 µs".
std::string microseconds(std::chrono::nanoseconds duration);

// max - min of the `sent` times of the cameras that have one; nothing with
// fewer than two.
std::optional<std::chrono::nanoseconds> startSkew(const v1::MultiResult& result);

// Text as is when it is printable UTF-8, else with \xNN escapes: SSIDs are
// bytes and may hold anything, including terminal escape sequences.
std::string printable(std::string_view bytes);

// The message goprod gave for a failed camera, else the code's name.
std::string failureText(const v1::CameraResult& result);

// The line for a value in `get` output and watch events: "9 (1080)".
std::string valueText(const v1::Value& value, bool setting);
std::string valueName(const v1::Value& value, bool setting);

// goproctl status: the daemon's health as a few aligned lines and a table of
// adapters; what is wrong, each with what to do; whether any camera can be
// reached (BlueZ runs and an adapter goprod may use is powered).
// issue 17: `offset` is the daemon's clock minus this machine's at the middle of the
// call, known within +-`roundTrip`/2.
struct ClockOffset {
    std::chrono::nanoseconds offset{0};
    std::chrono::nanoseconds roundTrip{0};
};
// The offset of `status.clock` from a call that left at `before` and was answered at `after`.
ClockOffset clockOffset(const v1::DaemonStatus& status, std::chrono::system_clock::time_point before,
                        std::chrono::system_clock::time_point after);
void printDaemonStatus(std::ostream& out, const v1::DaemonStatus& status,
                       std::optional<ClockOffset> offset = std::nullopt);
// "synchronized (estimated error 0.5 ms), offset from this machine +0.2 ms (+-0.1 ms)"
std::string clockText(const v1::DaemonStatus& status, std::optional<ClockOffset> offset);
std::vector<std::string> daemonProblems(const v1::DaemonStatus& status);
bool camerasReachable(const v1::DaemonStatus& status);
// issue 16: goproctl adapters: one row per adapter, in name order (hci2 before hci10).
void printAdapters(std::ostream& out, const v1::DaemonStatus& status);
Table adaptersTable(const v1::DaemonStatus& status);
// "3 d 04:05:06", "04:05:06".
std::string uptimeText(const google::protobuf::Duration& uptime);

// Progress for slow commands on stderr. On a terminal one line that is
// replaced in place and erased at the end; elsewhere (logs, pipes) each new
// text is a plain line, so the record survives.
class Progress {
public:
    Progress(std::ostream& out, bool terminal, bool enabled = true);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    void update(const std::string& text);
    void clear();

private:
    std::ostream& out_;
    bool terminal_;
    bool enabled_;
    bool shown_ = false;
    std::string last_;
};

}  // namespace goprod::client
