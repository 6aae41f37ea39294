"""Bug lab: three mistakes published in widely copied write-ups of the course, and the check that catches them.

TEACHING CODE. The functions here are deliberately wrong. Nothing that trains
or samples a model imports this module; it exists so that a learner can switch
one mistake on, run the gradient check, and watch the verdicts go red.

Each mistake corrupts one line of one of the course's functions:

* ``output-from-previous-state`` -- the prediction of step t read from the old
  state: y<t> = softmax(Wy a<t-1> + by) instead of softmax(Wy a<t> + by)
  (``rnn_cell_forward`` / ``lstm_cell_forward``; RNN and LSTM).
* ``cell-gradient-drops-forget-gate`` -- the cell-state gradient sent back to
  step t-1 loses both the forget gate and the gradient that came from c<t+1>:
  dc_prev = da_next * o * (1 - tanh²(c_next)) instead of
  (dc_next + da_next * o * (1 - tanh²(c_next))) * f (``lstm_cell_backward``).
* ``backward-drops-next-hidden-gradient`` -- the backward loop feeds each step
  only the loss's own gradient, not what step t+1 sends back through a<t>:
  lstm_cell_backward(da<t>, ...) instead of lstm_cell_backward(da<t> + da_prev, ...)
  (``lstm_backward``).

:func:`iter_mistake_check` runs the gradient check (analytic against centred
differences, as :mod:`engine.gradcheck`) with the correct code or with one
mistake in place, and returns per array the relative error, its verdict and
the difference analytic - numeric for a heatmap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine import lstm, rnn
from engine.activations import softmax
from engine.gradcheck import (
    WRONG,
    CrossEntropyLoss,
    iter_numerical_gradients,
    parameter_names,
    relative_error,
    verdict,
)
from engine.gradient_lab import LabConfig, make_problem
from engine.jobs import FINISH, Job, Progress, Throttle

__all__ = [
    "Mistake",
    "MISTAKES",
    "EQUATIONS",
    "MistakeCheck",
    "rnn_cell_forward_output_from_previous_state",
    "lstm_cell_forward_output_from_previous_state",
    "lstm_cell_backward_cell_gradient_drops_forget_gate",
    "lstm_backward_drops_next_hidden_gradient",
    "iter_mistake_check",
    "mistake_check",
]


@dataclass(frozen=True)
class Mistake:
    """One published mistake.

    cells    -- the cells it applies to
    function -- the course function it corrupts
    line     -- the id of the equation line it corrupts (a key of EQUATIONS[cell])
    correct, faulty -- that line as it should be and as the mistake writes it
    """

    name: str
    title: str
    cells: tuple[str, ...]
    function: str
    line: str
    correct: str
    faulty: str
    explanation: str


MISTAKES: dict[str, Mistake] = {
    m.name: m
    for m in (
        Mistake(
            name="output-from-previous-state",
            title="The output read from the previous hidden state",
            cells=("rnn", "lstm"),
            function="rnn_cell_forward / lstm_cell_forward",
            line="y",
            correct="y<t> = softmax(Wy a<t> + by)",
            faulty="y<t> = softmax(Wy a<t-1> + by)",
            explanation="The prediction of step t must read the state the step has just computed. Reading "
            "a<t-1> shifts every prediction one step late; the backward pass (written for a<t>) then "
            "differentiates a different function from the one the forward pass computes.",
        ),
        Mistake(
            name="cell-gradient-drops-forget-gate",
            title="The cell-state gradient without the forget gate and the next step's cell gradient",
            cells=("lstm",),
            function="lstm_cell_backward",
            line="dc_prev",
            correct="dc_prev = (dc_next + da_next * o<t> * (1 - tanh²(c<t>))) * f<t>",
            faulty="dc_prev = da_next * o<t> * (1 - tanh²(c<t>))",
            explanation="c<t> = f<t> * c<t-1> + ..., so whatever gradient c<t> carries reaches c<t-1> multiplied "
            "by f<t>; and it carries both what c<t+1> sent back and what came through a<t>. Dropping "
            "them cuts the long road the LSTM exists for.",
        ),
        Mistake(
            name="backward-drops-next-hidden-gradient",
            title="The backward pass without the gradient from the next hidden state",
            cells=("lstm",),
            function="lstm_backward",
            line="da_in",
            correct="step t receives da<t> + da_prev (from step t+1)",
            faulty="step t receives da<t> only",
            explanation="a<t> feeds both the output of step t and every gate of step t+1, so its gradient is "
            "the sum of both. Leaving out what step t+1 sends back keeps only the loss's own direct "
            "gradient at each step.",
        ),
    )
}

# The lines of each cell's equations panel, by id (what Mistake.line points at).
EQUATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "rnn": (
        ("a", "a<t> = tanh(Wax x<t> + Waa a<t-1> + ba)"),
        ("y", "y<t> = softmax(Wya a<t> + by)"),
        ("dz", "dz = da_next * (1 - a<t>²)"),
        ("da_prev", "da_prev = Waaᵀ dz"),
        ("da_in", "step t receives da<t> + da_prev (from step t+1)"),
    ),
    "lstm": (
        ("f", "f<t> = σ(Wf [a<t-1>; x<t>] + bf)"),
        ("i", "i<t> = σ(Wi [a<t-1>; x<t>] + bi)"),
        ("cc", "c~<t> = tanh(Wc [a<t-1>; x<t>] + bc)"),
        ("c", "c<t> = f<t> * c<t-1> + i<t> * c~<t>"),
        ("o", "o<t> = σ(Wo [a<t-1>; x<t>] + bo)"),
        ("a", "a<t> = o<t> * tanh(c<t>)"),
        ("y", "y<t> = softmax(Wy a<t> + by)"),
        ("dc", "dc = dc_next + da_next * o<t> * (1 - tanh²(c<t>))"),
        ("dc_prev", "dc_prev = (dc_next + da_next * o<t> * (1 - tanh²(c<t>))) * f<t>"),
        ("da_in", "step t receives da<t> + da_prev (from step t+1)"),
    ),
}


def _mistake(name: str | None) -> Mistake | None:
    if name is None:
        return None
    try:
        return MISTAKES[name]
    except KeyError:
        raise ValueError(f"Unknown mistake {name!r}: choose one of {', '.join(MISTAKES)}.") from None


# -- the faulty variants (each beside the correct function it corrupts) ----------------
def rnn_cell_forward_output_from_previous_state(xt, a_prev, parameters):
    """WRONG on purpose: rnn.rnn_cell_forward with y<t> read from a<t-1>."""
    a_next, _correct_y, cache = rnn.rnn_cell_forward(xt, a_prev, parameters)
    yt_pred = softmax(parameters["Wya"] @ a_prev + parameters["by"])  # the mistake: a_prev, not a_next
    return a_next, yt_pred, cache


def lstm_cell_forward_output_from_previous_state(xt, a_prev, c_prev, parameters):
    """WRONG on purpose: lstm.lstm_cell_forward with y<t> read from a<t-1>."""
    a_next, c_next, _correct_y, cache = lstm.lstm_cell_forward(xt, a_prev, c_prev, parameters)
    yt_pred = softmax(parameters["Wy"] @ a_prev + parameters["by"])  # the mistake: a_prev, not a_next
    return a_next, c_next, yt_pred, cache


def lstm_cell_backward_cell_gradient_drops_forget_gate(da_next, dc_next, cache) -> dict:
    """WRONG on purpose: lstm.lstm_cell_backward whose dc_prev forgets dc_next and the forget gate."""
    gradients = lstm.lstm_cell_backward(da_next, dc_next, cache)
    _a, c_next, _ap, _cp, _ft, _it, _cct, ot, _xt, _p = cache
    gradients["dc_prev"] = da_next * ot * (1.0 - np.tanh(c_next) ** 2)  # the mistake: no dc_next, no * ft
    return gradients


def lstm_backward_drops_next_hidden_gradient(da, caches) -> dict:
    """WRONG on purpose: lstm.lstm_backward that never adds the da_prev step t+1 sends back."""
    return _lstm_backward(da, caches, lstm.lstm_cell_backward, add_next_hidden=False)


# -- whole sequences, built from whichever cell functions are in place ----------------------
def _rnn_forward(x, a0, parameters, cell_forward):
    a, y, caches, a_next = [], [], [], a0
    for t in range(x.shape[2]):
        a_next, yt, cache = cell_forward(x[:, :, t], a_next, parameters)
        a.append(a_next)
        y.append(yt)
        caches.append(cache)
    return np.stack(a, axis=-1), np.stack(y, axis=-1), (caches, x)


def _lstm_forward(x, a0, parameters, cell_forward):
    a, y, caches, a_next, c_next = [], [], [], a0, np.zeros_like(a0)
    for t in range(x.shape[2]):
        a_next, c_next, yt, cache = cell_forward(x[:, :, t], a_next, c_next, parameters)
        a.append(a_next)
        y.append(yt)
        caches.append(cache)
    return np.stack(a, axis=-1), np.stack(y, axis=-1), (caches, x)


def _lstm_backward(da, caches, cell_backward, add_next_hidden: bool = True) -> dict:
    """lstm.lstm_backward's loop with a chosen cell backward (and, for the mistake, without da_prev)."""
    cell_caches, x = caches
    parameters = cell_caches[0][9]
    sums = {f"d{k}": np.zeros_like(parameters[k]) for k in ("Wf", "Wi", "Wc", "Wo", "bf", "bi", "bc", "bo")}
    dx = np.zeros_like(x)
    da_prevt = np.zeros_like(da[:, :, 0])
    dc_prevt = np.zeros_like(da_prevt)
    for t in reversed(range(x.shape[2])):
        da_in = da[:, :, t] + da_prevt if add_next_hidden else da[:, :, t]
        step = cell_backward(da_in, dc_prevt, cell_caches[t])
        dx[:, :, t] = step["dxt"]
        da_prevt, dc_prevt = step["da_prev"], step["dc_prev"]
        for key in sums:
            sums[key] += step[key]
    return {"dx": dx, "da0": da_prevt, **sums}


