// Setting and status tables: IDs, names, value names, wire widths.
// Transcribed from the Open GoPro reference tables (newest references.json
// and the SDK's status widths; see HACKING.md, "Protocol sources").
// Constant data: any thread.
#include <array>

#include "protocol/queries.h"
#include "protocol/settings.h"

namespace goprod::protocol {

namespace {
constexpr std::array<NamedValue, 27> kSetting2 = {{
    {1, "4K"},
    {4, "2.7K"},
    {6, "2.7K 4:3"},
    {7, "1440"},
    {9, "1080"},
    {12, "720"},
    {18, "4K 4:3"},
    {21, "5.6K"},
    {24, "5K"},
    {25, "5K 4:3"},
    {26, "5.3K 8:7"},
    {27, "5.3K 4:3"},
    {28, "4K 8:7"},
    {31, "8K"},
    {35, "5.3K 21:9"},
    {36, "4K 21:9"},
    {37, "4K 1:1"},
    {38, "900"},
    {39, "4K SPH"},
    {100, "5.3K"},
    {107, "5.3K 8:7 V2"},
    {108, "4K 8:7 V2"},
    {109, "4K 9:16 V2"},
    {110, "1080 9:16 V2"},
    {111, "2.7K 4:3 V2"},
    {112, "4K 4:3 V2"},
    {113, "5.3K 4:3 V2"},
}};
constexpr std::array<NamedValue, 13> kSetting3 = {{
    {0, "240"},
    {1, "120"},
    {2, "100"},
    {3, "90"},
    {5, "60"},
    {6, "50"},
    {8, "30"},
    {9, "25"},
    {10, "24"},
    {13, "200"},
    {15, "400"},
    {16, "360"},
    {17, "300"},
}};
constexpr std::array<NamedValue, 12> kSetting5 = {{
    {0, "0.5 Seconds"},
    {1, "1 Second"},
    {2, "2 Seconds"},
    {3, "5 Seconds"},
    {4, "10 Seconds"},
    {5, "30 Seconds"},
    {6, "60 Seconds"},
    {7, "2 Minutes"},
    {8, "5 Minutes"},
    {9, "30 Minutes"},
    {10, "60 Minutes"},
    {11, "3 Seconds"},
}};
constexpr std::array<NamedValue, 12> kSetting30 = {{
    {11, "3 Seconds"},
    {100, "60 Minutes"},
    {101, "30 Minutes"},
    {102, "5 Minutes"},
    {103, "2 Minutes"},
    {104, "60 Seconds"},
    {105, "30 Seconds"},
    {106, "10 Seconds"},
    {107, "5 Seconds"},
    {108, "2 Seconds"},
    {109, "1 Second"},
    {110, "0.5 Seconds"},
}};
constexpr std::array<NamedValue, 12> kSetting32 = {{
    {4, "4 Seconds"},
    {5, "5 Seconds"},
    {10, "10 Seconds"},
    {15, "15 Seconds"},
    {20, "20 Seconds"},
    {30, "30 Seconds"},
    {100, "60 Seconds"},
    {120, "2 Minutes"},
    {300, "5 Minutes"},
    {1800, "30 Minutes"},
    {3600, "60 Minutes"},
    {3601, "Auto"},
}};
constexpr std::array<NamedValue, 4> kSetting43 = {{
    {0, "Wide"},
    {2, "Narrow"},
    {3, "Superview"},
    {4, "Linear"},
}};
constexpr std::array<NamedValue, 7> kSetting59 = {{
    {0, "Never"},
    {1, "1 Min"},
    {4, "5 Min"},
    {6, "15 Min"},
    {7, "30 Min"},
    {11, "8 Seconds"},
    {12, "30 Seconds"},
}};
constexpr std::array<NamedValue, 2> kSetting83 = {{
    {0, "Off"},
    {1, "On"},
}};
constexpr std::array<NamedValue, 6> kSetting91 = {{
    {0, "Off"},
    {2, "On"},
    {3, "All On"},
    {4, "All Off"},
    {5, "Front Off Only"},
    {100, "Back Only"},
}};
constexpr std::array<NamedValue, 6> kSetting108 = {{
    {0, "4:3"},
    {1, "16:9"},
    {3, "8:7"},
    {4, "9:16"},
    {5, "21:9"},
    {6, "1:1"},
}};
constexpr std::array<NamedValue, 13> kSetting121 = {{
    {0, "Wide"},
    {2, "Narrow"},
    {3, "Superview"},
    {4, "Linear"},
    {7, "Max SuperView"},
    {8, "Linear + Horizon Leveling"},
    {9, "HyperView"},
    {10, "Linear + Horizon Lock"},
    {11, "Max HyperView"},
    {12, "Ultra SuperView"},
    {13, "Ultra Wide"},
    {14, "Ultra Linear"},
    {104, "Ultra HyperView"},
}};
constexpr std::array<NamedValue, 17> kSetting122 = {{
    {0, "Wide 12 MP"},
    {10, "Linear 12 MP"},
    {15, "9MP Wide"},
    {19, "Narrow"},
    {27, "Wide 23 MP"},
    {28, "Linear 23 MP"},
    {31, "Wide 27 MP"},
    {32, "Linear 27 MP"},
    {37, "9MP Linear"},
    {38, "13MP Linear"},
    {39, "13MP Wide"},
    {40, "13MP Ultra Wide"},
    {41, "Ultra Wide 12 MP"},
    {44, "13MP Ultra Linear"},
    {100, "Max SuperView"},
    {101, "Wide"},
    {102, "Linear"},
}};
constexpr std::array<NamedValue, 6> kSetting123 = {{
    {19, "Narrow"},
    {31, "Wide 27 MP"},
    {32, "Linear 27 MP"},
    {100, "Max SuperView"},
    {101, "Wide"},
    {102, "Linear"},
}};
constexpr std::array<NamedValue, 4> kSetting125 = {{
    {0, "Standard"},
    {1, "Raw"},
    {2, "HDR"},
    {3, "SuperPhoto"},
}};
constexpr std::array<NamedValue, 4> kSetting128 = {{
    {13, "Time Lapse Video"},
    {20, "Time Lapse Photo"},
    {21, "Night Lapse Photo"},
    {26, "Night Lapse Video"},
}};
constexpr std::array<NamedValue, 4> kSetting134 = {{
    {0, "NTSC"},
    {1, "PAL"},
    {2, "60Hz"},
    {3, "50Hz"},
}};
constexpr std::array<NamedValue, 6> kSetting135 = {{
    {0, "Off"},
    {1, "Low"},
    {2, "High"},
    {3, "Boost"},
    {4, "Auto Boost"},
    {100, "Standard"},
}};
constexpr std::array<NamedValue, 2> kSetting150 = {{
    {0, "Off"},
    {2, "Locked"},
}};
constexpr std::array<NamedValue, 2> kSetting151 = {{
    {0, "Off"},
    {2, "Locked"},
}};
constexpr std::array<NamedValue, 11> kSetting156 = {{
    {1, "15 Seconds"},
    {2, "30 Seconds"},
    {3, "1 Minute"},
    {4, "5 Minutes"},
    {5, "15 Minutes"},
    {6, "30 Minutes"},
    {7, "1 Hour"},
    {8, "2 Hours"},
    {9, "3 Hours"},
    {10, "5 Seconds"},
    {100, "No Limit"},
}};
constexpr std::array<NamedValue, 11> kSetting157 = {{
    {0, "Off"},
    {1, "15 Seconds"},
    {2, "30 Seconds"},
    {3, "1 Minute"},
    {4, "5 Minutes"},
    {5, "15 Minutes"},
    {6, "30 Minutes"},
    {7, "1 Hour"},
    {8, "2 Hours"},
    {9, "3 Hours"},
    {100, "No Limit"},
}};
constexpr std::array<NamedValue, 2> kSetting162 = {{
    {0, "Off"},
    {1, "On"},
}};
constexpr std::array<NamedValue, 3> kSetting167 = {{
    {2, "15 Seconds"},
    {3, "30 Seconds"},
    {4, "Off"},
}};
constexpr std::array<NamedValue, 10> kSetting171 = {{
    {0, "Off"},
    {2, "0.5s"},
    {3, "1s"},
    {4, "2s"},
    {5, "5s"},
    {6, "10s"},
    {7, "30s"},
    {8, "60s"},
    {9, "120s"},
    {10, "3s"},
}};
constexpr std::array<NamedValue, 10> kSetting172 = {{
    {0, "Off"},
    {1, "15 Seconds"},
    {2, "30 Seconds"},
    {3, "1 Minute"},
    {4, "5 Minutes"},
    {5, "15 Minutes"},
    {6, "30 Minutes"},
    {7, "1 Hour"},
    {8, "2 Hours"},
    {9, "3 Hours"},
}};
constexpr std::array<NamedValue, 3> kSetting173 = {{
    {0, "Maximum Video Performance"},
    {1, "Extended Battery"},
    {2, "Tripod / Stationary Video"},
}};
constexpr std::array<NamedValue, 2> kSetting175 = {{
    {0, "Easy"},
    {1, "Pro"},
}};
constexpr std::array<NamedValue, 2> kSetting177 = {{
    {0, "Off"},
    {1, "On"},
}};
constexpr std::array<NamedValue, 2> kSetting178 = {{
    {0, "2.4GHz"},
    {1, "5GHz"},
}};
constexpr std::array<NamedValue, 3> kSetting179 = {{
    {1, "Short"},
    {2, "Long"},
    {3, "Max"},
}};
constexpr std::array<NamedValue, 5> kSetting180 = {{
    {0, "Highest Quality"},
    {101, "Extended Battery"},
    {102, "Longest Battery"},
    {111, "Standard Quality"},
    {112, "Basic Quality"},
}};
constexpr std::array<NamedValue, 3> kSetting182 = {{
    {0, "Standard"},
    {1, "High"},
    {2, "Max"},
}};
constexpr std::array<NamedValue, 2> kSetting183 = {{
    {0, "8-Bit"},
    {2, "10-Bit"},
}};
constexpr std::array<NamedValue, 4> kSetting184 = {{
    {0, "Standard"},
    {1, "HDR"},
    {2, "Log"},
    {101, "HLG HDR"},
}};
constexpr std::array<NamedValue, 5> kSetting186 = {{
    {0, "Highest Quality"},
    {1, "Standard Quality"},
    {2, "Basic Quality"},
    {3, "Standard Video"},
    {4, "HDR Video"},
}};
constexpr std::array<NamedValue, 10> kSetting187 = {{
    {0, "TimeWarp"},
    {1, "Star Trails"},
    {2, "Light Painting"},
    {3, "Vehicle Lights"},
    {4, "Max TimeWarp"},
    {5, "Max Star Trails"},
    {6, "Max Light Painting"},
    {7, "Max Vehicle Lights"},
    {8, "Time Lapse Video"},
    {9, "Night Lapse Video"},
}};
constexpr std::array<NamedValue, 12> kSetting189 = {{
    {0, "None"},
    {1, "Max Lens 1.0"},
    {2, "Max Lens 2.0"},
    {3, "Max Lens 2.5"},
    {4, "Macro"},
    {5, "Anamorphic"},
    {6, "ND 4"},
    {7, "ND 8"},
    {8, "ND 16"},
    {9, "ND 32"},
    {10, "Standard Lens"},
    {100, "Auto Detect"},
}};
constexpr std::array<NamedValue, 2> kSetting190 = {{
    {0, "Off"},
    {1, "On"},
}};
constexpr std::array<NamedValue, 3> kSetting191 = {{
    {0, "Super Photo"},
    {1, "Night Photo"},
    {2, "Burst"},
}};
constexpr std::array<NamedValue, 4> kSetting192 = {{
    {0, "4:3"},
    {1, "16:9"},
    {3, "8:7"},
    {4, "9:16"},
}};
constexpr std::array<NamedValue, 9> kSetting193 = {{
    {0, "Widescreen"},
    {1, "Vertical"},
    {2, "Full Frame"},
    {100, "Traditional 4:3 v2"},
    {101, "Widescreen 16:9 v2"},
    {103, "Full Frame 8:7 v2"},
    {104, "Vertical 9:16 v2"},
    {105, "Ultra Widescreen 21:9 v2"},
    {106, "Full Frame 1:1 v2"},
}};
constexpr std::array<NamedValue, 2> kSetting194 = {{
    {0, "Single Lens"},
    {1, "360°"},
}};
constexpr std::array<NamedValue, 2> kSetting196 = {{
    {0, ".JPG"},
    {1, ".36P"},
}};
constexpr std::array<NamedValue, 3> kSetting216 = {{
    {70, "Low"},
    {85, "Medium"},
    {100, "High"},
}};
constexpr std::array<NamedValue, 5> kSetting219 = {{
    {0, "Never"},
    {1, "1 Min"},
    {2, "2 Min"},
    {3, "3 Min"},
    {4, "5 Min"},
}};
constexpr std::array<NamedValue, 15> kSetting223 = {{
    {0, "English - US"},
    {1, "English - UK"},
    {2, "English - AUS"},
    {3, "German"},
    {4, "French"},
    {5, "Italian"},
    {6, "Spanish"},
    {7, "Spanish - NA"},
    {8, "Chinese"},
    {9, "Japanese"},
    {10, "Korean"},
    {11, "Portuguese"},
    {12, "Russian"},
    {13, "English - IND"},
    {14, "Swedish"},
}};
constexpr std::array<NamedValue, 3> kSetting227 = {{
    {0, "SuperPhoto"},
    {1, "Night Photo"},
    {2, "Burst"},
}};
constexpr std::array<NamedValue, 6> kSetting232 = {{
    {0, "4:3"},
    {1, "16:9"},
    {3, "8:7"},
    {4, "9:16"},
    {5, "21:9"},
    {6, "1:1"},
}};
constexpr std::array<NamedValue, 4> kSetting233 = {{
    {0, "4:3"},
    {1, "16:9"},
    {3, "8:7"},
    {4, "9:16"},
}};
constexpr std::array<NamedValue, 13> kSetting234 = {{
    {0, "240"},
    {1, "120"},
    {2, "100"},
    {3, "90"},
    {5, "60"},
    {6, "50"},
    {8, "30"},
    {9, "25"},
    {10, "24"},
    {13, "200"},
    {15, "400"},
    {16, "360"},
    {17, "300"},
}};
constexpr std::array<NamedValue, 2> kSetting236 = {{
    {0, "Off"},
    {1, "On"},
}};
constexpr std::array<NamedValue, 2> kSetting237 = {{
    {0, "Off"},
    {1, "On"},
}};
constexpr std::array<NamedValue, 5> kStatus2 = {{
    {0, "Zero"},
    {1, "One"},
    {2, "Two"},
    {3, "Three"},
    {4, "Charging"},
}};
constexpr std::array<NamedValue, 5> kStatus19 = {{
    {0, "Never Started"},
    {1, "Started"},
    {2, "Aborted"},
    {3, "Cancelled"},
    {4, "Completed"},
}};
constexpr std::array<NamedValue, 4> kStatus20 = {{
    {0, "Not Pairing"},
    {1, "Pairing App"},
    {2, "Pairing Remote Control"},
    {3, "Pairing Bluetooth Device"},
}};
constexpr std::array<NamedValue, 5> kStatus22 = {{
    {0, "Never started"},
    {1, "Started"},
    {2, "Aborted"},
    {3, "Canceled"},
    {4, "Completed"},
}};
constexpr std::array<NamedValue, 5> kStatus24 = {{
    {0, "Never started"},
    {1, "Started"},
    {2, "Aborted"},
    {3, "Canceled"},
    {4, "Completed"},
}};
constexpr std::array<NamedValue, 7> kStatus33 = {{
    {static_cast<std::uint64_t>(-1), "Unknown"},
    {0, "OK"},
    {1, "SD Card Full"},
    {2, "SD Card Removed"},
    {3, "SD Card Format Error"},
    {4, "SD Card Busy"},
    {8, "SD Card Swapped"},
}};
constexpr std::array<NamedValue, 11> kStatus41 = {{
    {0, "Idle"},
    {1, "Downloading"},
    {2, "Verifying"},
    {3, "Download Failed"},
    {4, "Verify Failed"},
    {5, "Ready"},
    {6, "GoPro App Downloading"},
    {7, "GoPro App Verifying"},
    {8, "GoPro App Download Failed"},
    {9, "GoPro App Verify Failed"},
    {10, "GoPro App Ready"},
}};
constexpr std::array<NamedValue, 4> kStatus65 = {{
    {0, "Disabled"},
    {1, "Auto"},
    {2, "ISO Lock"},
    {3, "Hemisphere"},
}};
constexpr std::array<NamedValue, 3> kStatus74 = {{
    {0, "Accessory not connected"},
    {1, "Accessory connected"},
    {2, "Accessory connected and a microphone is plugged into the accessory"},
}};
constexpr std::array<NamedValue, 2> kStatus76 = {{
    {0, "2.4 GHz"},
    {1, "5 GHz"},
}};
constexpr std::array<NamedValue, 4> kStatus86 = {{
    {0, "0 degrees (upright)"},
    {1, "180 degrees (upside down)"},
    {2, "90 degrees (laying on right side)"},
    {3, "270 degrees (laying on left side)"},
}};
constexpr std::array<NamedValue, 3> kStatus102 = {{
    {0, "Microphone removed"},
    {2, "Microphone only"},
    {3, "Microphone with external microphone"},
}};
constexpr std::array<NamedValue, 13> kStatus103 = {{
    {0, "15x"},
    {1, "30x"},
    {2, "60x"},
    {3, "150x"},
    {4, "300x"},
    {5, "900x"},
    {6, "1800x"},
    {7, "2x"},
    {8, "5x"},
    {9, "10x"},
    {10, "Auto"},
    {11, "1x (realtime)"},
    {12, "1/2x (slow-motion)"},
}};
constexpr std::array<NamedValue, 10> kStatus105 = {{
    {0, "Default"},
    {1, "Max Lens"},
    {2, "Max Lens 2.0"},
    {3, "Max Lens 2.5"},
    {4, "Macro Lens"},
    {5, "Anamorphic Lens"},
    {6, "Neutral Density 4"},
    {7, "Neutral Density 8"},
    {8, "Neutral Density 16"},
    {9, "Neutral Density 32"},
}};
constexpr std::array<NamedValue, 3> kStatus114 = {{
    {0, "Idle"},
    {1, "Camera Control (user in menu)"},
    {2, "External Control (app)"},
}};
constexpr std::array<NamedValue, 2> kStatus116 = {{
    {0, "Disabled"},
    {1, "Enabled"},
}};

// Status 96 reports the preset group by its ID.
constexpr std::array<NamedValue, 3> kStatus96 = {{
    {1000, "Video"},
    {1001, "Photo"},
    {1002, "Timelapse"},
}};

constexpr std::array<SettingInfo, 55> kSettings = {{
    SettingInfo{2, "Video Resolution", 1, kSetting2},
    SettingInfo{3, "Frames Per Second", 1, kSetting3},
    SettingInfo{5, "Video Timelapse Rate", 1, kSetting5},
    SettingInfo{30, "Photo Timelapse Rate", 8, kSetting30},
    SettingInfo{32, "Nightlapse Rate", 8, kSetting32},
    SettingInfo{43, "Webcam Digital Lenses", 1, kSetting43},
    SettingInfo{59, "Auto Power Down", 1, kSetting59},
    SettingInfo{83, "GPS", 1, kSetting83},
    SettingInfo{88, "LCD Brightness", 1, {}},
    SettingInfo{91, "LED", 1, kSetting91},
    SettingInfo{108, "Video Aspect Ratio", 1, kSetting108},
    SettingInfo{121, "Video Lens", 1, kSetting121},
    SettingInfo{122, "Photo Lens", 1, kSetting122},
    SettingInfo{123, "Time Lapse Digital Lenses", 1, kSetting123},
    SettingInfo{125, "Photo Output", 1, kSetting125},
    SettingInfo{128, "Media Format", 1, kSetting128},
    SettingInfo{134, "Anti-Flicker", 1, kSetting134},
    SettingInfo{135, "Hypersmooth", 1, kSetting135},
    SettingInfo{150, "Video Horizon Leveling", 1, kSetting150},
    SettingInfo{151, "Photo Horizon Leveling", 1, kSetting151},
    SettingInfo{156, "Video Duration", 1, kSetting156},
    SettingInfo{157, "Multi Shot Duration", 1, kSetting157},
    SettingInfo{162, "Max Lens", 1, kSetting162},
    SettingInfo{167, "HindSight", 1, kSetting167},
    SettingInfo{168, "Scheduled Capture", 8, {}},
    SettingInfo{171, "Photo Single Interval", 1, kSetting171},
    SettingInfo{172, "Photo Interval Duration", 1, kSetting172},
    SettingInfo{173, "Video Performance Mode", 1, kSetting173},
    SettingInfo{175, "Control Mode", 1, kSetting175},
    SettingInfo{176, "Easy Mode Speed", 1, {}},
    SettingInfo{177, "Enable Night Photo", 1, kSetting177},
    SettingInfo{178, "Wireless Band", 1, kSetting178},
    SettingInfo{179, "Star Trails Length", 1, kSetting179},
    SettingInfo{180, "System Video Mode", 1, kSetting180},
    SettingInfo{182, "Video Bit Rate", 1, kSetting182},
    SettingInfo{183, "Bit Depth", 1, kSetting183},
    SettingInfo{184, "Profiles", 1, kSetting184},
    SettingInfo{186, "Video Easy Mode", 1, kSetting186},
    SettingInfo{187, "Lapse Mode", 1, kSetting187},
    SettingInfo{189, "Max Lens Mod", 1, kSetting189},
    SettingInfo{190, "Max Lens Mod Enable", 1, kSetting190},
    SettingInfo{191, "Easy Night Photo", 1, kSetting191},
    SettingInfo{192, "Multi Shot Aspect Ratio", 1, kSetting192},
    SettingInfo{193, "Framing", 1, kSetting193},
    SettingInfo{194, "Camera Mode", 1, kSetting194},
    SettingInfo{196, "360 Photo Files Extension", 1, kSetting196},
    SettingInfo{216, "Beep Volume", 1, kSetting216},
    SettingInfo{219, "Setup Screen Saver", 1, kSetting219},
    SettingInfo{223, "Setup Language", 1, kSetting223},
    SettingInfo{227, "Photo Mode", 1, kSetting227},
    SettingInfo{232, "Video Framing", 1, kSetting232},
    SettingInfo{233, "Multi Shot Framing", 1, kSetting233},
    SettingInfo{234, "Frame Rate", 1, kSetting234},
    SettingInfo{236, "Automatic Wi-Fi Access Point", 1, kSetting236},
    SettingInfo{237, "Auto Power On USB", 1, kSetting237},
}};

constexpr std::array<StatusInfo, 82> kStatuses = {{
    StatusInfo{1, "Battery Present", ValueType::Boolean, 1, {}},
    StatusInfo{2, "Internal Battery Bars", ValueType::Enum, 1, kStatus2},
    StatusInfo{6, "Overheating", ValueType::Boolean, 1, {}},
    StatusInfo{8, "Busy", ValueType::Boolean, 1, {}},
    StatusInfo{9, "Quick Capture", ValueType::Boolean, 1, {}},
    StatusInfo{10, "Encoding", ValueType::Boolean, 1, {}},
    StatusInfo{11, "LCD Lock", ValueType::Boolean, 1, {}},
    StatusInfo{13, "Video Encoding Duration", ValueType::Integer, 4, {}},
    StatusInfo{17, "Wireless Connections Enabled", ValueType::Boolean, 1, {}},
    StatusInfo{19, "Pairing State", ValueType::Enum, 1, kStatus19},
    StatusInfo{20, "Last Pairing Type", ValueType::Enum, 1, kStatus20},
    StatusInfo{21, "Last Pairing Success", ValueType::Integer, 4, {}},
    StatusInfo{22, "Wifi Scan State", ValueType::Enum, 1, kStatus22},
    StatusInfo{23, "Last Wifi Scan Success", ValueType::Integer, 1, {}},
    StatusInfo{24, "Wifi Provisioning State", ValueType::Enum, 1, kStatus24},
    StatusInfo{26, "Remote Version", ValueType::Integer, 1, {}},
    StatusInfo{27, "Remote Connected", ValueType::Boolean, 1, {}},
    StatusInfo{28, "Pairing State (Legacy)", ValueType::Integer, 1, {}},
    StatusInfo{29, "Connected WiFi SSID", ValueType::String, 0, {}},
    StatusInfo{30, "Access Point SSID", ValueType::String, 0, {}},
    StatusInfo{31, "Connected Devices", ValueType::Integer, 1, {}},
    StatusInfo{32, "Preview Stream", ValueType::Boolean, 1, {}},
    StatusInfo{33, "Primary Storage", ValueType::Enum, 1, kStatus33},
    StatusInfo{34, "Remaining Photos", ValueType::Integer, 4, {}},
    StatusInfo{35, "Remaining Video Time", ValueType::Integer, 4, {}},
    StatusInfo{38, "Photos", ValueType::Integer, 4, {}},
    StatusInfo{39, "Videos", ValueType::Integer, 4, {}},
    StatusInfo{41, "OTA", ValueType::Enum, 1, kStatus41},
    StatusInfo{42, "Pending FW Update Cancel", ValueType::Boolean, 1, {}},
    StatusInfo{45, "Locate", ValueType::Boolean, 1, {}},
    StatusInfo{49, "Timelapse Interval Countdown", ValueType::Integer, 4, {}},
    StatusInfo{54, "SD Card Remaining", ValueType::Integer, 8, {}},
    StatusInfo{55, "Preview Stream Available", ValueType::Boolean, 1, {}},
    StatusInfo{56, "Wifi Bars", ValueType::Integer, 1, {}},
    StatusInfo{58, "Active Hilights", ValueType::Integer, 1, {}},
    StatusInfo{59, "Time Since Last Hilight", ValueType::Integer, 4, {}},
    StatusInfo{60, "Minimum Status Poll Period", ValueType::Integer, 4, {}},
    StatusInfo{65, "Liveview Exposure Select Mode", ValueType::Enum, 1, kStatus65},
    StatusInfo{66, "Liveview Y", ValueType::Integer, 1, {}},
    StatusInfo{67, "Liveview X", ValueType::Integer, 1, {}},
    StatusInfo{68, "GPS Lock", ValueType::Boolean, 1, {}},
    StatusInfo{69, "AP Mode", ValueType::Boolean, 1, {}},
    StatusInfo{70, "Internal Battery Percentage", ValueType::Integer, 1, {}},
    StatusInfo{74, "Microphone Accessory", ValueType::Enum, 1, kStatus74},
    StatusInfo{75, "Zoom Level", ValueType::Integer, 1, {}},
    StatusInfo{76, "Wireless Band", ValueType::Enum, 1, kStatus76},
    StatusInfo{77, "Zoom Available", ValueType::Boolean, 1, {}},
    StatusInfo{78, "Mobile Friendly", ValueType::Boolean, 1, {}},
    StatusInfo{79, "FTU", ValueType::Boolean, 1, {}},
    StatusInfo{81, "5GHZ Available", ValueType::Boolean, 1, {}},
    StatusInfo{82, "Ready", ValueType::Boolean, 1, {}},
    StatusInfo{83, "OTA Charged", ValueType::Boolean, 1, {}},
    StatusInfo{85, "Cold", ValueType::Boolean, 1, {}},
    StatusInfo{86, "Rotation", ValueType::Enum, 1, kStatus86},
    StatusInfo{88, "Zoom while Encoding", ValueType::Boolean, 1, {}},
    StatusInfo{89, "Flatmode", ValueType::Integer, 1, {}},
    StatusInfo{93, "Video Preset", ValueType::Integer, 4, {}},
    StatusInfo{94, "Photo Preset", ValueType::Integer, 4, {}},
    StatusInfo{95, "Timelapse Preset", ValueType::Integer, 4, {}},
    StatusInfo{96, "Preset Group", ValueType::Integer, 4, kStatus96},
    StatusInfo{97, "Preset", ValueType::Integer, 4, {}},
    StatusInfo{98, "Preset Modified", ValueType::Integer, 4, {}},
    StatusInfo{99, "Remaining Live Bursts", ValueType::Integer, 4, {}},
    StatusInfo{100, "Live Bursts", ValueType::Integer, 4, {}},
    StatusInfo{101, "Capture Delay Active", ValueType::Boolean, 1, {}},
    StatusInfo{102, "Media Mod State", ValueType::Enum, 1, kStatus102},
    StatusInfo{103, "Time Warp Speed", ValueType::Enum, 1, kStatus103},
    StatusInfo{104, "Linux Core", ValueType::Boolean, 1, {}},
    StatusInfo{105, "Lens Type", ValueType::Enum, 1, kStatus105},
    StatusInfo{106, "Hindsight", ValueType::Boolean, 1, {}},
    StatusInfo{107, "Scheduled Capture Preset ID", ValueType::Integer, 4, {}},
    StatusInfo{108, "Scheduled Capture", ValueType::Boolean, 1, {}},
    StatusInfo{110, "Display Mod Status", ValueType::Enum, 1, {}},
    StatusInfo{111, "SD Card Write Speed Error", ValueType::Boolean, 1, {}},
    StatusInfo{112, "SD Card Errors", ValueType::Integer, 1, {}},
    StatusInfo{113, "Turbo Transfer", ValueType::Boolean, 1, {}},
    StatusInfo{114, "Camera Control ID", ValueType::Enum, 1, kStatus114},
    StatusInfo{115, "USB Connected", ValueType::Boolean, 1, {}},
    StatusInfo{116, "USB Controlled", ValueType::Enum, 1, kStatus116},
    StatusInfo{117, "SD Card Capacity", ValueType::Integer, 4, {}},
    StatusInfo{118, "Photo Interval Capture Count", ValueType::Integer, 4, {}},
    StatusInfo{122, "Camera Name", ValueType::String, 0, {}},
}};

}  // namespace

std::span<const SettingInfo> settingTable() { return kSettings; }
std::span<const StatusInfo> statusTable() { return kStatuses; }

}  // namespace goprod::protocol
