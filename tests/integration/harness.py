"""Test harness: a private dbus-daemon and real goprod processes on it.

Everything waits on events (a name appearing on the bus, a process exiting),
never on fixed sleeps. Used by the simulator's BlueZ-fidelity tests and, later,
by the daemon's integration tests.
"""
import asyncio
import contextlib
import os
import signal
import tempfile

from dbus_fast import BusType, Message, MessageType, Variant
from dbus_fast.aio import MessageBus

BUILD_DIR = os.environ.get("GOPROD_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SIM = os.environ.get("GOPROD_SIM", os.path.join(BUILD_DIR, "sim", "goprod-sim"))

SIM_NAME = "io.goprod.Sim"
SIM_PATH = "/io/goprod/Sim"
SIM_IFACE = "io.goprod.Sim1"
BLUEZ = "org.bluez"


class DBusError(Exception):
    def __init__(self, name, text):
        super().__init__(f"{name}: {text}")
        self.name = name
        self.text = text


class PrivateBus:
    """A dbus-daemon of our own; address in .address."""

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            "dbus-daemon", "--session", "--nofork", "--print-address=1",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        line = await asyncio.wait_for(self.proc.stdout.readline(), 10)
        self.address = line.decode().strip()
        if not self.address:
            raise RuntimeError("dbus-daemon printed no address")
        return self

    async def stop(self):
        with contextlib.suppress(ProcessLookupError):
            self.proc.terminate()
        await self.proc.wait()


async def connect(address):
    return await MessageBus(bus_address=address).connect()


async def call(bus, dest, path, iface, member, signature="", body=None, timeout=10):
    reply = await asyncio.wait_for(bus.call(Message(destination=dest, path=path, interface=iface, member=member,
                                                    signature=signature, body=body or [])), timeout)
    if reply.message_type == MessageType.ERROR:
        raise DBusError(reply.error_name, reply.body[0] if reply.body else "")
    return reply.body


async def wait_for_name(bus, name, proc=None, timeout=10):
    """Returns once `name` has an owner; fails early if `proc` exits first."""
    await _wait_for_owner(bus, name, True, proc, timeout)


async def wait_for_name_released(bus, name, timeout=10):
    """Returns once `name` has no owner. A process can be gone before the bus has noticed, and a
    successor that asks for the name without queueing (sd-bus, bluetoothd) fails until then."""
    await _wait_for_owner(bus, name, False, None, timeout)


async def _wait_for_owner(bus, name, owned, proc, timeout):
    changed = asyncio.get_running_loop().create_future()

    def handler(msg):
        if (msg.member == "NameOwnerChanged" and msg.body and msg.body[0] == name
                and bool(msg.body[2]) == owned and not changed.done()):
            changed.set_result(True)

    bus.add_message_handler(handler)
    try:
        await call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s",
                   [f"type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='{name}'"])
        (has,) = await call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                            "NameHasOwner", "s", [name])
        if has == owned:
            return
        waiters = [changed]
        if proc is not None:
            waiters.append(asyncio.ensure_future(proc.wait()))
        done, pending = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            waiter.cancel()
        if changed not in done:
            raise RuntimeError(f"{name} did not {'appear on' if owned else 'leave'} the bus"
                               + (f" (process exited with {proc.returncode})" if proc and proc.returncode is not None
                                  else ""))
    finally:
        bus.remove_message_handler(handler)


async def next_matching(queue, predicate, timeout=5):
    """The next item of an asyncio queue for which predicate holds; earlier ones are dropped."""
    async def scan():
        while True:
            item = await queue.get()
            if predicate(item):
                return item
    return await asyncio.wait_for(scan(), timeout)


class Signals:
    """Collects every signal matching a rule into a queue, for ordered assertions."""

    def __init__(self, bus, rule, predicate=None):
        self.bus, self.rule, self.predicate = bus, rule, predicate
        self.queue = asyncio.Queue()

    async def __aenter__(self):
        self.bus.add_message_handler(self._on)
        await call(self.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch",
                   "s", [self.rule])
        return self

    async def __aexit__(self, *exc):
        self.bus.remove_message_handler(self._on)

    def _on(self, msg):
        if msg.message_type == MessageType.SIGNAL and (self.predicate is None or self.predicate(msg)):
            self.queue.put_nowait(msg)

    async def next(self, timeout=5):
        return await asyncio.wait_for(self.queue.get(), timeout)

    async def until(self, predicate, timeout=5):
        """Next signal for which predicate(msg) holds; earlier ones are dropped."""
        return await next_matching(self.queue, predicate, timeout)


