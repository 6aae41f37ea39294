"""The job protocol: generators that report progress, return a result and stop when closed."""

import pytest

from engine.jobs import FINISH, Interrupts, Progress, Throttle, finish_job, run_job


def counting_job(n, log):
    try:
        for i in range(n):
            yield Progress(step=i + 1, total=n, metrics={"i": float(i)})
        return "done"
    finally:
        log.append("cleaned up")


def test_run_job_delivers_every_event_and_the_result():
    seen, log = [], []
    result = run_job(counting_job(5, log), seen.append)
    assert result == "done"
    assert [e.step for e in seen] == [1, 2, 3, 4, 5]
    assert log == ["cleaned up"]


def test_closing_a_job_runs_its_cleanup_and_stops_it():
    log = []
    job = counting_job(100, log)
    next(job)
    job.close()
    assert log == ["cleaned up"]
    with pytest.raises(StopIteration):
        next(job)


def test_an_exception_in_a_job_reaches_the_caller_and_closes_it():
    log = []

    def failing():
        try:
            yield Progress(step=1)
            raise ValueError("bad corpus")
        finally:
            log.append("closed")

    with pytest.raises(ValueError, match="bad corpus"):
        run_job(failing())
    assert log == ["closed"]


@pytest.mark.parametrize(("step", "total", "expected"), [(0, 10, 0.0), (5, 10, 0.5), (12, 10, 1.0), (3, None, None)])
def test_progress_fraction(step, total, expected):
    assert Progress(step=step, total=total).fraction == expected


def test_throttle_says_yes_only_after_its_interval(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("engine.jobs.time.perf_counter", lambda: clock[0])
    throttle = Throttle(0.05)
    assert not throttle()
    clock[0] += 0.049
    assert not throttle()
    clock[0] += 0.002
    assert throttle()
    assert not throttle()


def finishing_job(n, log):
    """Trains 'n' steps; asked to finish, returns what it has."""
    done = 0
    try:
        for i in range(n):
            done = i + 1
            if (yield Progress(step=done, total=n)) is FINISH:
                break
        return f"kept {done}"
    finally:
        log.append("cleaned up")


def test_finish_returns_the_result_so_far_and_cancel_returns_nothing():
    log = []
    job = finishing_job(100, log)
    for _ in range(3):
        next(job)
    assert finish_job(job) == (True, "kept 3")
    assert log == ["cleaned up"]

    job = finishing_job(100, log)
    next(job)
    job.close()
    assert log == ["cleaned up", "cleaned up"]


def test_a_job_that_ignores_finish_is_cancelled():
    log = []
    job = counting_job(100, log)
    next(job)
    assert finish_job(job) == (False, None)
    assert log[-1] == "cleaned up"


def test_run_job_finishes_when_asked():
    seen = []
    result = run_job(finishing_job(100, []), seen.append, should_finish=lambda: len(seen) >= 4)
    assert result == "kept 4"
    assert len(seen) == 4


def test_ctrl_c_becomes_a_finish_request_and_a_second_one_interrupts(capsys):
    import os
    import signal

    seen = []

    def report(event):
        seen.append(event)
        if len(seen) == 2:
            os.kill(os.getpid(), signal.SIGINT)

    with Interrupts("stopping: keeping what was learnt") as interrupts:
        result = run_job(finishing_job(100, []), report, should_finish=interrupts)
    assert interrupts.count == 1 and result == "kept 2"
    assert capsys.readouterr().err == "stopping: keeping what was learnt\n"  # said at once, once
    with pytest.raises(KeyboardInterrupt):
        with Interrupts():
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
