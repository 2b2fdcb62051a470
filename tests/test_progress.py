"""derive.progress: stages and steps reach the installed reporter (nobody by default),
nest, end on errors, and travel into the forked worker of run_bounded."""

import os

import pytest

from derive import progress
from derive.bounded import run_bounded
from derive.errors import InputError, TooLarge


class Recorder:
    """A reporter that keeps every call (in this process)."""

    def __init__(self):
        self.calls = []

    def start(self, name, total):
        self.calls.append(("start", name, total))

    def advance(self, steps):
        self.calls.append(("advance", steps))

    def end(self):
        self.calls.append(("end",))

    def clear(self):
        self.calls.append(("clear",))


class FileRecorder(Recorder):
    """A reporter that writes every call to a file: what a forked worker reports is seen
    by the parent (each write goes through the one shared file description)."""

    def __init__(self, path):
        super().__init__()
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def start(self, name, total):
        os.write(self.fd, f"{os.getpid()} start {name} {total}\n".encode())

    def advance(self, steps):
        os.write(self.fd, f"{os.getpid()} advance {steps}\n".encode())

    def end(self):
        os.write(self.fd, f"{os.getpid()} end\n".encode())


def _work(steps):
    with progress.stage("outer", total=steps):
        for _ in range(steps):
            with progress.stage("inner"):
                pass
            progress.advance()
    return steps


def test_without_a_reporter_nothing_happens():
    assert progress._reporter is None
    assert _work(3) == 3


@pytest.mark.parametrize("steps, calls", [
    (0, [("start", "outer", 0), ("end",)]),
    (2, [("start", "outer", 2), ("start", "inner", None), ("end",), ("advance", 1),
         ("start", "inner", None), ("end",), ("advance", 1), ("end",)]),
])
def test_stages_nest_and_reach_the_reporter_in_order(steps, calls):
    recorder = Recorder()
    with progress.reporting(recorder):
        _work(steps)
    assert recorder.calls == calls
    assert progress._reporter is None   # the previous one (nobody) again


def test_a_stage_left_by_an_error_is_ended():
    recorder = Recorder()
    with progress.reporting(recorder), pytest.raises(InputError):
        with progress.stage("failing", total=4):
            progress.advance(2)
            raise InputError("bad")
    assert recorder.calls == [("start", "failing", 4), ("advance", 2), ("end",)]


def test_the_worker_reports_through_the_reporter_it_inherits(tmp_path):
    log = tmp_path / "calls"
    with progress.reporting(FileRecorder(log)):
        assert run_bounded(_work, 2, seconds=30) == 2
    lines = log.read_text().splitlines()
    assert {line.split()[0] for line in lines} != {str(os.getpid())}   # from the worker
    assert [" ".join(line.split()[1:]) for line in lines] == [
        "start outer 2", "start inner None", "end", "advance 1",
        "start inner None", "end", "advance 1", "end"]


def _hangs():
    import time
    with progress.stage("hanging"):
        time.sleep(60)


def test_a_stopped_worker_has_its_progress_cleared():
    recorder = Recorder()
    with progress.reporting(recorder), pytest.raises(TooLarge, match="too large to hang"):
        run_bounded(_hangs, seconds=1, task="hang")
    # The worker's start is in its own memory; here only the parent's call is seen.
    assert recorder.calls == [("clear",)]
