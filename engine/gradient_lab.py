"""The Gradients tab's computation: one random problem, checked three ways, as one job.

For each chosen cell (RNN, LSTM or both) the job

1. builds a random problem from the settings (inputs, initial state, targets,
   weights with a chosen scale),
2. computes the analytic gradients of the loss with the course's backward
   functions (:mod:`engine.gradcheck`),
3. compares them with centred differences, element by element -- the slow
   part, which reports progress and can be stopped,
4. optionally compares them with TensorFlow's autodiff
   (:mod:`engine.tf_reference`, imported on a helper thread so that Stop
   still works while TensorFlow loads),
5. and records the gradient flow ||dL/da<t>|| for a loss on the last step.

It is a plain generator (see :mod:`engine.jobs`): the window runs it on a
worker thread, the command line and the tests with :func:`engine.jobs.run_job`.
"""

from __future__ import annotations

import copy
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from engine.gradcheck import (
    ACCEPTABLE,
    CELLS,
    LOSS_STEPS,
    CrossEntropyLoss,
    gradient_flow,
    iter_gradient_check,
    parameter_names,
    relative_error,
    sequence_forward,
    verdict,
)
from engine.jobs import FINISH, Job, Progress, Throttle
from engine.lstm_gates import GATES

__all__ = [
    "CELL_CHOICES",
    "LIMITS",
    "LabConfig",
    "Problem",
    "ArrayRow",
    "CellReport",
    "LabResult",
    "make_problem",
    "flow_factor",
    "gradient_lab_job",
]

CELL_CHOICES = ("rnn", "lstm", "both")

# Allowed ranges of the integer settings (inclusive); the tab's spin boxes use the same.
LIMITS = {
    "n_x": (1, 32),
    "n_a": (1, 32),
    "n_y": (2, 16),
    "m": (1, 32),
    "T_x": (1, 60),
    "seed": (0, 2**31 - 1),
}
SCALE_RANGE = (0.01, 20.0)
STOPPED_BEFORE_TF = "Stopped before the TensorFlow cross-check."


@dataclass(frozen=True)
class LabConfig:
    """The settings of one check.

    Weights are drawn as ``scale * N(0, 1/fan_in)``: scale 1 keeps the
    pre-activations of order one, a small scale makes gradients vanish over
    time, a large one makes the RNN's grow (until tanh saturates). The output
    layer is N(0, 1/n_a) and biases N(0, 0.1²) whatever the scale.
    """

    cell: str = "both"
    n_x: int = 3
    n_a: int = 5
    n_y: int = 2
    m: int = 4
    T_x: int = 12
    seed: int = 1
    scale: float = 1.0
    loss: str = "all"
    use_tf: bool = True
    h: float = 1e-5

    def validate(self) -> None:
        """Raise ValueError with a sentence a user can act on."""
        if self.cell not in CELL_CHOICES:
            raise ValueError(f"Unknown cell {self.cell!r}: choose rnn, lstm or both.")
        if self.loss not in LOSS_STEPS:
            raise ValueError(f"Unknown loss {self.loss!r}: choose 'all' (every step) or 'last' (last step).")
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}.")
        low, high = SCALE_RANGE
        if not (np.isfinite(self.scale) and low <= self.scale <= high):
            raise ValueError(f"The weight scale must be between {low} and {high}, not {self.scale!r}.")
        if not (0 < self.h < 0.1):
            raise ValueError(f"The difference step h must be small and positive, not {self.h!r}.")

    @property
    def cells(self) -> tuple[str, ...]:
        return CELLS if self.cell == "both" else (self.cell,)

    def elements(self, cell: str) -> int:
        """How many numbers the numerical check perturbs for ``cell`` (every parameter, x and a0)."""
        n_x, n_a, n_y = self.n_x, self.n_a, self.n_y
        if cell == "rnn":
            recurrent = n_a * n_x + n_a * n_a + n_a
        else:
            recurrent = 4 * (n_a * (n_a + n_x) + n_a)
        output = n_y * n_a + n_y
        return recurrent + output + n_x * self.m * self.T_x + n_a * self.m


@dataclass
class Problem:
    """One random instance: inputs x (n_x, m, T_x), a0 (n_a, m), targets (m, T_x), parameters."""

    cell: str
    x: np.ndarray
    a0: np.ndarray
    targets: np.ndarray
    parameters: dict[str, np.ndarray]


