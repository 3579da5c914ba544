// Turns the values people type on goproctl's command line into API fields:
// resolution and fps names, setting values by name, setting and status IDs,
// preset groups, characteristics, hex bytes, event kinds. Every check that
// can be made without the daemon is made here, so that a typo never costs an
// RPC. Names come from the protocol library's tables (protocol/tables.cpp).
// Pure functions: any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "goprod.pb.h"
#include "protocol/bytes.h"
#include "protocol/expected.h"

namespace goprod::client {

// A value or the message that explains why the text is not one.
template <class T>
using Parsed = Expected<T, std::string>;

inline Unexpected<std::string> invalid(std::string message) { return Unexpected{std::move(message)}; }

// Decimal, or hexadecimal with 0x; at most `max`.
Parsed<std::uint64_t> parseUnsigned(std::string_view text, std::uint64_t max, std::string_view what);

// "on" / "off", any case.
Parsed<bool> parseOnOff(std::string_view text);

// issue 17: shutter --at, journal --since/--until: "+2s", "+1.5s", "+250ms", "+1m"
// after `now`, "-1h", "-2d" before it (units ms, s, m, h, d; at most a year), or
// RFC 3339 ("2026-12-07T13:30:00Z", "2026-12-07T14:30:00.250+01:00"). `option`
// names it in the error.
Parsed<std::chrono::system_clock::time_point> parseInstant(std::string_view text,
                                                           std::chrono::system_clock::time_point now,
                                                           std::string_view option = "--at");

// The `setting` oneof of a SetSettingRequest (no target). Resolutions the
// API enum lacks (newer cameras' "4K 9:16 V2") go as generic setting 2.
Parsed<v1::SetSettingRequest> resolutionSetting(std::string_view name);
Parsed<v1::SetSettingRequest> fpsSetting(std::string_view name);
// `set ID VALUE`: VALUE is first a value name of the setting ("set 3 60" is
// 60 fps, as people mean it), else the camera's own number.
Parsed<v1::SetSettingRequest> genericSetting(std::string_view id, std::string_view value);

// A setting ID: a number 0..255, "resolution", "fps", or the setting's name
// from the table with any case and '-'/'_' for spaces ("video-resolution").
Parsed<std::uint32_t> parseSettingId(std::string_view text);
// A status ID: a number 0..255 or the status's name ("busy", "encoding").
Parsed<std::uint32_t> parseStatusId(std::string_view text);

Parsed<v1::PresetGroup> parsePresetGroup(std::string_view text);

// command | settings | query | network, or the request characteristic's
// spelling from the GATT table: "GP-0072", "0072", "b5f90072", the UUID.
Parsed<v1::Characteristic> parseCharacteristic(std::string_view text);

// Non-empty hex in any spelling protocol::fromHex accepts.
Parsed<protocol::Bytes> parseHexMessage(std::string_view text);

// "state", "status", "setting", "notification", "request", or the enum
// value's full name ("state-changed", "KIND_REQUEST_DONE").
Parsed<v1::Event::Kind> parseEventKind(std::string_view text);
// "state-changed": the short spelling used in human output and completion.
std::string eventKindName(v1::Event::Kind kind);

// "4K, 2.7K, ..." for error messages.
std::string valueNames(std::uint8_t settingId);

// issue 15 group A: idle | control | external (any case).
Parsed<v1::CameraControl> parseCameraControl(std::string_view text);

}  // namespace goprod::client
