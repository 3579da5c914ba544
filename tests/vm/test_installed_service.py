"""goprod as a user meets it: installed from its Debian packages and run by systemd.

Runs inside the VM that `tests/vm/vm.sh run --systemd` boots (./run vm-service): Debian's
systemd is PID 1 on a writable overlay of the host root, dbus.service runs the system bus with
Debian's own policy, bluetooth.service is BlueZ 5.66 with two btvirt LE controllers (hci0, hci1).
The scenario installs the .deb files of $GOPROD_DEBS with dpkg -i; goprod-sim (from its package)
plays the camera as a real BLE peripheral on hci1, goprod.service owns hci0.

The tests run in file order on one installed system, as on a user's machine: each builds on the
state the previous ones left (the package installed, the camera known, the log level changed).
Every wait is on an event (a D-Bus signal, a journal line, a process exit) with a deadline.
"""
import asyncio
import glob
import grp
import json
import os
import pwd
import re
import signal
import subprocess
import sys
import time
from xml.etree import ElementTree

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import grpc  # noqa: E402
import harness  # noqa: E402
from harness import Signals, call, connect, run, wait_for_name, wait_for_name_released  # noqa: E402
from rig import Rig, pb, pb_grpc  # noqa: E402  (the stubs, wherever rig finds them)
from test_real_bluez import AP_PASSWORD, AP_SSID, CAMERA, PERIPHERAL, TIMEOUT, Launched, reconnects_after  # noqa: E402

SYSTEM_BUS = "unix:path=/run/dbus/system_bus_socket"
RESULTS = os.environ.get("GOPROD_VM_RESULTS", "/tmp")
DEBS = os.environ.get("GOPROD_DEBS", os.path.join(HERE, "..", "..", "build", "packages"))
CHANGES = os.environ.get("GOPROD_VM_CHANGES")  # the overlay's upper layer: all the VM wrote to its root
PACKAGES = ["goprod", "goproctl", "goprod-sim", "python3-goprod"]  # python3-goprod when built
REQUIRED = {"goprod", "goproctl", "goprod-sim"}
CONFIG = "/etc/goprod/goprod.conf"
SOCKET = "/run/goprod/goprod.sock"
SIM_POLICY = "/usr/share/dbus-1/system.d/io.goprod.Sim.conf"  # from goprod-sim
WATCHDOG_DROPIN = "/etc/systemd/system/goprod.service.d/vm-watchdog.conf"
MEMBER, OUTSIDER = "camuser", "outsider"  # a user in group goprod, and one who is not

# The installed programs, not the build tree's.
harness.SIM = "/usr/bin/goprod-sim"
harness.GOPROCTL = "/usr/bin/goproctl"

state = {}  # what one test leaves to the next
FIGURES = os.path.join(RESULTS, "service-figures.md")


def note(line):
    """A figure of this run: printed, and listed in service-figures.md in the results folder."""
    print(line)
    with open(FIGURES, "a") as f:
        f.write(f"- {line}\n")


def sh(*argv, check=True, **kwargs):
    """Runs a command; returns its CompletedProcess with text output. check=True: it must succeed."""
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    assert not check or proc.returncode == 0, f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout}"
    return proc