@dataclass(frozen=True)
class _Code:
    """The functions a check runs: correct ones, or one of them swapped for a mistake."""

    forward: Callable
    backward: Callable


def _code(cell: str, mistake: Mistake | None) -> _Code:
    name = mistake.name if mistake else None
    if cell == "rnn":
        cell_forward = rnn_cell_forward_output_from_previous_state if name == "output-from-previous-state" else rnn.rnn_cell_forward
        return _Code(lambda x, a0, p: _rnn_forward(x, a0, p, cell_forward), rnn.rnn_backward)
    cell_forward = lstm_cell_forward_output_from_previous_state if name == "output-from-previous-state" else lstm.lstm_cell_forward
    if name == "cell-gradient-drops-forget-gate":
        backward = lambda da, caches: _lstm_backward(da, caches, lstm_cell_backward_cell_gradient_drops_forget_gate)  # noqa: E731
    elif name == "backward-drops-next-hidden-gradient":
        backward = lstm_backward_drops_next_hidden_gradient
    else:
        backward = lstm.lstm_backward
    return _Code(lambda x, a0, p: _lstm_forward(x, a0, p, cell_forward), backward)


# -- the check ------------------------------------------------------------------------------
@dataclass
class MistakeCheck:
    """The gradient check of one cell with the correct code (mistake None) or one mistake in place.

    names       -- the arrays checked, in order (parameters, then x and a0)
    rel_errors  -- relative error analytic vs numeric per array; verdicts -- 'good' ... 'wrong'
    difference  -- analytic - numeric per array, in the array's shape (the heatmap)
    complete    -- False when the check was asked to finish early (then only some arrays are checked)
    """

    cell: str
    mistake: Mistake | None
    loss: float
    names: tuple[str, ...]
    analytic: dict[str, np.ndarray]
    numeric: dict[str, np.ndarray] = field(default_factory=dict)
    rel_errors: dict[str, float] = field(default_factory=dict)
    difference: dict[str, np.ndarray] = field(default_factory=dict)
    complete: bool = True

    @property
    def verdicts(self) -> dict[str, str]:
        return {name: verdict(error) for name, error in self.rel_errors.items()}

    @property
    def worst(self) -> float:
        return max(self.rel_errors.values(), default=0.0)

    @property
    def caught(self) -> bool:
        """Did the check find a gradient that is wrong (relative error above 1e-3)?"""
        return self.worst > WRONG

    def heatmap(self, name: str) -> np.ndarray:
        """difference[name] as a 2-D array: matrices as they are, (n, 1) biases as a column, and
        x (n_x, m, T_x) or other 3-D arrays averaged over the batch to (n_x, T_x)."""
        d = self.difference[name]
        if d.ndim == 3:
            return d.mean(axis=1)
        return d if d.ndim == 2 else d.reshape(-1, 1)