def make_problem(config: LabConfig, cell: str) -> Problem:
    """The random problem for ``cell``. Both cells of one seed share x, a0 and the targets."""
    config.validate()
    n_x, n_a, n_y, m, T_x = config.n_x, config.n_a, config.n_y, config.m, config.T_x
    data = np.random.default_rng(config.seed)
    x = data.standard_normal((n_x, m, T_x))
    a0 = data.uniform(-1.0, 1.0, (n_a, m))  # a plausible hidden state: tanh's range
    targets = data.integers(0, n_y, (m, T_x))

    weights = np.random.default_rng([config.seed, CELLS.index(cell) + 1])

    def matrix(rows: int, fan_in: int, scale: float) -> np.ndarray:
        return scale * weights.standard_normal((rows, fan_in)) / np.sqrt(fan_in)

    def bias(rows: int) -> np.ndarray:
        return 0.1 * weights.standard_normal((rows, 1))

    if cell == "rnn":
        parameters = {
            "Wax": matrix(n_a, n_x, config.scale),
            "Waa": matrix(n_a, n_a, config.scale),
            "ba": bias(n_a),
            "Wya": matrix(n_y, n_a, 1.0),
            "by": bias(n_y),
        }
    else:
        parameters = {}
        for gate in GATES:
            parameters[f"W{gate}"] = matrix(n_a, n_a + n_x, config.scale)
            parameters[f"b{gate}"] = bias(n_a)
        parameters["Wy"] = matrix(n_y, n_a, 1.0)
        parameters["by"] = bias(n_y)
    return Problem(cell=cell, x=x, a0=a0, targets=targets, parameters=parameters)


@dataclass
class ArrayRow:
    """One line of the results table.

    name: the gradient's name in the course's style ("dWax", "dx", "da0").
    numeric_floor: roughly the smallest relative error centred differences
    can reach for this array in float64: each loss is rounded by about ε·|L|,
    so each difference quotient carries about ε·|L|/2h, compared here with
    the gradient's norm. A gradient far smaller than the loss (vanishing)
    cannot be checked numerically to better than this.
    """

    cell: str
    name: str
    shape: tuple[int, ...]
    norm: float
    rel_err_numeric: float
    rel_err_tf: float | None = None
    numeric_floor: float = 0.0

    @property
    def resolvable(self) -> bool:
        """Can centred differences check this gradient to the 'acceptable' level at all?"""
        return self.numeric_floor <= ACCEPTABLE

    def numeric_verdict(self) -> str:
        """The verdict on the numerical column; 'unresolved' when a poor match is all rounding allows."""
        judged = verdict(self.rel_err_numeric)
        if judged in ("suspicious", "wrong") and not self.resolvable:
            return "unresolved"
        return judged

    def tf_verdict(self) -> str | None:
        return None if self.rel_err_tf is None else verdict(self.rel_err_tf)


@dataclass
class CellReport:
    """Everything the tab shows for one cell.

    flow (T_x,): ||dL/da<t>|| for a loss on the last step; flow_gradient
    (n_a, m, T_x): that dL/da<t>; activations (n_a, m, T_x): the hidden
    states a<t>; gradients: the analytic gradients of the chosen loss by row name.
    """

    cell: str
    loss: float
    rows: list[ArrayRow]
    flow: np.ndarray
    flow_gradient: np.ndarray
    activations: np.ndarray
    gradients: dict[str, np.ndarray]

    @property
    def flow_factor(self) -> float | None:
        """The gradient flow's average factor per step back in time (see :func:`flow_factor`)."""
        return flow_factor(self.flow)


def flow_factor(norms: np.ndarray) -> float | None:
    """The average factor by which ||dL/da<t>|| changes per step back in time, or None for one step.

    norms (T_x,) for a loss on the last step: the geometric mean of norms[t-1] / norms[t],
    (norms[0] / norms[-1]) ** (1 / (T_x - 1)). Below 1 the gradient vanishes, above 1 it explodes.
    """
    norms = np.maximum(np.asarray(norms, dtype=np.float64), 1e-300)  # a vanished gradient is tiny, not zero
    if norms.size < 2:
        return None
    return float((norms[0] / norms[-1]) ** (1.0 / (norms.size - 1)))


@dataclass
class LabResult:
    config: LabConfig
    cells: list[CellReport] = field(default_factory=list)
    tf_status: str = "skipped"  # "skipped", "pending", "checked" or a sentence saying why it failed
    numeric_seconds: float = 0.0
    tf_seconds: float = 0.0

    @property
    def rows(self) -> list[ArrayRow]:
        return [row for report in self.cells for row in report.rows]

    def worst(self) -> float:
        """The largest relative error in the table (numerical and TensorFlow columns)."""
        errors = [row.rel_err_numeric for row in self.rows]
        errors += [row.rel_err_tf for row in self.rows if row.rel_err_tf is not None]
        return max(errors, default=0.0)


