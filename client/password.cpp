#include "client/password.h"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "client/output.h"

namespace goprod::client {

namespace {

Parsed<std::string> checked(std::string password, std::string_view source) {
    if (password.empty()) return invalid("the password from " + std::string(source) + " is empty");
    if (password.size() > kMaxPasswordLength) {
        return invalid("the password must be at most 63 bytes, got " + std::to_string(password.size()));
    }
    return password;
}

// The terminal being prompted on, for the signal handler to restore its echo.
volatile sig_atomic_t promptFd = -1;
struct termios promptSaved {};

extern "C" void restoreAndDie(int signal) {
    if (promptFd >= 0) {
        tcsetattr(promptFd, TCSAFLUSH, &promptSaved);
        (void)!write(promptFd, "\n", 1);
    }
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

}  // namespace

Parsed<std::string> passwordFromStream(std::istream& in) {
    std::string line;
    if (!std::getline(in, line)) return invalid("--password-stdin: no password on standard input");
    if (line.ends_with('\r')) line.pop_back();
    return checked(std::move(line), "standard input");
}

Parsed<std::string> passwordFromTerminal(std::string_view ssid) {
    const int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return invalid("--ask needs a terminal (" + std::string(std::strerror(errno)) + "); use --password-stdin");
    struct termios saved {};
    if (tcgetattr(fd, &saved) != 0) {
        close(fd);
        return invalid("--ask needs a terminal; use --password-stdin");
    }
    promptSaved = saved;
    promptFd = fd;
    struct sigaction action {};
    action.sa_handler = restoreAndDie;
    struct sigaction oldInt {};
    struct sigaction oldTerm {};
    sigaction(SIGINT, &action, &oldInt);
    sigaction(SIGTERM, &action, &oldTerm);
    struct termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the Enter still moves to the next line
    tcsetattr(fd, TCSAFLUSH, &quiet);
    // Only now: what is typed after the prompt must neither echo nor be flushed.
    const std::string prompt = "Password for " + printable(std::string(ssid)) + ": ";
    (void)!write(fd, prompt.data(), prompt.size());

    std::string line;
    bool ended = false;
    for (char c = 0;;) {
        const auto n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (c == '\n') {
            ended = true;
            break;
        }
        line.push_back(c);
    }
    tcsetattr(fd, TCSAFLUSH, &saved);
    promptFd = -1;
    sigaction(SIGINT, &oldInt, nullptr);
    sigaction(SIGTERM, &oldTerm, nullptr);
    if (!ended) (void)!write(fd, "\n", 1);
    close(fd);
    if (line.ends_with('\r')) line.pop_back();
    return checked(std::move(line), "the terminal");
}

}  // namespace goprod::client