def show(unit, *names):
    """systemctl show's properties of `unit` as a dict."""
    out = sh("systemctl", "show", unit, *(f"--property={n}" for n in names)).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def as_user(user, *argv, timeout=TIMEOUT):
    """Runs argv as `user` with its groups (no PAM, no login session); returns (code, stdout, stderr)."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": pwd.getpwnam(user).pw_dir, "LANG": "C.UTF-8"}
    proc = subprocess.run(["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", *argv],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def goproctl_as(user, *args, timeout=TIMEOUT):
    return as_user(user, "goproctl", "--timeout", str(timeout), *args, timeout=timeout + 10)


def journal(*args):
    """journalctl -o json entries as dicts."""
    out = sh("journalctl", "--no-pager", "-o", "json", *args).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def journal_cursor():
    entries = journal("-n", "1")
    return entries[-1]["__CURSOR"]


async def journal_until(cursor, predicate, timeout=TIMEOUT, unit="goprod.service"):
    """The first journal entry of `unit` after `cursor` for which predicate holds (journalctl -f)."""
    proc = await asyncio.create_subprocess_exec(
        "journalctl", "--no-pager", "-f", "-o", "json", "-u", unit, f"--after-cursor={cursor}",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)

    async def scan():
        while True:
            line = await proc.stdout.readline()
            assert line, "journalctl -f ended"
            entry = json.loads(line)
            if predicate(entry):
                return entry
    try:
        return await asyncio.wait_for(scan(), timeout)
    finally:
        proc.kill()
        await proc.wait()


def message(entry):
    """An entry's MESSAGE as text (journalctl gives non-UTF-8 ones as a list of bytes)."""
    text = entry.get("MESSAGE", "")
    return bytes(text).decode(errors="replace") if isinstance(text, list) else text


