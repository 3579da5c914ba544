#include "client/rig.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include <toml++/toml.h>

#include "client/exit_codes.h"

namespace goprod::client {

namespace {

// "rig-north:50051" is TCP (gRPC's dns resolver); a path is a unix socket,
// relative to the rig file; gRPC's schemes stay as they are.
std::string rigTarget(const std::string& text, const std::filesystem::path& base) {
    const auto colon = text.rfind(':');
    const bool hostPort = colon != std::string::npos && colon > 0 && colon + 1 < text.size() &&
                          text.find('/') == std::string::npos &&
                          text.find_first_not_of("0123456789", colon + 1) == std::string::npos;
    const std::string target = grpcTarget(text);
    if (target != "unix:" + text) return target;  // it had a scheme
    if (hostPort) return "dns:" + text;
    return "unix:" + (base / text).lexically_normal().string();
}

std::string relative(const std::string& path, const std::filesystem::path& base) {
    if (path.empty()) return path;
    return (base / path).lexically_normal().string();
}

std::string at(std::string_view source, const toml::node& node) {
    return std::string(source) + ":" + std::to_string(node.source().begin.line) + ": ";
}

}  // namespace

Parsed<RigFile> parseRigFile(std::string_view text, const std::filesystem::path& base, std::string_view source) {
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& error) {
        return invalid(std::string(source) + ":" + std::to_string(error.source().begin.line) +
                       ": syntax error: " + std::string(error.description()));
    }
    RigFile rig;
    for (auto&& [key, node] : root) {
        if (key.str() == "clock_warning_ms") {
            const auto* value = node.as_integer();
            if (value == nullptr || value->get() < 0 || value->get() > 60000) {
                return invalid(at(source, node) + "clock_warning_ms: expected milliseconds, 0 to 60000");
            }
            rig.clockWarning = std::chrono::milliseconds(value->get());
        } else if (key.str() != "daemon") {
            return invalid(at(source, node) + std::string(key.str()) +
                           ": unknown key (a rig file has clock_warning_ms and [[daemon]] tables)");
        }
    }
    const auto* daemons = root["daemon"].as_array();
    if (daemons == nullptr || daemons->empty()) {
        return invalid(std::string(source) + ": no [[daemon]] tables: list each daemon with its name and target");
    }
    for (const auto& entry : *daemons) {
        const auto* table = entry.as_table();
        if (table == nullptr) return invalid(at(source, entry) + "daemon: expected [[daemon]] tables");
        RigDaemon daemon;
        std::string target;
        for (auto&& [key, node] : *table) {
            const auto* value = node.as_string();
            const std::string name(key.str());
            if (value == nullptr) return invalid(at(source, node) + name + ": expected a string");
            const std::string& text = value->get();
            if (name == "name") {
                daemon.name = text;
            } else if (name == "target") {
                target = text;
            } else if (name == "tls_ca") {
                daemon.tls.ca = relative(text, base);
            } else if (name == "tls_cert") {
                daemon.tls.cert = relative(text, base);
            } else if (name == "tls_key") {
                daemon.tls.key = relative(text, base);
            } else if (name == "tls_server_name") {
                daemon.tls.serverName = text;
            } else {
                return invalid(at(source, node) + name +
                               ": unknown key (name, target, tls_ca, tls_cert, tls_key, tls_server_name)");
            }
        }
        const std::string where = at(source, entry);
        if (daemon.name.empty() || std::any_of(daemon.name.begin(), daemon.name.end(), [](char c) {
                return static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
            })) {
            return invalid(where + "daemon: every daemon needs a name, without blanks (it is the HOST column)");
        }
        for (const auto& other : rig.daemons) {
            if (other.name == daemon.name) return invalid(where + "daemon \"" + daemon.name + "\" is listed twice");
        }
        if (target.empty()) return invalid(where + "daemon " + daemon.name + ": target is missing (HOST:PORT)");
        daemon.target = rigTarget(target, base);
        if (!daemon.tls.enabled() && (!daemon.tls.cert.empty() || !daemon.tls.key.empty())) {
            return invalid(where + "daemon " + daemon.name + ": tls_cert and tls_key go with tls_ca");
        }
        if (daemon.tls.cert.empty() != daemon.tls.key.empty()) {
            return invalid(where + "daemon " + daemon.name + ": tls_cert and tls_key go together");
        }
        if (daemon.tls.enabled() && isUnixTarget(daemon.target)) {
            return invalid(where + "daemon " + daemon.name + ": TLS is for TCP targets, not " + daemon.target);
        }
        rig.daemons.push_back(std::move(daemon));
    }
    return rig;
}

