"""issue 17: rigs across hosts. Two independent stacks (each a private bus, its own
goprod-sim and goprod) serve mutual TLS on loopback ports, with certificates made
here with the openssl command; one `goproctl --rig` drives both. A client with a
certificate of another CA, or none, is refused; a daemon that is down is reported
on its own and the other's results still come; goprod refuses plaintext TCP beyond
loopback (at start and on reload). The Python package's Client(tls_...) and Rig do
the same."""
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import tempfile

import pytest

import goprod
from harness import GOPROCTL, Daemon, PrivateBus
from rig import Rig

SHUTTER_ON = ("GP-0072", bytes.fromhex("01 01 01"))
SHUTTER_OFF = ("GP-0072", bytes.fromhex("01 01 00"))


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(folder, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN={name}", cwd=folder)


def make_certificate(folder, name, ca, extensions):
    """name.pem and name.key, signed by ca.pem/ca.key, with `extensions` (x509v3 lines)."""
    with open(os.path.join(folder, f"{name}.ext"), "w") as f:
        f.write(extensions)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=folder)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=folder)


@pytest.fixture(scope="module")
def certs():
    """The rig's CA, the daemons' certificate (127.0.0.1 and localhost), a client's, and
    a client certificate of another CA."""
    with tempfile.TemporaryDirectory(prefix="goprod-tls-") as folder:
        make_ca(folder, "ca")
        make_certificate(folder, "server", "ca",
                         "subjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth\n")
        make_certificate(folder, "client", "ca", "extendedKeyUsage = clientAuth\n")
        make_ca(folder, "other-ca")
        make_certificate(folder, "stranger", "other-ca", "extendedKeyUsage = clientAuth\n")
        yield folder


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TlsStack(Rig):
    """A rig whose goprod also serves mutual TLS on a loopback TCP port."""

    def __init__(self, certs, sim_args):
        super().__init__(sim_args)
        self.certs = certs
        self.port = free_port()

    async def start_daemon(self):
        with open(os.path.join(self.tmp.name, "goprod.conf"), "w") as f:
            f.write(f'[api]\ntcp_listen = "{self.port}"\n'
                    f'tls_certificate = "{self.certs}/server.pem"\n'
                    f'tls_key = "{self.certs}/server.key"\n'
                    f'tls_client_ca = "{self.certs}/ca.pem"\n')
        await super().start_daemon()

    @property
    def tcp(self):
        return f"127.0.0.1:{self.port}"


def write_rig_file(folder, certs, stacks, clock_warning_ms=None):
    """rig.toml naming each stack (name -> TlsStack), the TLS files relative to it."""
    path = os.path.join(folder, "rig.toml")
    with open(path, "w") as f:
        if clock_warning_ms is not None:
            f.write(f"clock_warning_ms = {clock_warning_ms}\n")
        for name, stack in stacks.items():
            f.write(f'[[daemon]]\nname = "{name}"\ntarget = "{stack.tcp}"\n'
                    f'tls_ca = "{os.path.relpath(certs, folder)}/ca.pem"\n'
                    f'tls_cert = "{os.path.relpath(certs, folder)}/client.pem"\n'
                    f'tls_key = "{os.path.relpath(certs, folder)}/client.key"\n')
    return path


