"""The machine a benchmark ran on, as its figures name it."""
import os


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for row in f:
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    return {"cpu": model, "cpus": os.cpu_count(), "kernel": os.uname().release}