def _check_cell(config: LabConfig, cell: str, done_before: int, total: int, throttle: Throttle):
    """Yields Progress while differencing; returns (CellReport, Problem, loss), or None when asked to finish."""
    problem = make_problem(config, cell)
    loss = CrossEntropyLoss(problem.targets, config.loss)
    names = list(parameter_names(cell)) + ["x", "a0"]
    sizes = [problem.parameters[n].size for n in names[:-2]] + [problem.x.size, problem.a0.size]
    ends = np.cumsum(sizes)

    check = iter_gradient_check(cell, problem.x, problem.a0, problem.parameters, loss, config.h)
    while True:
        try:
            done, _count = next(check)
        except StopIteration as stop:
            result = stop.value
            break
        if throttle():
            current = names[int(np.searchsorted(ends, done, side="left"))]
            reply = yield Progress(
                step=done_before + done,
                total=total,
                message=f"{cell.upper()}: numerical gradient of d{current}",
            )
            if reply is FINISH:
                check.close()
                return None  # this cell is not done: the caller keeps the cells that are

    flow, flow_gradient = gradient_flow(cell, problem.x, problem.a0, problem.parameters, problem.targets)
    activations = sequence_forward(cell, problem.x, problem.a0, problem.parameters)[0]
    eps = np.finfo(np.float64).eps
    rows = []
    for name in names:
        analytic = result.analytic[name]
        norm = float(np.linalg.norm(analytic))
        scale = max(norm, float(np.linalg.norm(result.numeric[name])), 1e-300)  # as in relative_error
        floor = eps * max(abs(result.loss), 1.0) / (2 * config.h) * np.sqrt(analytic.size) / scale
        rows.append(
            ArrayRow(
                cell=cell,
                name="d" + name,
                shape=tuple(analytic.shape),
                norm=norm,
                rel_err_numeric=result.rel_errors[name],
                numeric_floor=float(min(floor, 1.0)),
            )
        )
    report = CellReport(
        cell=cell,
        loss=result.loss,
        rows=rows,
        flow=flow,
        flow_gradient=flow_gradient,
        activations=activations,
        gradients={"d" + name: g for name, g in result.analytic.items()},
    )
    return report, problem, loss


def _load_tensorflow(message: str):
    """Import TensorFlow on a helper thread, yielding Progress (unknown total) until it is loaded.

    Returns None on success or the reason it failed. The import itself cannot
    be interrupted; if the job is stopped meanwhile the helper simply finishes.
    """
    if "tensorflow" in sys.modules:
        return None
    outcome: dict[str, BaseException] = {}

    def load() -> None:
        try:
            from engine.tf_reference import import_tensorflow

            import_tensorflow()
        except BaseException as exc:  # reported to the job, which reports it to the user
            outcome["error"] = exc

    helper = threading.Thread(target=load, name="import-tensorflow")
    helper.start()
    while helper.is_alive():
        if (yield Progress(step=0, total=None, message=message)) is FINISH:
            return STOPPED_BEFORE_TF  # the import goes on in the helper; nothing waits for it
        helper.join(0.05)
    error = outcome.get("error")
    return None if error is None else f"TensorFlow could not be loaded: {error}"


def _finished_early(result: LabResult, started: float) -> LabResult | None:
    """The result of a check asked to finish during the numerical part: the whole cells, or None."""
    if not result.cells:
        return None
    result.numeric_seconds = time.perf_counter() - started
    if result.tf_status == "pending":
        result.tf_status = STOPPED_BEFORE_TF
    return result


def gradient_lab_job(config: LabConfig) -> Job:
    """The job behind the Gradients tab. Returns a :class:`LabResult`.

    Yields Progress(step = numbers perturbed so far, total = all of them)
    during the numerical check; once that is done it yields one event whose
    payload is the result so far (TensorFlow column still empty), then
    events with an unknown total while TensorFlow loads and checks.

    Sent :data:`engine.jobs.FINISH` it returns what it has: the cells checked so
    far (None if none is), without the TensorFlow column if that was not done.
    """
    config.validate()
    total = sum(config.elements(cell) for cell in config.cells)
    throttle = Throttle(0.05)
    result = LabResult(config=config, tf_status="pending" if config.use_tf else "skipped")
    problems = []

    started = time.perf_counter()
    done = 0
    for cell in config.cells:
        if (yield Progress(step=done, total=total, message=f"{cell.upper()}: analytic gradients")) is FINISH:
            return _finished_early(result, started)
        checked = yield from _check_cell(config, cell, done, total, throttle)
        if checked is None:
            return _finished_early(result, started)
        report, problem, loss = checked
        result.cells.append(report)
        problems.append((problem, loss))
        done += config.elements(cell)
    result.numeric_seconds = time.perf_counter() - started
    reply = yield Progress(step=total, total=total, message="Numerical check done", payload=copy.deepcopy(result))

    if config.use_tf:
        if reply is FINISH:
            result.tf_status = STOPPED_BEFORE_TF
            return result
        started = time.perf_counter()
        error = yield from _load_tensorflow("Loading TensorFlow for the autodiff cross-check…")
        if error is not None:
            result.tf_status = error
            return result
        from engine.tf_reference import loss_gradients

        for report, (problem, loss) in zip(result.cells, problems, strict=True):
            reply = yield Progress(step=total, total=None, message=f"{report.cell.upper()}: TensorFlow autodiff")
            if reply is FINISH:
                for row in result.rows:
                    row.rel_err_tf = None  # a column is either whole or empty
                result.tf_status = STOPPED_BEFORE_TF
                return result
            _value, reference = loss_gradients(problem.cell, problem.x, problem.a0, problem.parameters, loss)
            for row in report.rows:
                row.rel_err_tf = relative_error(report.gradients[row.name], reference[row.name[1:]])
        result.tf_seconds = time.perf_counter() - started
        result.tf_status = "checked"
    return result