def _analytic(cell: str, code: _Code, x, a0, parameters, loss: CrossEntropyLoss):
    """L and the gradients the code in place computes (output layer as gradcheck does it)."""
    a, y_pred, caches = code.forward(x, a0, parameters)
    wy = "Wya" if cell == "rnn" else "Wy"
    dlogits = loss.dlogits(y_pred)
    da = np.einsum("ya,ymt->amt", parameters[wy], dlogits)  # the backward pass believes y<t> reads a<t>
    course = code.backward(da, caches)
    gradients = {}
    for name in parameter_names(cell):
        if name == wy:
            gradients[name] = np.einsum("ymt,amt->ya", dlogits, a)
        elif name == "by":
            gradients[name] = dlogits.sum(axis=(1, 2))[:, None]
        else:
            gradients[name] = course["d" + name]
    gradients["x"], gradients["a0"] = course["dx"], course["da0"]
    return loss.value(y_pred), gradients


def iter_mistake_check(
    mistake: str | None,
    cell: str,
    *,
    n_x: int = 3,
    n_a: int = 5,
    n_y: int = 2,
    m: int = 4,
    T_x: int = 8,
    seed: int = 1,
    scale: float = 1.0,
    loss: str = "all",
    h: float = 1e-5,
) -> Job:
    """The gradient check of ``cell`` with ``mistake`` in place (None: the correct code), as a job.

    The problem is the Gradients tab's (:func:`engine.gradient_lab.make_problem`; the
    settings are LabConfig's), the loss the cross-entropy on every step ("all") or the
    last ("last"). With tiny gradients (small weight scale, long sequences, loss on the
    last step) centred differences cannot resolve them and even the correct code may
    look wrong; the defaults are well inside what the check resolves. Yields Progress(step = numbers
    perturbed, total) and returns a :class:`MistakeCheck`; on FINISH it returns the
    arrays checked so far (complete False).
    """
    chosen = _mistake(mistake)
    if cell not in ("rnn", "lstm"):
        raise ValueError(f"Unknown cell {cell!r}: choose rnn or lstm.")
    if chosen is not None and cell not in chosen.cells:
        raise ValueError(f"The mistake {chosen.name} is in the {' and '.join(c.upper() for c in chosen.cells)} "
                         f"code only, not the {cell.upper()}.")
    config = LabConfig(
        cell=cell, n_x=n_x, n_a=n_a, n_y=n_y, m=m, T_x=T_x, seed=seed, scale=scale, loss=loss, use_tf=False, h=h
    )
    problem = make_problem(config, cell)
    code = _code(cell, chosen)
    objective = CrossEntropyLoss(problem.targets, loss)
    value, analytic = _analytic(cell, code, problem.x, problem.a0, problem.parameters, objective)
    names = (*parameter_names(cell), "x", "a0")
    result = MistakeCheck(cell=cell, mistake=chosen, loss=value, names=names, analytic=analytic)

    arrays = {name: np.array(problem.parameters[name], dtype=np.float64, order="C") for name in names[:-2]}
    arrays["x"] = np.array(problem.x, dtype=np.float64, order="C")
    arrays["a0"] = np.array(problem.a0, dtype=np.float64, order="C")
    params = {name: arrays[name] for name in names[:-2]}

    def perturbed_loss() -> float:
        return objective.value(code.forward(arrays["x"], arrays["a0"], params)[1])

    total = sum(a.size for a in arrays.values())
    done = 0
    throttle = Throttle(0.05)
    for name in names:
        job = iter_numerical_gradients(perturbed_loss, {name: arrays[name]}, h)
        while True:
            try:
                step, _count = next(job)
            except StopIteration as stop:
                numeric = stop.value[name]
                break
            if throttle() and (
                yield Progress(step=done + step, total=total, message=f"{cell.upper()}: numerical d{name}")
            ) is FINISH:
                job.close()
                result.complete = False
                return result
        done += arrays[name].size
        result.numeric[name] = numeric
        result.rel_errors[name] = relative_error(analytic[name], numeric)
        result.difference[name] = analytic[name] - numeric
    return result


def mistake_check(mistake: str | None, cell: str, **settings) -> MistakeCheck:
    """:func:`iter_mistake_check` run to the end."""
    job = iter_mistake_check(mistake, cell, **settings)
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return stop.value