Parsed<RigFile> loadRigFile(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return invalid("--rig: cannot read " + path.string() + ": " + std::strerror(errno));
    const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    return parseRigFile(text, path.parent_path(), path.string());
}

namespace {

// How serious an exit code is across a rig: the lower the index, the more.
int severity(int code) {
    static constexpr int kOrder[] = {kExitCancelled, kExitUnavailable, kExitTimeout, kExitError,
                                     kExitRejected,  kExitBusy,        kExitNotFound, kExitUsage};
    const auto* found = std::find(std::begin(kOrder), std::end(kOrder), code);
    return found == std::end(kOrder) ? severity(kExitError) : static_cast<int>(found - kOrder);
}

// A JSON object line gets "host" first; any other line "host: ".
std::string withHost(const std::string& host, const std::string& line) {
    if (line.starts_with("{")) {
        const std::string field = "{\"host\":\"" + host + "\"";
        return line == "{}" ? field + "}" : field + "," + line.substr(1);
    }
    return line.empty() ? host + ":" : host + ": " + line;
}

void printLines(const std::string& host, const std::string& text, std::ostream& to, bool errors) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        constexpr std::string_view kProgram = "goproctl: ";
        if (errors && line.starts_with(kProgram)) {
            to << kProgram << host << ": " << line.substr(kProgram.size()) << '\n';
        } else {
            to << withHost(host, line) << '\n';
        }
    }
}

// The daemon's clock against this machine's for `shutter --at`: one warning per
// host further off than `limit` (the start still goes ahead).
void warnAboutClocks(const Invocation& invocation, const std::vector<RigHost>& hosts, std::chrono::microseconds limit,
                     std::ostream& err) {
    std::vector<std::string> warnings(hosts.size());
    std::vector<std::thread> threads;
    // The check must not eat the time before the start: half of it at most, 2 s at most.
    const auto left = *invocation.startAt - std::chrono::system_clock::now();
    const auto deadline = std::min<std::chrono::system_clock::duration>(std::chrono::seconds(2), left / 2);
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        if (hosts[i].stub == nullptr) continue;
        threads.emplace_back([&, i] {
            // Two calls, the shorter kept: the first may carry the connection's set-up
            // (the TLS handshake), which happens before goprod reads its clock.
            std::optional<ClockOffset> offset;
            for (int attempt = 0; attempt < 2; ++attempt) {
                grpc::ClientContext context;
                context.set_deadline(std::chrono::system_clock::now() + deadline);
                v1::DaemonStatus status;
                const auto before = std::chrono::system_clock::now();
                const auto answer = hosts[i].stub->GetDaemonStatus(&context, v1::GetDaemonStatusRequest{}, &status);
                const auto after = std::chrono::system_clock::now();
                if (!answer.ok() || !status.has_clock()) return;  // the start itself reports an unreachable host
                const ClockOffset measured = clockOffset(status, before, after);
                if (!offset || measured.roundTrip < offset->roundTrip) offset = measured;
            }
            const auto magnitude = offset->offset < offset->offset.zero() ? -offset->offset : offset->offset;
            if (magnitude <= limit) return;
            warnings[i] = "goproctl: warning: " + hosts[i].name + ": its clock is " + microseconds(offset->offset) +
                          " from this machine's (within " + microseconds(offset->roundTrip / 2).substr(1) +
                          "), more than the rig's " + milliseconds(limit) +
                          ": its cameras start that much apart from the others (synchronize the clocks: README, "
                          "synchronized capture)";
        });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& warning : warnings) {
        if (!warning.empty()) err << warning << '\n';
    }
}

}  // namespace

int rigExitCode(const std::vector<HostOutput>& hosts) {
    int code = kExitOk;
    for (const auto& host : hosts) {
        if (host.code == kExitOk) continue;
        if (code == kExitOk || severity(host.code) < severity(code)) code = host.code;
    }
    return code;
}

namespace {

// The rows of one kind of table from every host, by column name: hosts may
// print the same table with a column more or less (a shutter table has OFFSET
// only where two cameras or more started).
struct MergedTable {
    std::vector<std::string> headers;  // without HOST
    std::vector<bool> right;
    std::vector<std::pair<std::string, std::map<std::string, std::string>>> rows;  // host, cells by column

    // The same kind: the same first column, and the columns of one are among the other's.
    bool takes(const Table& table) const {
        const auto& other = table.headers();
        if (other.empty() || headers.front() != other.front()) return false;
        auto within = [](const std::vector<std::string>& small, const std::vector<std::string>& large) {
            return std::all_of(small.begin(), small.end(), [&](const std::string& header) {
                return std::find(large.begin(), large.end(), header) != large.end();
            });
        };
        return within(other, headers) || within(headers, other);
    }