class UnitWatch:
    """goprod.service's properties, re-read at each PropertiesChanged signal systemd sends for it."""

    UNIT = "org.freedesktop.systemd1.Unit"
    SERVICE = "org.freedesktop.systemd1.Service"

    async def __aenter__(self):
        self.bus = await connect(SYSTEM_BUS)
        manager = ("org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager")
        await call(self.bus, *manager, "Subscribe")
        (self.path,) = await call(self.bus, *manager, "LoadUnit", "s", ["goprod.service"])
        self.signals = Signals(self.bus, f"type='signal',sender='org.freedesktop.systemd1',path='{self.path}',"
                                         "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'")
        await self.signals.__aenter__()
        return self

    async def __aexit__(self, *exc):
        await self.signals.__aexit__()
        self.bus.disconnect()

    async def props(self):
        values = {}
        for iface in (self.UNIT, self.SERVICE):
            (got,) = await call(self.bus, "org.freedesktop.systemd1", self.path, "org.freedesktop.DBus.Properties",
                                "GetAll", "s", [iface])
            values.update({name: variant.value for name, variant in got.items()})
        return values

    async def until(self, predicate, what, timeout=TIMEOUT):
        """The properties once predicate(properties) holds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            values = await self.props()
            if predicate(values):
                return values
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"goprod.service: {what} did not happen within {timeout} s; now "
                                     + ", ".join(f"{k}={values[k]}" for k in ("ActiveState", "SubState", "MainPID",
                                                                             "NRestarts", "Result")))
            try:
                await self.signals.next(timeout=remaining)
            except asyncio.TimeoutError:
                pass


class Installed(Rig):
    """The installed daemon at its default socket, driven as root through gRPC (Rig's helpers)."""

    class daemon:  # what harness.goproctl and test_real_bluez.reconnects_after use
        target = "unix:" + SOCKET

    async def __aenter__(self):
        self.channel = grpc.aio.insecure_channel(self.daemon.target)
        self.stub = pb_grpc.GoprodStub(self.channel)
        return self

    async def __aexit__(self, *exc):
        await self.channel.close()

    async def ready(self, identifier=CAMERA, timeout=TIMEOUT):
        return await self.wait_state(identifier, pb.CAMERA_STATE_READY, timeout=timeout)


async def sim_control(member, signature="", *body):
    bus = await connect(SYSTEM_BUS)
    try:
        return await call(bus, harness.SIM_NAME, harness.SIM_PATH, harness.SIM_IFACE, member, signature, list(body))
    finally:
        bus.disconnect()


async def received(camera=CAMERA):
    (messages,) = await sim_control("Received", "s", camera)
    return [(name, bytes(data)) for name, data in messages]


def edit_config(pattern, replacement):
    """Changes one line of the installed goprod.conf, as an administrator would."""
    with open(CONFIG) as f:
        text = f.read()
    changed, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert count == 1, f"no line matching {pattern!r} in {CONFIG}"
    with open(CONFIG, "w") as f:
        f.write(changed)


def deb_files():
    """{package: its .deb} for the packages found in DEBS."""
    found = {}
    for name in PACKAGES:
        debs = sorted(glob.glob(os.path.join(DEBS, f"{name}_*.deb")))
        if debs:
            found[name] = debs[-1]
    return found


# --------------------------------------------------------------------- 1. install: Type=notify, ready

def test_packages_install_and_the_service_becomes_ready_through_notify():
    debs = deb_files()
    assert REQUIRED <= set(debs), f"missing packages in {DEBS}: {sorted(REQUIRED - set(debs))}"
    # What the packages bring that was not there before: purge must take exactly that away.
    payload = set()
    for deb in debs.values():
        for line in sh("dpkg-deb", "-c", deb).stdout.splitlines():
            name = line.split(None, 5)[5].split(" -> ")[0]  # "./etc/goprod/", "./usr/x -> y"
            if name.strip("./"):
                payload.add("/" + name.lstrip(".").strip("/"))
    state["payload"] = payload
    state["there_before"] = {p for p in payload if os.path.lexists(p)}
    assert not os.path.exists("/var/lib/goprod") and not os.path.exists("/etc/goprod"), "a goprod is installed already"

    with open(FIGURES, "w") as f:
        f.write("goprod's packages under systemd in the VM (software-emulated CPU)\n\n")
    start = time.monotonic()
    out = sh("dpkg", "-i", *debs.values(), env=dict(os.environ, DEBIAN_FRONTEND="noninteractive")).stdout
    state["packages"] = list(debs)
    note(f"dpkg -i of {', '.join(debs)}: {time.monotonic() - start:.1f} s")
    with open(os.path.join(RESULTS, "dpkg-install.log"), "w") as f:
        f.write(out)

    # The postinst enabled and started the unit; start returns once goprod sent READY=1.
    props = show("goprod.service", "Type", "NotifyAccess", "ActiveState", "SubState", "UnitFileState", "MainPID")
    assert props["Type"] == "notify" and props["NotifyAccess"] == "main", props
    assert (props["ActiveState"], props["SubState"]) == ("active", "running"), props
    assert props["UnitFileState"] == "enabled", props

    # This VM has two controllers and the camera is on hci1: goprod takes hci0. Not a live key: restart.
    edit_config(r'^#adapter = ""$', 'adapter = "hci0"')
    edit_config(r"^#connect_timeout_ms = 30000$", "connect_timeout_ms = 15000")  # see test_real_bluez.VmRig

    async def restart():
        async with UnitWatch() as unit:
            before = await unit.props()
            sh("systemctl", "restart", "goprod.service")
            # Type=notify: the job ends when READY=1 came; "activating" until then.
            return before, await unit.until(lambda p: p["ActiveState"] == "active" and p["MainPID"] not in
                                            (0, before["MainPID"]), "a new ready goprod after restart")
    start = time.monotonic()
    before, after = run(restart())
    note(f"systemctl restart goprod, to READY=1: {time.monotonic() - start:.1f} s")
    assert after["SubState"] == "running" and after["StatusText"], after
    print(f"goprod restarted: MainPID {before['MainPID']} -> {after['MainPID']}, status \"{after['StatusText']}\"")


# --------------------------------------------------------------------- 2. user goprod, hardening, the real bus

def test_the_daemon_runs_as_goprod_with_the_units_hardening_on_the_real_system_bus():
    pid = int(show("goprod.service", "MainPID")["MainPID"])
    goprod, bluetooth = pwd.getpwnam("goprod"), grp.getgrnam("bluetooth")
    with open(f"/proc/{pid}/status") as f:
        status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    assert status["Uid"].split() == [str(goprod.pw_uid)] * 4, status["Uid"]
    assert status["Gid"].split() == [str(goprod.pw_gid)] * 4, status["Gid"]
    # SupplementaryGroups=bluetooth, next to its own group (initgroups).
    assert set(status["Groups"].split()) == {str(bluetooth.gr_gid), str(goprod.pw_gid)}, status["Groups"]
    assert status["NoNewPrivs"] == "1", status
    assert int(status["CapEff"], 16) == 0 and int(status["CapBnd"], 16) == 0, (status["CapEff"], status["CapBnd"])
    assert status["Seccomp"] == "2", "no system call filter"

    wanted = {"User": "goprod", "Group": "goprod", "SupplementaryGroups": "bluetooth", "NoNewPrivileges": "yes",
              "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
              "CapabilityBoundingSet": "", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",  # as systemctl sorts them
              "MemoryDenyWriteExecute": "yes", "RestrictNamespaces": "yes", "UMask": "0007",
              "WatchdogUSec": "30s", "Restart": "on-failure"}
    props = show("goprod.service", *wanted)
    assert props == wanted, {k: (props.get(k), v) for k, v in wanted.items() if props.get(k) != v}

    # ProtectSystem=strict as the process sees it: / read-only, its state directory writable.
    with open(f"/proc/{pid}/mountinfo") as f:
        mounts = {fields[4]: fields[5].split(",") for fields in (line.split() for line in f)}
    assert "ro" in mounts["/"], mounts["/"]
    assert "rw" in mounts["/var/lib/goprod"], mounts.get("/var/lib/goprod")

    # The socket: group goprod may use it, nobody else (RuntimeDirectoryMode, UMask, socket_group).
    st, run_dir = os.stat(SOCKET), os.stat(os.path.dirname(SOCKET))
    assert (st.st_mode & 0o777, st.st_gid) == (0o660, goprod.pw_gid), oct(st.st_mode)
    assert (run_dir.st_mode & 0o777, run_dir.st_uid) == (0o750, goprod.pw_uid), oct(run_dir.st_mode)

    # The system bus is Debian's dbus.service with its own policy, which grants user goprod nothing of
    # its own: BlueZ's policy for group bluetooth is what lets goprod talk to org.bluez.
    assert "--system" in show("dbus.service", "ExecStart")["ExecStart"]
    policies = glob.glob("/etc/dbus-1/system.d/*") + glob.glob("/usr/share/dbus-1/system.d/*")
    assert not [p for p in policies if re.search(r'(user|group)="goprod"', open(p).read())], \
        "a D-Bus policy names user or group goprod"

    async def bus_user():
        bus = await connect(SYSTEM_BUS)
        try:
            dbus = ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus")
            (names,) = await call(bus, *dbus, "ListNames")
            for name in (n for n in names if n.startswith(":")):
                try:
                    (owner_pid,) = await call(bus, *dbus, "GetConnectionUnixProcessID", "s", [name])
                except harness.DBusError:
                    continue  # gone meanwhile
                if owner_pid == pid:
                    return (await call(bus, *dbus, "GetConnectionUnixUser", "s", [name]))[0]
        finally:
            bus.disconnect()
    assert run(bus_user()) == goprod.pw_uid, "goprod has no connection of its own on the system bus"


# --------------------------------------------------------------------- 3. a user in group goprod, and one not

def test_a_member_of_group_goprod_drives_the_camera_and_another_user_is_refused():
    sh("useradd", "--create-home", "--groups", "goprod", MEMBER)
    sh("useradd", "--create-home", OUTSIDER)

    # goprod-sim owns io.goprod.Sim on the system bus: Debian's policy forbids that unless a file allows it.
    assert os.path.exists(SIM_POLICY), f"goprod-sim's package brings no {SIM_POLICY}"
    try:
        ElementTree.parse(SIM_POLICY)
    except ElementTree.ParseError as error:
        raise AssertionError(f"{SIM_POLICY} is not well-formed XML ({error}): dbus-daemon ignores it") from None
    # dbus-daemon notices new policy files by itself, some time later; ReloadConfig returns once read.
    sh("systemctl", "reload", "dbus.service")

    async def start_sim():
        log = open(os.path.join(RESULTS, "goprod-sim.log"), "wb")
        sim = subprocess.Popen([harness.SIM, *PERIPHERAL], stdout=log, stderr=log, start_new_session=True,
                               env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=SYSTEM_BUS))
        bus = await connect(SYSTEM_BUS)
        try:
            await wait_for_name(bus, harness.SIM_NAME, Launched(sim), timeout=TIMEOUT)
        finally:
            bus.disconnect()
        return sim
    state["sim"] = run(start_sim())

    code, out, err = goproctl_as(MEMBER, "discover", "--duration", "10")
    assert code == 0 and CAMERA in out, f"discover as {MEMBER}: exit {code}\n{out}{err}"
    code, out, err = goproctl_as(MEMBER, "-i", CAMERA, "connect")
    if code != 0:
        # See test_real_bluez.VmRig: an attempt can fail inside the real stack; goprod tries again by itself.
        print(f"connect as {MEMBER}: exit {code} ({err.strip()}): waiting for goprod's next attempt")

        async def ready():
            async with Installed() as svc:
                await svc.ready()
        run(ready())

    for word, payload in (("on", "01 01 01"), ("off", "01 01 00")):
        run(sim_control("ClearReceived", "s", CAMERA))
        code, out, err = goproctl_as(MEMBER, "-i", CAMERA, "shutter", word)
        assert code == 0, f"shutter {word} as {MEMBER}: exit {code}\n{out}{err}"
        got = run(received())
        assert ("GP-0072", bytes.fromhex(payload)) in got, f"shutter {word}: the camera received {got}"

    code, out, err = goproctl_as(MEMBER, "-i", CAMERA, "wifi", "ap", "info")
    assert code == 0 and AP_SSID in out and AP_PASSWORD in out, f"wifi ap info as {MEMBER}: exit {code}\n{out}{err}"

    if "python3-goprod" in state["packages"]:
        # The installed Python package finds the socket by itself.
        run(sim_control("ClearReceived", "s", CAMERA))
        code, out, err = as_user(MEMBER, "python3", "-c",
                                 f"import goprod\nwith goprod.Client() as c: c.shutter(True, [{CAMERA!r}])")
        assert code == 0, f"python3-goprod's Client as {MEMBER}: exit {code}\n{out}{err}"
        got = run(received())
        assert ("GP-0072", bytes.fromhex("01 01 01")) in got, f"Client.shutter: the camera received {got}"

    # Not in group goprod: refused at the socket, with goproctl's own words and exit code 5.
    code, out, err = goproctl_as(OUTSIDER, "-i", CAMERA, "shutter", "on")
    assert code == 5, f"{OUTSIDER} got exit {code}, not 5 (unavailable):\n{out}{err}"
    assert "no permission to use goprod's socket" in err and "usermod -aG" in err, err