class Sim:
    """goprod-sim on a private bus, with its control interface."""

    def __init__(self, address, *args):
        self.address = address
        self.args = list(args)

    async def start(self):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        self.log = tempfile.TemporaryFile()
        self.proc = await asyncio.create_subprocess_exec(SIM, *self.args, env=env, stdout=self.log,
                                                         stderr=self.log)
        self.bus = await connect(self.address)
        await wait_for_name(self.bus, SIM_NAME, self.proc)
        return self

    async def control(self, member, signature="", *body):
        return await call(self.bus, SIM_NAME, SIM_PATH, SIM_IFACE, member, signature, list(body))

    async def received(self, camera):
        (messages,) = await self.control("Received", "s", camera)
        return [(name, bytes(data)) for name, data in messages]

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    async def stop(self):
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), 10)
        # The next sim on this bus can have the name only once the bus has let it go.
        await wait_for_name_released(self.bus, SIM_NAME)
        self.bus.disconnect()
        return code

    def close(self):
        self.log.close()


@contextlib.asynccontextmanager
async def sim_on_private_bus(*args):
    bus = await PrivateBus().start()
    sim = await Sim(bus.address, *args).start()
    try:
        yield sim
    finally:
        code = await sim.stop()
        await bus.stop()
        output = sim.output()
        sim.close()
        assert code == 0, f"goprod-sim exited with {code}:\n{output}"


def run(coro):
    return asyncio.run(coro)


__all__ = ["PrivateBus", "Sim", "Signals", "DBusError", "Variant", "BusType", "call", "connect", "run",
           "sim_on_private_bus", "wait_for_name", "wait_for_name_released", "next_matching", "BLUEZ", "SIM"]


# --- the daemon -------------------------------------------------------------

GOPROD = os.environ.get("GOPROD", os.path.join(BUILD_DIR, "daemon", "goprod"))
GOPROCTL = os.environ.get("GOPROCTL", os.path.join(BUILD_DIR, "client", "goproctl"))


class Daemon:
    """The real goprod on a private bus, a temporary socket and state directory.

    start() returns once goprod told systemd READY=1 (through a NOTIFY_SOCKET of
    our own), the way systemd itself waits for a Type=notify service.
    """

    def __init__(self, address, workdir, *args, log_level="debug"):
        self.address = address
        self.workdir = workdir
        self.args = list(args)
        self.log_level = log_level
        self.socket_path = os.path.join(workdir, "goprod.sock")
        self.state_dir = os.path.join(workdir, "state")
        self.config = os.path.join(workdir, "goprod.conf")
        self.notifications = []

    @property
    def target(self):
        return "unix:" + self.socket_path

    async def start(self, timeout=10):
        import socket
        if not os.path.exists(self.config):
            with open(self.config, "w") as f:
                f.write("")
        notify_path = os.path.join(self.workdir, "notify")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(notify_path)
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(notify_path)
        self.notify.setblocking(False)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path)
        env.pop("JOURNAL_STREAM", None)
        self.log = tempfile.TemporaryFile()
        # log_level=None: the configuration file says.
        level = ["--log-level", self.log_level] if self.log_level else []
        self.proc = await asyncio.create_subprocess_exec(
            GOPROD, "--bus", self.address, "--socket", self.target, "--state-dir", self.state_dir,
            "--config", self.config, *level, *self.args,
            env=env, stdout=self.log, stderr=self.log)
        await self.wait_notification("READY=1", timeout)
        return self

    async def wait_notification(self, text, timeout=10):
        """Waits for a sd_notify datagram containing `text` (or the daemon exiting)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not any(text in n for n in self.notifications):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise RuntimeError(f"goprod sent no {text}:\n{self.output()}")
            recv = asyncio.ensure_future(loop.sock_recv(self.notify, 4096))
            exited = asyncio.ensure_future(self.proc.wait())
            done, _ = await asyncio.wait([recv, exited], timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            if recv in done:
                self.notifications.append(recv.result().decode())
            else:
                recv.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await recv
            if exited in done:
                raise RuntimeError(f"goprod exited with {self.proc.returncode}:\n{self.output()}")
            exited.cancel()

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    async def stop(self, timeout=10):
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        self.notify.close()
        return code

    def close(self):
        self.log.close()


async def goproctl(daemon, *args, timeout=30):
    """Runs the real goproctl against `daemon`; returns (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        GOPROCTL, "--socket", daemon.target, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode, out.decode(), err.decode()
