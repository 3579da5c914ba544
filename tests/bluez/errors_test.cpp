// Unit tests of the D-Bus error table (daemon/bluez/errors.*).
#include "daemon/bluez/errors.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace goprod::bluez {
namespace {

using core::Errc;

TEST(DbusErrors, NotPairedKeepsBluezNameAndMessageAndMeansPairingFailed) {
    const auto error = fromDbusError("org.bluez.Error.NotPermitted", "Not paired");
    EXPECT_EQ(error.code, Errc::PairingFailed);
    EXPECT_EQ(error.message, "org.bluez.Error.NotPermitted: Not paired");
    EXPECT_FALSE(error.cameraStatus.has_value());
}

TEST(DbusErrors, EveryAuthenticationFailureIsPairingFailed) {
    for (const char* name : {"org.bluez.Error.AuthenticationFailed", "org.bluez.Error.AuthenticationRejected",
                             "org.bluez.Error.AuthenticationCanceled", "org.bluez.Error.AuthenticationTimeout",
                             "org.bluez.Error.NotAuthorized", "org.bluez.Error.NotPermitted"}) {
        EXPECT_EQ(fromDbusError(name, "x").code, Errc::PairingFailed) << name;
    }
}

// issue 16: bluetoothd's answer when the controller has no room for another link (EMLINK).
TEST(DbusErrors, AControllerWithNoRoomForAnotherLinkIsResourceExhausted) {
    EXPECT_EQ(fromDbusError("org.bluez.Error.Failed", "le-connection-concurrent-connection-limit").code,
              Errc::ResourceExhausted);
    EXPECT_EQ(fromDbusError("org.bluez.Error.Failed", "br-connection-concurrent-connection-limit").code,
              Errc::ResourceExhausted);
    EXPECT_EQ(fromDbusError("org.bluez.Error.Failed", "le-connection-abort-by-local").code, Errc::Unavailable);
}

TEST(DbusErrors, NoAnswerIsDeadlineExceeded) {
    EXPECT_EQ(fromDbusError("org.freedesktop.DBus.Error.NoReply", "Method call timed out").code,
              Errc::DeadlineExceeded);
    EXPECT_EQ(fromDbusError("org.freedesktop.DBus.Error.Timeout", "").code, Errc::DeadlineExceeded);
}

TEST(DbusErrors, NoReplyBecauseThePeerOrTheBusLeftIsUnavailable) {
    EXPECT_EQ(fromDbusError("org.freedesktop.DBus.Error.NoReply",
                            "Message recipient disconnected from message bus without replying")
                  .code,
              Errc::Unavailable);
    EXPECT_EQ(fromDbusError("org.freedesktop.DBus.Error.NoReply", "Connection terminated").code, Errc::Unavailable);
}

TEST(DbusErrors, AbsentServiceObjectOrLinkIsUnavailable) {
    for (const char* name :
         {"org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
          "org.freedesktop.DBus.Error.Disconnected", "org.freedesktop.DBus.Error.UnknownObject",
          "org.freedesktop.DBus.Error.UnknownMethod", "org.freedesktop.DBus.Error.AccessDenied",
          "org.bluez.Error.NotReady", "org.bluez.Error.Failed", "org.bluez.Error.NotConnected",
          "org.bluez.Error.InProgress", "org.bluez.Error.NotAvailable", "org.bluez.Error.ConnectionAttemptFailed"}) {
        EXPECT_EQ(fromDbusError(name, "x").code, Errc::Unavailable) << name;
    }
}

TEST(DbusErrors, InvalidArgumentsIsOurBug) {
    EXPECT_EQ(fromDbusError("org.bluez.Error.InvalidArguments", "Invalid arguments in method call").code,
              Errc::Internal);
    EXPECT_EQ(fromDbusError("org.freedesktop.DBus.Error.InvalidArgs", "").code, Errc::Internal);
}

TEST(DbusErrors, AMissingDeviceIsNotFound) {
    EXPECT_EQ(fromDbusError("org.bluez.Error.DoesNotExist", "Does Not Exist").code, Errc::NotFound);
}

TEST(DbusErrors, AnEmptyMessageIsReplacedByTheTablesDescription) {
    EXPECT_EQ(fromDbusError("org.bluez.Error.NotConnected", "").message, "org.bluez.Error.NotConnected: not connected");
}

TEST(DbusErrors, AnUnknownNameIsInternalAndKeepsItsWords) {
    const auto error = fromDbusError("com.example.Error.Weird", "strange things");
    EXPECT_EQ(error.code, Errc::Internal);
    EXPECT_EQ(error.message, "com.example.Error.Weird: strange things");
    EXPECT_EQ(findDbusError("com.example.Error.Weird"), nullptr);
}

TEST(DbusErrors, AnUnnamedErrorStillReadsAsOne) {
    EXPECT_EQ(fromDbusError("", "").message, "unnamed D-Bus error: no message");
}

TEST(DbusErrors, TheTableNamesEachErrorOnceWithADescription) {
    std::set<std::string> names;
    for (const auto& entry : dbusErrors()) {
        EXPECT_TRUE(names.insert(std::string(entry.name)).second) << entry.name;
        EXPECT_FALSE(entry.description.empty()) << entry.name;
        EXPECT_EQ(findDbusError(entry.name), &entry);
    }
    EXPECT_GE(names.size(), 30U);
}

}  // namespace
}  // namespace goprod::bluez
