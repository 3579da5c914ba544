// The daemon's logging: one spdlog default logger named "goprod", writing to
// the journal when the daemon runs under systemd and to stderr otherwise.
// setupLogging() runs once on the main thread before any other thread starts;
// after that spdlog's logger may be used from any thread (its sinks are the
// thread-safe _mt ones).
#pragma once

#include <string_view>

#include <spdlog/common.h>

#include "daemon/core/error.h"

namespace goprod::config {

// "trace", "debug", "info", "warn" (or "warning"), "error", "critical", "off".
core::Result<spdlog::level::level_enum> parseLogLevel(std::string_view text);
std::string_view logLevelName(spdlog::level::level_enum level);

// True when stderr is the journal's stream: JOURNAL_STREAM ("DEV:INODE", set by
// systemd) names the file stderr is open on. Comparing the inode, not only
// testing the variable, keeps a child started from a service with stderr
// redirected from logging to the journal by mistake.
bool stderrIsJournal();

// Installs the default logger "goprod" at `level`. To the journal (with the
// journal's own priority and timestamp, so the line is just the message) when
// stderrIsJournal(), else to stderr as "TIME [level] message", without colour
// (the output is usually a file or a pipe). May be called again to change sinks.
void setupLogging(spdlog::level::level_enum level);

}  // namespace goprod::config