    void add(const std::string& host, const Table& table) {
        const auto& incoming = table.headers();
        for (std::size_t c = 0; c < incoming.size(); ++c) {
            auto at = std::find(headers.begin(), headers.end(), incoming[c]);
            if (at == headers.end()) {
                // After the column that precedes it in the incoming table.
                auto after = c == 0 ? headers.begin() : std::find(headers.begin(), headers.end(), incoming[c - 1]) + 1;
                const auto index = after - headers.begin();
                headers.insert(after, incoming[c]);
                right.insert(right.begin() + index, table.rightAligned(c));
            }
        }
        for (const auto& row : table.rows()) {
            std::map<std::string, std::string> cells;
            for (std::size_t c = 0; c < incoming.size() && c < row.size(); ++c) cells[incoming[c]] = row[c];
            rows.emplace_back(host, std::move(cells));
        }
    }

    Table table() const {
        std::vector<std::string> withHost{"HOST"};
        withHost.insert(withHost.end(), headers.begin(), headers.end());
        Table out(std::move(withHost));
        for (std::size_t c = 0; c < right.size(); ++c) {
            if (right[c]) out.alignRight(c + 1);
        }
        for (const auto& [host, cells] : rows) {
            std::vector<std::string> row{host};
            for (const auto& header : headers) {
                const auto cell = cells.find(header);
                row.push_back(cell == cells.end() ? "-" : cell->second);
            }
            out.addRow(std::move(row));
        }
        return out;
    }
};

}  // namespace

void printRigOutput(const std::vector<HostOutput>& hosts, std::ostream& out, std::ostream& err) {
    std::vector<MergedTable> merged;
    for (const auto& host : hosts) {
        for (const auto& table : host.tables) {
            auto into =
                std::find_if(merged.begin(), merged.end(), [&](const MergedTable& m) { return m.takes(table); });
            if (into == merged.end()) {
                merged.push_back({table.headers(), {}, {}});
                for (std::size_t c = 0; c < table.headers().size(); ++c) {
                    merged.back().right.push_back(table.rightAligned(c));
                }
                into = merged.end() - 1;
            }
            into->add(host.name, table);
        }
    }
    for (std::size_t i = 0; i < merged.size(); ++i) {
        if (i > 0) out << '\n';
        merged[i].table().print(out);
    }
    for (const auto& host : hosts) {
        printLines(host.name, host.out, out, false);
        printLines(host.name, host.err, err, true);
    }
    // The spread of every camera's `sent` across the hosts: each host stamps its
    // own, so it holds the hosts' clock offsets too.
    std::vector<std::chrono::nanoseconds> sent;
    std::size_t hostsSent = 0;
    for (const auto& host : hosts) {
        const auto before = sent.size();
        for (const auto& result : host.results) {
            for (const auto& camera : result.results()) {
                if (camera.has_sent()) sent.push_back(sinceEpoch(camera.sent()));
            }
        }
        if (sent.size() > before) ++hostsSent;
    }
    if (hostsSent >= 2) {
        const auto [lowest, highest] = std::minmax_element(sent.begin(), sent.end());
        out << "rig start skew: " << milliseconds(*highest - *lowest) << " across " << sent.size() << " cameras on "
            << hostsSent << " hosts (each host's clock)\n";
    }
}

int runRig(const Invocation& invocation, const std::vector<RigHost>& hosts, std::chrono::microseconds clockWarning,
           CallCanceller* canceller, std::ostream& out, std::ostream& err) {
    if (invocation.command == Command::Shutter && invocation.startAt) {
        warnAboutClocks(invocation, hosts, clockWarning, err);
    }
    std::vector<HostOutput> outputs(hosts.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        outputs[i].name = hosts[i].name;
        if (hosts[i].stub == nullptr) {
            outputs[i].err = "goproctl: " + hosts[i].unusable + "\n";
            outputs[i].code = kExitUsage;
            continue;
        }
        threads.emplace_back([&, i] {
            const RigHost& host = hosts[i];
            HostOutput& output = outputs[i];
            std::ostringstream hostOut, hostErr;
            Invocation one = invocation;
            one.target = host.target;
            Session session{*host.stub, hostOut, hostErr};
            session.canceller = canceller;
            session.tls = host.tls;
            session.daemonReachable = host.reachable;
            session.tables = [&output](const Table& table) { output.tables.push_back(table); };
            if (!invocation.json) {
                session.multiResults = [&output](const v1::MultiResult& result) { output.results.push_back(result); };
            }
            output.code = run(one, session);
            output.out = hostOut.str();
            output.err = hostErr.str();
        });
    }
    for (auto& thread : threads) thread.join();
    printRigOutput(outputs, out, err);
    return rigExitCode(outputs);
}

}  // namespace goprod::client