# --------------------------------------------------------------------- 4. reload, bluetooth restart, watchdog

def test_reload_applies_a_changed_log_level():
    props = show("goprod.service", "MainPID", "InvocationID")
    assert not [e for e in journal(f"_SYSTEMD_INVOCATION_ID={props['InvocationID']}") if e.get("PRIORITY") == "7"], \
        "debug lines before the level was raised: the test proves nothing"
    cursor = journal_cursor()
    edit_config(r'^#level = "info"$', 'level = "debug"')
    sh("systemctl", "reload", "goprod.service")  # returns once goprod sent READY=1 again
    assert show("goprod.service", "MainPID")["MainPID"] == props["MainPID"], "reload restarted goprod"

    # The password read at debug level: it would cross the log here if it ever did (checked in 5).
    code, out, err = goproctl_as(MEMBER, "-i", CAMERA, "wifi", "ap", "info")
    assert code == 0 and AP_PASSWORD in out, (code, out, err)
    # goprod logs a camera's state changes at debug level: disconnect and connect again.
    for command in ("disconnect", "connect"):
        code, out, err = goproctl_as(MEMBER, "-i", CAMERA, command)
        assert code == 0, f"{command} as {MEMBER}: exit {code}\n{out}{err}"

    async def state_change_at_debug():
        # Not just any debug line: goprod also reports its memory at debug level, now and then.
        return await journal_until(cursor, lambda e: e.get("PRIORITY") == "7" and e.get("SYSLOG_IDENTIFIER") == "goprod"
                                   and message(e).startswith(f"camera {CAMERA}: ") and " → " in message(e))
    run(state_change_at_debug())
    applied = [message(e) for e in journal("-u", "goprod.service", f"--after-cursor={cursor}")
               if "reload: applied" in message(e)]
    assert applied and "level" in applied[0], applied


