// The one table from D-Bus error names (org.bluez.Error.*,
// org.freedesktop.DBus.Error.*, and the few local sd-bus failures) to the
// daemon's error codes. Takes plain strings, so it needs no sdbus-c++ types.
// Pure functions over constant data: any thread.
#pragma once

#include <span>
#include <string_view>

#include "daemon/core/error.h"

namespace goprod::bluez {

struct DbusErrorInfo {
    std::string_view name;         // "org.bluez.Error.NotPermitted"
    core::Errc code;               // what the daemon reports
    std::string_view description;  // used when the error carries no message
};

// The whole table, for documentation and tests.
std::span<const DbusErrorInfo> dbusErrors();

// The entry for `name`, or nullptr for a name the table does not know.
const DbusErrorInfo* findDbusError(std::string_view name);

// An Error that keeps BlueZ's words: "org.bluez.Error.NotPermitted: Not
// paired". Unknown names map to Errc::Internal; an empty message is replaced
// by the table's description. One refinement by message: a NoReply that says
// the peer disconnected or the connection terminated is Unavailable.
core::Error fromDbusError(std::string_view name, std::string_view message);

}  // namespace goprod::bluez
