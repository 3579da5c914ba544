"""issue 17: the capture journal on the real goprod and goprod-sim: every shutter (immediate
and planned) with each camera's times, the encoding changes the cameras push and the file
each capture made, through ListCaptures, `goproctl journal` and the JSON lines file in the
state directory; rotation bounds it; it holds no secret; a SIGKILL leaves whole lines only
and the numbering goes on after a restart."""
import asyncio
import json
import os
import signal
import time

from google.protobuf.json_format import Parse
from google.protobuf.timestamp_pb2 import Timestamp

from goprod.v1 import goprod_pb2 as pb
from harness import goproctl
from rig import Rig

SSID, PASSWORD = "ATTTp4r6Fi", "att-p4r6-pass"  # a network of the sim, new to the camera


def nanos(stamp):
    return stamp.seconds * 1_000_000_000 + stamp.nanos


def journal_path(rig):
    return os.path.join(rig.daemon.state_dir, "capture-journal.jsonl")


def file_entries(path):
    """Every line of a journal file as a CaptureEntry: each must be whole and parse."""
    with open(path, "rb") as f:
        text = f.read().decode()
    assert text == "" or text.endswith("\n"), "the last line is cut short"
    return [Parse(line, pb.CaptureEntry()) for line in text.splitlines()]


async def captures(rig, **fields):
    entries, request = [], pb.ListCapturesRequest(**fields)
    while True:
        page = await rig.stub.ListCaptures(request, timeout=10)
        entries.extend(page.entries)
        if not page.more:
            return entries
        request.after_sequence = page.entries[-1].sequence


