#include "daemon/config/logging.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

namespace goprod::config {

namespace {

struct LevelName {
    std::string_view name;
    spdlog::level::level_enum level;
};

constexpr LevelName kLevels[] = {
    {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},  {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},   {"error", spdlog::level::err},    {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},     {"warning", spdlog::level::warn},  // syslog's spelling, accepted on input
};

}  // namespace

core::Result<spdlog::level::level_enum> parseLogLevel(std::string_view text) {
    for (const auto& entry : kLevels) {
        if (entry.name == text) return entry.level;
    }
    return core::fail(core::Errc::InvalidArgument, "unknown log level '" + std::string(text) +
                                                       "' (one of trace, debug, info, warn, error, critical, off)");
}

std::string_view logLevelName(spdlog::level::level_enum level) {
    for (const auto& entry : kLevels) {
        if (entry.level == level) return entry.name;
    }
    return "unknown";
}

bool stderrIsJournal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) return false;
    std::uintmax_t device = 0;
    std::uintmax_t inode = 0;
    if (std::sscanf(stream, "%" SCNuMAX ":%" SCNuMAX, &device, &inode) != 2) return false;
    struct stat st {};
    if (fstat(STDERR_FILENO, &st) != 0) return false;
    return static_cast<std::uintmax_t>(st.st_dev) == device && static_cast<std::uintmax_t>(st.st_ino) == inode;
}

void setupLogging(spdlog::level::level_enum level) {
    std::shared_ptr<spdlog::logger> logger;
    if (stderrIsJournal()) {
        // SYSLOG_IDENTIFIER=goprod; PRIORITY carries the level.
        logger = std::make_shared<spdlog::logger>("goprod", std::make_shared<spdlog::sinks::systemd_sink_mt>("goprod"));
        logger->set_pattern("%v");
    } else {
        logger = std::make_shared<spdlog::logger>("goprod", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] %v");
    }
    logger->set_level(level);
    // Warnings and errors reach the file even if the daemon dies right after.
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
}

}  // namespace goprod::config
