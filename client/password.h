// Reading the WiFi password from somewhere other than the command line, where
// ps and the shell history would show it: one line of standard input
// (--password-stdin), or a prompt on the controlling terminal with echo off
// (--ask). Called from the main thread before any RPC.
#pragma once

#include <istream>
#include <string>
#include <string_view>

#include "client/values.h"

namespace goprod::client {

inline constexpr std::size_t kMaxPasswordLength = 63;

// The first line of `in` without its line ending ("\n" or "\r\n"); an empty
// line, no line at all or more than 63 bytes is an error.
Parsed<std::string> passwordFromStream(std::istream& in);

// Prompts "Password for SSID: " on /dev/tty with echo off and reads one
// line. Fails when there is no controlling terminal. The terminal's echo is
// restored also when SIGINT or SIGTERM end the process during the prompt.
Parsed<std::string> passwordFromTerminal(std::string_view ssid);

}  // namespace goprod::client
