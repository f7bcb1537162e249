"""`manage.py scheduler`: each job keeps its own schedule, so a slow rollup cannot hold up the
5-second ranking feed. The clock is a fake the test moves; real waits only guard against a hang."""

import threading

from core.scheduler import Job, Scheduler

GENEROUS = 10  # seconds: a hang guard, not a timing assertion


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_a_slow_job_does_not_delay_a_fast_one():
    clock = FakeClock()
    slow_started, release = threading.Event(), threading.Event()
    fast_ran = threading.Semaphore(0)
    fast_runs: list[float] = []

    def rollup():  # a month's rollup that takes "forever"
        slow_started.set()
        release.wait(GENEROUS * 3)

    def feed():
        fast_runs.append(clock())
        fast_ran.release()

    scheduler = Scheduler([Job("rollup", 30, rollup), Job("feed", 5, feed)], clock=clock, poll_seconds=0.005)
    scheduler.start()
    try:
        assert slow_started.wait(GENEROUS)
        assert fast_ran.acquire(timeout=GENEROUS)
        for _beat in range(3):
            clock.advance(5)
            assert fast_ran.acquire(timeout=GENEROUS), "the feed waited for the rollup"
        assert fast_runs == [0, 5, 10, 15]
        assert not release.is_set()  # the rollup was running all along
    finally:
        release.set()
        scheduler.stop()
    assert not any(thread.is_alive() for thread in scheduler.threads)


def test_a_failing_job_runs_again_at_its_next_turn_and_others_go_on():
    clock = FakeClock()
    failures, ticks = threading.Semaphore(0), threading.Semaphore(0)

    def broken():
        failures.release()
        raise RuntimeError("database away")

    scheduler = Scheduler([Job("broken", 60, broken), Job("tick", 5, ticks.release)], clock=clock, poll_seconds=0.005)
    scheduler.start()
    try:
        assert failures.acquire(timeout=GENEROUS) and ticks.acquire(timeout=GENEROUS)
        clock.advance(60)
        assert failures.acquire(timeout=GENEROUS) and ticks.acquire(timeout=GENEROUS)
    finally:
        scheduler.stop()


def test_a_job_waits_for_its_period():
    clock = FakeClock()
    runs = threading.Semaphore(0)
    scheduler = Scheduler([Job("tick", 5, runs.release)], clock=clock, poll_seconds=0.005)
    scheduler.start()
    try:
        assert runs.acquire(timeout=GENEROUS)
        clock.advance(4)
        assert not runs.acquire(timeout=0.2)  # not due yet: the fake clock says 4 s
        clock.advance(1)
        assert runs.acquire(timeout=GENEROUS)
    finally:
        scheduler.stop()