async def wait_for_captures(rig, predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        entries = await captures(rig)
        if predicate(entries):
            return entries
        assert time.monotonic() < deadline, [(e.WhichOneof("entry"), getattr(e, e.WhichOneof("entry"))) for e in entries]
        await asyncio.sleep(0.05)  # polling the journal for a condition, with a deadline


class JournalRig(Rig):
    """A rig whose journal rotates at `max_size_mib` when given."""

    def __init__(self, *args, max_size_mib=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_size_mib = max_size_mib

    async def start_daemon(self):
        if self.max_size_mib is not None:
            with open(os.path.join(self.tmp.name, "goprod.conf"), "w") as f:
                f.write(f"[journal]\nmax_size_mib = {self.max_size_mib}\n")
        await super().start_daemon()


def test_a_capture_is_journaled_with_its_times_encoding_changes_and_files():
    async def scenario():
        async with JournalRig(["--cameras", "2"]) as rig:
            cams = await rig.ready(2)
            # A password goes to a camera; it must never reach the journal.
            code, out, err = await goproctl(rig.daemon, "-i", cams[0], "wifi", "connect", SSID, PASSWORD)
            assert code == 0, (out, err)
            on = await rig.stub.SetShutter(pb.SetShutterRequest(target=pb.CameraRequest(all=True), on=True),
                                           timeout=10)
            start_at = Timestamp()
            start_at.FromNanoseconds(time.time_ns() + 500_000_000)
            off = await rig.stub.SetShutter(pb.SetShutterRequest(target=pb.CameraRequest(all=True), on=False,
                                                                 start_at=start_at), timeout=20)

            def complete(entries):
                return sum(e.HasField("media") for e in entries) == 2
            entries = await wait_for_captures(rig, complete)
            kinds = [e.WhichOneof("entry") for e in entries]
            assert kinds.count("shutter") == 2 and kinds.count("encoding") == 4, kinds
            assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
            shutters = [e for e in entries if e.HasField("shutter")]
            assert shutters[0].shutter.on and not shutters[0].shutter.HasField("planned")
            assert shutters[0].shutter.result == on, "the journal keeps what the caller was told"
            assert not shutters[1].shutter.on and shutters[1].shutter.planned == start_at
            assert shutters[1].shutter.result == off
            sent_on = {r.identifier: nanos(r.sent) for r in on.results}
            sent_off = {r.identifier: nanos(r.sent) for r in off.results}
            for cam in cams:
                changes = [e for e in entries if e.HasField("encoding") and e.encoding.camera == cam]
                assert [c.encoding.encoding for c in changes] == [True, False], changes
                # Each change arrived after the write that caused it, stamped as it came.
                assert nanos(changes[0].time) > sent_on[cam]
                assert nanos(changes[1].time) > sent_off[cam] >= nanos(start_at)
                (media,) = [e.media for e in entries if e.HasField("media") and e.media.camera == cam]
                (last,) = (await rig.stub.GetLastMedia(pb.CameraRequest(cameras=[cam]), timeout=10)).cameras
                assert (media.folder, media.file) == (last.folder, last.file) and media.file, media

            # The file holds the same entries, one JSON object a line.
            assert file_entries(journal_path(rig)) == entries
            with open(journal_path(rig)) as f:
                assert PASSWORD not in f.read()
            assert PASSWORD not in str(entries)
            assert (os.stat(journal_path(rig)).st_mode & 0o777) == 0o600

            # A time range: only what came after the first shutter's entry.
            later = await captures(rig, since=entries[1].time)
            assert [e.sequence for e in later] == [e.sequence for e in entries[1:]]

            code, out, err = await goproctl(rig.daemon, "journal")
            assert code == 0, (out, err)
            lines = out.splitlines()
            assert lines[0].split() == ["TIME", "CAMERA", "EVENT", "DETAIL"], out
            for cam in cams:
                assert any(cam in line and "shutter on" in line and "acknowledged after" in line for line in lines)
                assert any(cam in line and "shutter off (planned)" in line and "after the plan" in line
                           for line in lines), out
                assert any(cam in line and "encoding started" in line for line in lines), out
                assert any(cam in line and "media" in line and ".MP4" in line for line in lines), out
            code, out, err = await goproctl(rig.daemon, "journal", "--json", "--since", "-1h")
            assert code == 0, (out, err)
            assert [Parse(line, pb.CaptureEntry()) for line in out.splitlines()] == entries
            code, out, err = await goproctl(rig.daemon, "journal", "--json", "-i", cams[0])
            assert code == 0, (out, err)
            assert [Parse(line, pb.CaptureEntry()) for line in out.splitlines()] == \
                [e for e in entries if e.HasField("shutter") or cams[0] in (e.encoding.camera, e.media.camera)], \
                "-i keeps the entries about that camera (shutter entries whole)"
            code, out, err = await goproctl(rig.daemon, "journal", "--since", "+1h")
            assert (code, out) == (0, ""), (out, err)
    asyncio.run(scenario())


def test_the_journal_rotates_and_stays_bounded():
    async def scenario():
        async with JournalRig(["--cameras", "4"], max_size_mib=1) as rig:
            await rig.ready(4)
            path = journal_path(rig)
            request = pb.SetShutterRequest(target=pb.CameraRequest(all=True), on=False)
            calls = 0
            # Until the file has been rotated twice: the older file is replaced, never a third kept.
            while True:
                await asyncio.gather(*(rig.stub.SetShutter(request, timeout=10) for _ in range(16)))
                calls += 16
                oldest = (await rig.stub.ListCaptures(pb.ListCapturesRequest(limit=1), timeout=10)).entries
                if os.path.exists(path + ".1") and oldest[0].sequence > 1:
                    oldest_kept = oldest[0].sequence
                    if oldest_kept > calls / 3:
                        break
                assert calls < 5000, "the journal never rotated twice"
            assert os.path.getsize(path) <= 1 << 20 and os.path.getsize(path + ".1") <= 1 << 20
            assert not os.path.exists(path + ".2")
            kept = file_entries(path + ".1") + file_entries(path)
            assert [e.sequence for e in kept] == list(range(kept[0].sequence, kept[-1].sequence + 1)), \
                "nothing lost between the two files"
            assert kept[-1].sequence == calls
            print(f"{calls} shutter calls on 4 cameras; entries {kept[0].sequence}..{kept[-1].sequence} kept")
    asyncio.run(scenario())


def test_a_sigkill_leaves_whole_lines_and_the_numbering_goes_on():
    async def scenario():
        async with JournalRig(["--cameras", "4"]) as rig:
            await rig.ready(4)
            request = pb.SetShutterRequest(target=pb.CameraRequest(all=True), on=False)
            calls = [asyncio.ensure_future(rig.stub.SetShutter(request, timeout=10)) for _ in range(64)]
            await asyncio.wait_for(asyncio.shield(calls[8]), 10)  # entries are being written
            rig.daemon.proc.send_signal(signal.SIGKILL)
            await rig.daemon.proc.wait()
            for call in calls:
                call.cancel()
            await asyncio.gather(*calls, return_exceptions=True)
            await rig.channel.close()
            rig.daemon.close()
            with open(journal_path(rig), "rb") as f:
                *whole, cut = f.read().decode().split("\n")
            # Every line that has its newline parses; a line cut short by the kill could only be the last.
            before = [Parse(line, pb.CaptureEntry()) for line in whole]
            print(f"{len(before)} entries on disk at the kill; cut line: {cut!r}")

            await rig.start_daemon()
            await rig.ready(4)
            entries = await captures(rig)
            sequences = [e.sequence for e in entries]
            assert sequences == list(range(1, len(sequences) + 1)) and len(sequences) >= 9, sequences
            assert entries == before, "the journal after the restart is what was on disk"
            await rig.stub.SetShutter(request, timeout=10)
            after = await wait_for_captures(rig, lambda e: len(e) == len(entries) + 1)
            assert after[-1].sequence == len(entries) + 1 and after[-1].HasField("shutter")
            file_entries(journal_path(rig))  # every line whole
    asyncio.run(scenario())