def test_goprod_survives_a_restart_of_bluetooth_service():
    before = show("goprod.service", "MainPID", "NRestarts")

    async def scenario():
        async with Installed() as svc:
            await svc.ready()

            async def restart_bluetooth():
                sh("systemctl", "restart", "bluetooth.service")
            await reconnects_after(svc, CAMERA, restart_bluetooth)
    run(scenario())
    after = show("goprod.service", "MainPID", "NRestarts")
    assert after == before, f"goprod restarted with bluetooth: {before} -> {after}"


def test_the_watchdog_restarts_a_daemon_that_stops_answering_and_the_camera_comes_back():
    os.makedirs(os.path.dirname(WATCHDOG_DROPIN), exist_ok=True)
    with open(WATCHDOG_DROPIN, "w") as f:
        f.write("[Service]\nWatchdogSec=3s\n")
    sh("systemctl", "daemon-reload")
    sh("systemctl", "restart", "goprod.service")  # goprod reads WATCHDOG_USEC when it starts
    assert show("goprod.service", "WatchdogUSec")["WatchdogUSec"] == "3s"

    async def scenario():
        async with Installed() as svc:
            await svc.ready()  # the known camera, connected again by the new daemon
        async with UnitWatch() as unit:
            before = await unit.props()
            cursor = journal_cursor()
            start = time.monotonic()
            os.kill(before["MainPID"], signal.SIGSTOP)
            after = await unit.until(lambda p: p["NRestarts"] == before["NRestarts"] + 1 and
                                     p["ActiveState"] == "active" and p["MainPID"] not in (0, before["MainPID"]),
                                     "a restart by the watchdog", timeout=TIMEOUT)
            took = time.monotonic() - start
            await journal_until(cursor, lambda e: "Watchdog timeout" in message(e))
        note(f"watchdog (WatchdogSec=3s): SIGSTOP of {before['MainPID']} to a new ready daemon ({after['MainPID']}) in {took:.1f} s")
        async with Installed() as svc:
            await svc.ready()
        code, out, err = goproctl_as(MEMBER, "-i", CAMERA, "analytics")
        assert code == 0, (code, out, err)
    try:
        run(scenario())
    finally:
        os.unlink(WATCHDOG_DROPIN)
        os.rmdir(os.path.dirname(WATCHDOG_DROPIN))
        sh("systemctl", "daemon-reload")