async def run_goproctl(*args, timeout=30):
    proc = await asyncio.create_subprocess_exec(GOPROCTL, *args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    print(f"$ goproctl {' '.join(args)}\n{out.decode()}{err.decode()}exit {proc.returncode}")  # shown on failure
    return proc.returncode, out.decode(), err.decode()


async def two_stacks(certs):
    """north plays cameras 0-1 (GoPro 0702, 0703), south cameras 2-3, each ready."""
    north = await TlsStack(certs, ["--cameras", "2"]).__aenter__()
    try:
        south = await TlsStack(certs, ["--cameras", "2", "--first-camera", "2"]).__aenter__()
    except BaseException:
        await north.__aexit__(None, None, None)
        raise
    return north, south


def rows(table_text):
    """The table's rows as lists of cells (columns are separated by two spaces or more)."""
    return [re.split(r"\s{2,}", line.strip()) for line in table_text.strip().splitlines()]


def test_one_goproctl_rig_lists_and_starts_the_cameras_of_two_hosts(certs, tmp_path):
    async def scenario():
        north, south = await two_stacks(certs)
        try:
            cameras = {"north": await north.ready(2), "south": await south.ready(2)}
            assert not set(cameras["north"]) & set(cameras["south"]), cameras
            rig_file = write_rig_file(str(tmp_path), certs, {"north": north, "south": south})

            # list: one table, a HOST column, every camera of both hosts.
            code, out, err = await run_goproctl("--rig", rig_file, "list")
            assert code == 0, (out, err)
            table = rows(out)
            assert table[0][:2] == ["HOST", "IDENTIFIER"], out
            listed = {(row[0].strip(), row[1].strip()) for row in table[1:]}
            assert listed == {(host, cam) for host, cams in cameras.items() for cam in cams}, out

            # --json: one line per host, each with its host.
            code, out, err = await run_goproctl("--rig", rig_file, "--json", "list")
            assert code == 0, (out, err)
            lines = [json.loads(line) for line in out.splitlines()]
            assert sorted(line["host"] for line in lines) == ["north", "south"], out
            for line in lines:
                assert sorted(c["identifier"] for c in line["cameras"]) == cameras[line["host"]], out

            # shutter on --at: one instant, every camera of both hosts after it.
            code, out, err = await run_goproctl("--rig", rig_file, "--all", "shutter", "on", "--at", "+1s")
            assert code == 0, (out, err)
            table = [row for row in rows(out) if len(row) >= 3 and row[0].strip() in ("HOST", "north", "south")]
            assert table[0][:3] == ["HOST", "CAMERA", "RESULT"], out
            started = {(row[0].strip(), row[1].strip()) for row in table[1:] if row[2].strip() == "ok"}
            assert started == {(host, cam) for host, cams in cameras.items() for cam in cams}, out
            planned = {line.split(": ", 1)[0]: line.split("planned start: ")[1]
                       for line in out.splitlines() if "planned start: " in line}
            assert set(planned) == {"north", "south"} and len(set(planned.values())) == 1, out
            assert re.search(r"^rig start skew: [0-9.]+ ms across 4 cameras on 2 hosts", out, re.M), out
            for stack, host in ((north, "north"), (south, "south")):
                for cam in cameras[host]:
                    assert SHUTTER_ON in await stack.received(cam), (host, cam)

            # The capture journal of the whole rig: each host's planned shutter, one table.
            code, out, err = await run_goproctl("--rig", rig_file, "journal")
            assert code == 0, (out, err)
            table = rows(out)
            assert table[0][:4] == ["HOST", "TIME", "CAMERA", "EVENT"], out
            journaled = {(row[0], row[2]) for row in table[1:] if row[3] == "shutter on (planned)"}
            assert journaled == {(host, cam) for host, cams in cameras.items() for cam in cams}, out

            # --json shutter off --at: each host's MultiResult with "host", one planned instant.
            code, out, err = await run_goproctl("--rig", rig_file, "--json", "--all", "shutter", "off",
                                                "--at", "+1s")
            assert code == 0, (out, err)
            results = [json.loads(line) for line in out.splitlines()]
            assert sorted(r["host"] for r in results) == ["north", "south"], out
            instants = {c["planned"] for r in results for c in r["results"]}
            assert len(instants) == 1, out
            assert sum(len(r["results"]) for r in results) == 4, out

            # The clock check: a warning per host beyond the threshold (0 ms: every host).
            strict = write_rig_file(str(tmp_path), certs, {"north": north, "south": south}, clock_warning_ms=0)
            code, out, err = await run_goproctl("--rig", strict, "--all", "shutter", "on", "--at", "+1s")
            assert code == 0, (out, err)
            warned = [line for line in err.splitlines() if line.startswith("goproctl: warning: ")]
            assert sorted(line.split()[2] for line in warned) == ["north:", "south:"], err
            assert all("from this machine's" in line for line in warned), err

            # The Python package: goprod.Rig with the same file.
            with goprod.Rig(rig_file) as rig:
                listed = rig.run("list_cameras")
                assert {h: sorted(c.identifier for c in r) for h, r in listed.items()} == cameras
                offsets = rig.clock_offsets()
                assert set(offsets) == {"north", "south"}
                assert all(isinstance(o, tuple) for o in offsets.values()), offsets
                at = goprod.Rig.instant(1)
                started = rig.run("shutter", False, all=True, start_at=at)
                for host, results in started.items():
                    assert sorted(r.identifier for r in results) == cameras[host], started
                planned = {r.planned.ToNanoseconds() for results in started.values() for r in results}
                assert len(planned) == 1 and abs(planned.pop() - at * 1e9) < 1000, started
        finally:
            await south.__aexit__(None, None, None)
            await north.__aexit__(None, None, None)
    asyncio.run(scenario())


def test_a_client_without_the_rigs_certificate_is_refused(certs):
    async def scenario():
        async with TlsStack(certs, ["--cameras", "1"]) as stack:
            await stack.ready(1)
            target = ["--socket", "ipv4:" + stack.tcp]
            ca = ["--tls-ca", f"{certs}/ca.pem"]
            code, out, err = await run_goproctl(*target, *ca, "--tls-cert", f"{certs}/client.pem",
                                                "--tls-key", f"{certs}/client.key", "list")
            assert code == 0, (out, err)

            # A certificate of another CA, none, or no TLS at all: UNAVAILABLE (5).
            for refused in ([*ca, "--tls-cert", f"{certs}/stranger.pem", "--tls-key", f"{certs}/stranger.key"],
                            ca):
                code, out, err = await run_goproctl(*target, *refused, "list")
                assert code == 5, (refused, out, err)
                assert "cannot reach goprod at ipv4:" + stack.tcp + " over TLS" in err, err
                assert out == ""
            code, out, err = await run_goproctl(*target, "list")
            assert code == 5, (out, err)
            assert "cannot reach goprod" in err, err

            # The Python client: the same files, the same verdicts.
            with goprod.Client(stack.tcp, tls_ca=f"{certs}/ca.pem", tls_cert=f"{certs}/client.pem",
                               tls_key=f"{certs}/client.key") as client:
                assert len(client.list_cameras()) == 1
            with goprod.Client(stack.tcp, tls_ca=f"{certs}/ca.pem", tls_cert=f"{certs}/stranger.pem",
                               tls_key=f"{certs}/stranger.key", timeout=5) as client:
                with pytest.raises(goprod.GoprodError) as refused:
                    client.list_cameras()
                assert refused.value.code.name == "UNAVAILABLE", refused.value

            # goproctl's own checks: TLS is for TCP, and the files must be readable.
            code, out, err = await run_goproctl("--socket", stack.daemon.target, *ca, "list")
            assert code == 2 and "TLS is for TCP targets" in err, err
            code, out, err = await run_goproctl(*target, "--tls-ca", f"{certs}/missing.pem", "list")
            assert code == 2 and f"cannot read {certs}/missing.pem" in err, err
    asyncio.run(scenario())


def test_a_host_that_is_down_is_reported_and_the_others_answer(certs, tmp_path):
    async def scenario():
        north, south = await two_stacks(certs)
        try:
            cameras = await north.ready(1)
            rig_file = write_rig_file(str(tmp_path), certs, {"north": north, "south": south})
            south.daemon.proc.terminate()  # goprod stops cleanly; the rig's exit still checks its code
            await south.daemon.proc.wait()

            code, out, err = await run_goproctl("--rig", rig_file, "list")
            assert code == 5, (out, err)
            table = rows(out)
            assert table[0][:2] == ["HOST", "IDENTIFIER"], out
            assert {row[0] for row in table[1:]} == {"north"} and cameras[0] in {row[1] for row in table[1:]}, out
            assert f"goproctl: south: cannot reach goprod at dns:{south.tcp} over TLS" in err, err
            assert "north" not in err, err

            code, out, err = await run_goproctl("--rig", rig_file, "--all", "shutter", "on", "--at", "+0.5s")
            assert code == 5, (out, err)
            assert any(row[0].strip() == "north" and row[2].strip() == "ok" for row in rows(out)[1:]), out
            assert "goproctl: south: cannot reach goprod" in err, err

            with goprod.Rig(rig_file) as rig:
                listed = rig.run("list_cameras")
                assert cameras[0] in [c.identifier for c in listed["north"]], listed
                assert isinstance(listed["south"], goprod.GoprodError), listed
        finally:
            await south.__aexit__(None, None, None)
            await north.__aexit__(None, None, None)
    asyncio.run(scenario())


def test_goprod_refuses_plaintext_tcp_beyond_loopback_and_unreadable_tls_files(certs, tmp_path):
    async def scenario():
        bus = await PrivateBus().start()
        try:
            for name, config, expected in (
                    ("wide", f'[api]\ntcp_listen = "0.0.0.0:{free_port()}"\n',
                     "is beyond loopback: set tls_certificate, tls_key and tls_client_ca"),
                    ("half", f'[api]\ntcp_listen = "0.0.0.0:{free_port()}"\ntls_key = "{certs}/server.key"\n',
                     "tls_certificate, tls_key and tls_client_ca go together"),
                    ("missing", f'[api]\ntcp_listen = "0.0.0.0:{free_port()}"\n'
                                f'tls_certificate = "{certs}/nothing.pem"\ntls_key = "{certs}/server.key"\n'
                                f'tls_client_ca = "{certs}/ca.pem"\n',
                     f"[api] tls_certificate {certs}/nothing.pem: cannot read it"),
                    ("mismatch", f'[api]\ntcp_listen = "{free_port()}"\n'
                                 f'tls_certificate = "{certs}/server.pem"\ntls_key = "{certs}/client.key"\n'
                                 f'tls_client_ca = "{certs}/ca.pem"\n',
                     f"[api] tls_key {certs}/client.key: is not the key of {certs}/server.pem")):
                workdir = tmp_path / name
                workdir.mkdir()
                (workdir / "goprod.conf").write_text(config)
                daemon = Daemon(bus.address, str(workdir))
                with pytest.raises(RuntimeError) as refused:
                    await daemon.start()
                assert expected in str(refused.value), (name, str(refused.value))
                assert daemon.proc.returncode != 0
                daemon.notify.close()
                daemon.close()
        finally:
            await bus.stop()
    asyncio.run(scenario())


def test_a_reload_to_plaintext_tcp_beyond_loopback_keeps_the_running_configuration(certs):
    async def scenario():
        async with TlsStack(certs, ["--cameras", "1"]) as stack:
            config = os.path.join(stack.tmp.name, "goprod.conf")
            with open(config, "w") as f:
                f.write(f'[api]\ntcp_listen = "0.0.0.0:{stack.port}"\n')
            stack.daemon.notifications.clear()
            os.kill(stack.daemon.proc.pid, signal.SIGHUP)
            await stack.daemon.wait_notification("READY=1")
            assert f'goprod.conf:2: api.tcp_listen: "0.0.0.0:{stack.port}" is beyond loopback' in stack.daemon.output()
            assert "reload: keeping the running configuration" in stack.daemon.output()
            # Still serving mutual TLS as before.
            code, out, err = await run_goproctl("--socket", "ipv4:" + stack.tcp, "--tls-ca", f"{certs}/ca.pem",
                                                "--tls-cert", f"{certs}/client.pem", "--tls-key",
                                                f"{certs}/client.key", "status")
            assert "goprod" in out, (code, out, err)
    asyncio.run(scenario())
