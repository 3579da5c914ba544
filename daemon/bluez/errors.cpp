#include "daemon/bluez/errors.h"

#include <array>
#include <string>

namespace goprod::bluez {

namespace {

using core::Errc;

// Why these codes: the link or BlueZ being absent, busy or in the wrong state
// is Unavailable (the caller may retry once the camera is back); everything
// about authentication, including a GATT access that needs an encrypted link
// (NotPermitted "Not paired"), is PairingFailed; a call that received no
// answer is DeadlineExceeded; a malformed call is our bug, Internal.
constexpr std::array kErrors = {
    // org.bluez.Error.*, as bluetoothd's src/error.c and the GATT client name them.
    DbusErrorInfo{"org.bluez.Error.Failed", Errc::Unavailable, "operation failed"},
    DbusErrorInfo{"org.bluez.Error.InProgress", Errc::Unavailable, "operation already in progress"},
    DbusErrorInfo{"org.bluez.Error.NotReady", Errc::Unavailable, "the adapter is not ready"},
    DbusErrorInfo{"org.bluez.Error.NotAvailable", Errc::Unavailable, "operation currently not available"},
    DbusErrorInfo{"org.bluez.Error.NotConnected", Errc::Unavailable, "not connected"},
    DbusErrorInfo{"org.bluez.Error.ConnectionAttemptFailed", Errc::Unavailable, "connection attempt failed"},
    DbusErrorInfo{"org.bluez.Error.AlreadyConnected", Errc::Internal, "already connected"},
    DbusErrorInfo{"org.bluez.Error.AlreadyExists", Errc::Internal, "already exists"},
    DbusErrorInfo{"org.bluez.Error.DoesNotExist", Errc::NotFound, "does not exist"},
    DbusErrorInfo{"org.bluez.Error.NotFound", Errc::NotFound, "not found"},
    DbusErrorInfo{"org.bluez.Error.InvalidArguments", Errc::Internal, "invalid arguments in method call"},
    DbusErrorInfo{"org.bluez.Error.InvalidOffset", Errc::Internal, "invalid offset"},
    DbusErrorInfo{"org.bluez.Error.InvalidValueLength", Errc::InvalidArgument, "invalid value length"},
    DbusErrorInfo{"org.bluez.Error.NotSupported", Errc::Internal, "operation is not supported"},
    DbusErrorInfo{"org.bluez.Error.NotPermitted", Errc::PairingFailed, "operation not permitted"},
    DbusErrorInfo{"org.bluez.Error.NotAuthorized", Errc::PairingFailed, "operation not authorized"},
    DbusErrorInfo{"org.bluez.Error.AuthenticationFailed", Errc::PairingFailed, "authentication failed"},
    DbusErrorInfo{"org.bluez.Error.AuthenticationRejected", Errc::PairingFailed, "authentication rejected"},
    DbusErrorInfo{"org.bluez.Error.AuthenticationCanceled", Errc::PairingFailed, "authentication canceled"},
    DbusErrorInfo{"org.bluez.Error.AuthenticationTimeout", Errc::PairingFailed, "authentication timeout"},
    DbusErrorInfo{"org.bluez.Error.Rejected", Errc::PairingFailed, "rejected by the agent"},
    DbusErrorInfo{"org.bluez.Error.Canceled", Errc::PairingFailed, "canceled by the agent"},
    // org.freedesktop.DBus.Error.*: the bus, or BlueZ's objects, are not there.
    DbusErrorInfo{"org.freedesktop.DBus.Error.ServiceUnknown", Errc::Unavailable, "org.bluez is not on the bus"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.NameHasNoOwner", Errc::Unavailable, "org.bluez is not on the bus"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.Disconnected", Errc::Unavailable, "disconnected from the bus"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.UnknownObject", Errc::Unavailable, "no such object (it went away)"},
    // bluetoothd (libdbus) answers calls to an object it removed with UnknownMethod.
    DbusErrorInfo{"org.freedesktop.DBus.Error.UnknownMethod", Errc::Unavailable, "no such method (object gone?)"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.UnknownInterface", Errc::Unavailable, "no such interface"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.AccessDenied", Errc::Unavailable, "access denied by the bus policy"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.AuthFailed", Errc::Unavailable, "bus authentication failed"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.Failed", Errc::Unavailable, "failed"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.NoReply", Errc::DeadlineExceeded, "no reply"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.Timeout", Errc::DeadlineExceeded, "timed out"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.TimedOut", Errc::DeadlineExceeded, "timed out"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.InvalidArgs", Errc::Internal, "invalid arguments"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.InvalidSignature", Errc::Internal, "invalid signature"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.UnknownProperty", Errc::Internal, "no such property"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.PropertyReadOnly", Errc::Internal, "read-only property"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.NotSupported", Errc::Internal, "not supported"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.NoMemory", Errc::ResourceExhausted, "out of memory"},
    DbusErrorInfo{"org.freedesktop.DBus.Error.LimitsExceeded", Errc::ResourceExhausted, "bus limits exceeded"},
    // sdbus-c++ names local sd-bus failures after the errno.
    DbusErrorInfo{"System.Error.ENOTCONN", Errc::Unavailable, "not connected to the bus"},
    DbusErrorInfo{"System.Error.ECONNRESET", Errc::Unavailable, "bus connection reset"},
    DbusErrorInfo{"System.Error.EPIPE", Errc::Unavailable, "bus connection broken"},
    DbusErrorInfo{"System.Error.ETIMEDOUT", Errc::DeadlineExceeded, "timed out"},
};

}  // namespace

std::span<const DbusErrorInfo> dbusErrors() { return kErrors; }

const DbusErrorInfo* findDbusError(std::string_view name) {
    for (const auto& entry : kErrors) {
        if (entry.name == name) return &entry;
    }
    return nullptr;
}

core::Error fromDbusError(std::string_view name, std::string_view message) {
    const DbusErrorInfo* info = findDbusError(name);
    Errc code = info != nullptr ? info->code : Errc::Internal;
    // NoReply is also how the bus daemon ("Message recipient disconnected from
    // message bus without replying") and sd-bus ("Connection terminated") say
    // that the peer or the bus went away: no deadline passed, the other side left.
    if (name == "org.freedesktop.DBus.Error.NoReply" && (message.find("disconnected") != std::string_view::npos ||
                                                         message.find("terminated") != std::string_view::npos)) {
        code = Errc::Unavailable;
    }
    // issue 16: a controller with no room for another link. The kernel turns the
    // HCI status Connection Limit Exceeded (0x09) into EMLINK, and bluetoothd's
    // Device1.Connect answers it as Failed "le-connection-concurrent-connection-limit"
    // (src/error.c, btd_error_le_errno; "br-..." on BR/EDR).
    if (name == "org.bluez.Error.Failed" && message.find("concurrent-connection-limit") != std::string_view::npos) {
        code = Errc::ResourceExhausted;
    }
    std::string text(name.empty() ? std::string_view("unnamed D-Bus error") : name);
    text += ": ";
    if (!message.empty()) {
        text += message;
    } else {
        text += info != nullptr ? info->description : std::string_view("no message");
    }
    return core::Error{code, std::move(text), {}};
}

}  // namespace goprod::bluez