# --------------------------------------------------------------------- 5. the journal

def test_the_journal_has_the_daemons_lines_with_their_priorities_and_no_wifi_password():
    entries = journal("-u", "goprod.service")
    own = [e for e in entries if e.get("SYSLOG_IDENTIFIER") == "goprod"]
    by_priority = {}
    for e in own:
        by_priority.setdefault(e.get("PRIORITY"), []).append(message(e))
    note("goprod's journal lines by priority: " + ", ".join(f"{p}: {len(lines)}" for p, lines in sorted(by_priority.items())))
    assert any(line.startswith("goprod ") and " serving " in line for line in by_priority.get("6", [])), \
        "no start-up line at priority info (6)"
    assert any("BlueZ went away" in line for line in by_priority.get("4", [])), \
        "no 'BlueZ went away' at priority warning (4) after bluetooth restarted"
    assert by_priority.get("7"), "no line at priority debug (7) after the reload"
    leaked = [message(e) for e in entries if AP_PASSWORD in json.dumps(e)]
    assert not leaked, f"the WiFi password is in the journal: {leaked}"


# --------------------------------------------------------------------- 6. stop, purge

def test_stop_is_clean_and_within_the_timeout_and_purge_leaves_nothing():
    timeout = show("goprod.service", "TimeoutStopUSec")["TimeoutStopUSec"]
    assert timeout == "10s", timeout
    start = time.monotonic()
    sh("systemctl", "stop", "goprod.service")
    took = time.monotonic() - start
    props = show("goprod.service", "ActiveState", "Result", "ExecMainCode", "ExecMainStatus")
    note(f"systemctl stop goprod, a camera connected: {took:.2f} s (TimeoutStopSec={timeout})")
    assert took < 10, f"stop took {took:.1f} s"
    # ExecMainCode 1 = exited by itself (CLD_EXITED), not killed (2) by SIGKILL after the timeout.
    assert props == {"ActiveState": "inactive", "Result": "success", "ExecMainCode": "1", "ExecMainStatus": "0"}, props

    async def stop_sim():
        sim = state.pop("sim")
        bus = await connect(SYSTEM_BUS)
        try:
            sim.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(Launched(sim).wait(), TIMEOUT)
            await wait_for_name_released(bus, harness.SIM_NAME, timeout=TIMEOUT)
        finally:
            bus.disconnect()
        return code
    assert run(stop_sim()) == 0, "goprod-sim did not exit cleanly (goprod-sim.log)"

    packages = state["packages"]
    installed = sh("dpkg", "-L", *packages).stdout
    with open(os.path.join(RESULTS, "installed-files.txt"), "w") as f:
        f.write(installed)
    goprod = pwd.getpwnam("goprod")
    start = time.monotonic()
    sh("apt-get", "purge", "-y", "-q", *packages, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    note(f"apt-get purge: {time.monotonic() - start:.1f} s")

    listed = {line for line in installed.splitlines() if line.startswith("/") and line != "/."}
    left = {p: "installed by the packages" for p in (listed | state["payload"]) - state["there_before"]
            if os.path.lexists(p)}
    left.update({p: "the daemon's" for p in ("/etc/goprod", "/var/lib/goprod", "/run/goprod",
                                            "/lib/systemd/system/goprod.service",
                                            "/etc/systemd/system/multi-user.target.wants/goprod.service")
                 if os.path.lexists(p)})
    # Everything the VM wrote is in the overlay's upper layer: nothing there may belong to user or
    # group goprod, nor carry the name, except this test's own traces.
    if CHANGES:
        ours = (RESULTS, os.getcwd(), HERE)
        for root, dirs, files in os.walk(CHANGES):
            for name in dirs + files:
                visible = os.path.join(root, name)[len(CHANGES):]
                if any(visible == p or visible.startswith(p + "/") or p.startswith(visible + "/") for p in ours):
                    continue
                if not os.path.lexists(visible) or name.lstrip(".").startswith("goprod-vm"):
                    continue  # a whiteout (the file was removed), or the VM harness's own (systemd-stage2.sh)
                st = os.lstat(visible)
                if goprod.pw_uid in (st.st_uid, st.st_gid) or goprod.pw_gid == st.st_gid:
                    left.setdefault(visible, "owned by goprod")
                elif "goprod" in name:
                    left.setdefault(visible, "named goprod")
    user = sh("getent", "passwd", "goprod", check=False).stdout.strip()
    note(f"user goprod after purge: {user or 'removed'}")
    assert not left, "left behind by apt purge:\n" + "\n".join(f"  {p} ({why})" for p, why in sorted(left.items()))
