"""Gradient-flow experiments: three set-ups that show the course's lesson on vanishing and exploding gradients.

Each experiment builds a random sequence problem, puts a cross-entropy loss on
the *last* step only and follows its gradient back through time with the
course's cell functions (:mod:`engine.rnn`, :mod:`engine.lstm`). What comes
back for every curve is

    norms  (T_x,)  ||dL/da<t>||, t = 1 ... T_x (Frobenius norm over units and batch)
    factor         the per-step factor, the geometric mean of norms[t-1] / norms[t]:
                   (norms[0] / norms[-1]) ** (1 / (T_x - 1)); below 1 the gradient
                   vanishes, above 1 it explodes, and over k steps it changes by factor**k
    forget_mean    the mean forget gate f<t> (LSTM), which multiplies the cell's
                   gradient at every step back
    saturation     the share of nonlinearities (tanh, and the LSTM's gates) working in
                   a flat end, where their slope is below 5 % of its peak and almost no
                   gradient passes through

* ``vanishing``: an RNN against an LSTM over many steps; the LSTM's forget-gate
  bias is the control (Keras starts it at 1).
* ``exploding``: an RNN whose recurrent weights are scaled up, with and without
  clipping.
* ``saturation``: inputs scaled up until tanh and the gates sit in their flat ends.

Every experiment is a plain function returning an :class:`Experiment` (they take
milliseconds), with a caption -- the lesson in plain words -- and a summary of
what this particular run shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine import lstm, rnn
from engine.activations import softmax

__all__ = [
    "EXPERIMENTS",
    "Control",
    "FlowCurve",
    "Experiment",
    "SLOPE_SHARE",
    "step_factor",
    "saturation_share",
    "vanishing",
    "exploding",
    "saturation",
    "run_experiment",
]

SLOPE_SHARE = 0.05  # a nonlinearity is saturated where its slope is below this share of its peak
_TINY = 1e-300


@dataclass(frozen=True)
class Control:
    """One setting an experiment offers (for a slider or spin box): name, label, range, default."""

    name: str
    label: str
    low: float
    high: float
    default: float
    step: float = 1.0


@dataclass
class FlowCurve:
    """One line of the gradient-flow plot and the figures shown beside it.

    norms (T_x,): ||dL/da<t>|| for t = 1 ... T_x, loss on the last step.
    cell_norms (T_x,): ||dL/dc<t>|| for the LSTM (None for the RNN).
    kept: norms[0] / norms[-1], the share of the gradient that reaches the first step.
    parameter_norm: ||dL/dθ|| over the recurrent parameters (after clipping, when clipped).
    """

    label: str
    cell: str
    norms: np.ndarray
    factor: float
    kept: float
    saturation: float
    forget_mean: float | None = None
    cell_norms: np.ndarray | None = None
    parameter_norm: float = 0.0
    clipped: bool = False


@dataclass
class Experiment:
    """What one experiment returns: the curves, the caption (the lesson) and a summary (this run)."""

    name: str
    title: str
    caption: str
    summary: str
    curves: list[FlowCurve]
    settings: dict[str, float] = field(default_factory=dict)

    def curve(self, label_start: str) -> FlowCurve:
        """The first curve whose label starts with ``label_start``."""
        return next(c for c in self.curves if c.label.startswith(label_start))


EXPERIMENTS: dict[str, tuple[str, tuple[Control, ...]]] = {
    "vanishing": (
        "Vanishing: RNN against LSTM",
        (
            Control("steps", "Time steps", 50, 100, 60, 10),
            Control("forget_bias", "LSTM forget-gate bias", 0.0, 5.0, 1.0, 0.5),
        ),
    ),
    "exploding": (
        "Exploding: a large recurrent weight, with and without clipping",
        (
            Control("scale", "Recurrent weight scale", 1.0, 6.0, 3.0, 0.5),
            Control("clip", "Clip at", 0.1, 10.0, 1.0, 0.1),
        ),
    ),
    "saturation": (
        "Saturation: large inputs push tanh and the gates to their flat ends",
        (Control("input_scale", "Input scale", 1.0, 20.0, 8.0, 1.0),),
    ),
}


# -- measuring ------------------------------------------------------------------------
def step_factor(norms: np.ndarray) -> float:
    """Geometric mean of norms[t-1] / norms[t]: the Gradients tab's flow factor (1 for a single step)."""
    from engine.gradient_lab import flow_factor

    factor = flow_factor(norms)
    return 1.0 if factor is None else factor


def saturation_share(tanh_outputs=(), sigmoid_outputs=()) -> float:
    """Share of nonlinearity outputs whose slope is below SLOPE_SHARE of its peak.

    tanh: slope 1 - y², peak 1; sigmoid: slope y (1 - y), peak 1/4.
    """
    flat = total = 0
    for y in tanh_outputs:
        flat += int(np.count_nonzero(1.0 - y**2 < SLOPE_SHARE))
        total += y.size
    for y in sigmoid_outputs:
        flat += int(np.count_nonzero(4.0 * y * (1.0 - y) < SLOPE_SHARE))
        total += y.size
    return flat / total if total else 0.0


# -- the random problem ------------------------------------------------------------------
_N_X, _N_A, _N_Y, _M = 4, 16, 4, 8


def _problem(steps: int, seed: int, input_scale: float):
    """Inputs x (n_x, m, T_x), a zero a0, and targets for the last step (m,)."""
    rng = np.random.default_rng(seed)
    x = input_scale * rng.standard_normal((_N_X, _M, steps))
    a0 = np.zeros((_N_A, _M))
    targets = rng.integers(0, _N_Y, _M)
    return x, a0, targets


def _weights(cell: str, seed: int, scale: float, forget_bias: float = 1.0) -> dict:
    """Weights scale · N(0, 1/fan_in) on the recurrence, N(0, 1/fan_in) on inputs and output; zero biases
    except the LSTM's forget gate."""
    rng = np.random.default_rng([seed, 1 if cell == "rnn" else 2])
    n_x, n_a, n_y = _N_X, _N_A, _N_Y

    def normal(rows: int, cols: int) -> np.ndarray:
        return rng.standard_normal((rows, cols)) / np.sqrt(cols)

    if cell == "rnn":
        return {
            "Wax": normal(n_a, n_x),
            "Waa": scale * normal(n_a, n_a),
            "ba": np.zeros((n_a, 1)),
            "Wya": normal(n_y, n_a),
            "by": np.zeros((n_y, 1)),
        }
    parameters = {}
    for gate in "fico":
        w = normal(n_a, n_a + n_x)
        w[:, :n_a] *= scale  # the recurrent half [a<t-1>; x<t>] -> a<t-1>
        parameters[f"W{gate}"] = w
        parameters[f"b{gate}"] = np.zeros((n_a, 1))
    parameters["bf"][:] = forget_bias
    parameters["Wy"] = normal(n_y, n_a)
    parameters["by"] = np.zeros((n_y, 1))
    return parameters


# -- following the gradient back --------------------------------------------------------
def _clip(g: np.ndarray, limit: float | None) -> np.ndarray:
    return g if limit is None else np.clip(g, -limit, limit)


def _flow(cell: str, x, a0, parameters, targets, label: str, clip: float | None = None) -> FlowCurve:
    """Forward with the course's functions, loss on the last step, backward step by step.

    With ``clip`` the gradient entering each step back is clipped element-wise to
    [-clip, clip] (as Graves 2013 and Lasagne's ``grad_clipping`` do), and the
    parameter gradient is clipped the course's way, element-wise to [-clip, clip].
    """
    if cell == "rnn":
        a, _y, (caches, _x) = rnn.rnn_forward(x, a0, parameters)
        Wy = parameters["Wya"]
    else:
        a, _y, _c, (caches, _x) = lstm.lstm_forward(x, a0, parameters)
        Wy = parameters["Wy"]
    m, T = x.shape[1], x.shape[2]
    # dL/dlogits at the last step for L = -(1/m) Σ log y[target]; no loss elsewhere
    y_last = softmax(Wy @ a[:, :, -1] + parameters["by"])
    y_last[targets, np.arange(m)] -= 1.0
    da_last = Wy.T @ (y_last / m)

    norms = np.zeros(T)
    cell_norms = np.zeros(T) if cell == "lstm" else None
    total = {}
    da_next = da_last
    dc_next = np.zeros_like(da_last)
    for t in reversed(range(T)):
        da_next = _clip(da_next, clip)
        norms[t] = np.linalg.norm(da_next)
        if cell == "rnn":
            step = rnn.rnn_cell_backward(da_next, caches[t])
        else:
            step = lstm.lstm_cell_backward(da_next, dc_next, caches[t])
            # the total gradient on c<t>: what c<t+1> sends back plus the path through a<t>
            ot, c_t = caches[t][7], caches[t][1]
            cell_norms[t] = np.linalg.norm(dc_next + da_next * ot * (1.0 - np.tanh(c_t) ** 2))
            dc_next = _clip(step["dc_prev"], clip)
        da_next = step["da_prev"]
        for key, value in step.items():
            if key.startswith(("dW", "db")):
                total[key] = total.get(key, 0.0) + value
    parameter_norm = float(np.sqrt(sum(np.sum(_clip(g, clip) ** 2) for g in total.values())))

    if cell == "rnn":
        saturated = saturation_share(tanh_outputs=[a])
        forget = None
    else:
        gates = {name: np.stack([c[k] for c in caches], axis=-1) for k, name in ((4, "f"), (5, "i"), (6, "c"), (7, "o"))}
        saturated = saturation_share(tanh_outputs=[gates["c"]], sigmoid_outputs=[gates["f"], gates["i"], gates["o"]])
        forget = float(gates["f"].mean())
    return FlowCurve(
        label=label,
        cell=cell,
        norms=norms,
        factor=step_factor(norms),
        kept=float(norms[0] / max(norms[-1], _TINY)),
        saturation=saturated,
        forget_mean=forget,
        cell_norms=cell_norms,
        parameter_norm=parameter_norm,
        clipped=clip is not None,
    )


def _check(name: str, value: float, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, not {value!r}.")
    if not (np.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} must be from {low:g} to {high:g}, not {value!r}.")
    return float(value)


def _power(x: float) -> str:
    """A ratio as a power of ten a reader takes in at once: '10^-8', '0.3'."""
    if x <= 0:
        return "0"
    if 0.01 <= x <= 100:
        return f"{x:.2g}"
    return f"10^{np.log10(x):.0f}"


# -- the experiments ------------------------------------------------------------------------
VANISHING_CAPTION = (
    "The loss sits on the last step only, so everything the earlier steps learn must travel back through "
    "time. In the RNN it is multiplied at every step by the recurrent weights and by tanh's slope (at most 1), "
    "so it shrinks by roughly the same factor each step: a straight downward line on this log scale, and after "
    "fifty steps almost nothing is left to teach the first inputs. The LSTM has a second road, the cell state, "
    "where the gradient is multiplied only by the forget gate f. With f near 0.5 (forget bias 0) the cell halves "
    "its memory each step and its gradient fades as fast as the RNN's or faster; raise the forget bias and f "
    "approaches 1, the road stays open, and the gradient reaching the first step grows by orders of magnitude. "
    "This is why Keras starts the forget bias at 1 and why LSTMs learn long-range dependencies that plain RNNs miss."
)

EXPLODING_CAPTION = (
    "Scale up the recurrent weights and each step back multiplies the gradient by more than one, so it grows "
    "geometrically: a straight upward line on the log scale, and one unlucky batch can make an update so large "
    "that training jumps to nonsense or overflows. Clipping does not cure the cause, it caps the symptom: "
    "here every gradient is cut to the range [-clip, clip] (the course clips each parameter's gradient to [-5, 5] "
    "before the update; this run also clips the gradient as it passes each step back), so the curve stays "
    "bounded and the update keeps a sane size. Vanishing gradients have no such simple fix -- that is what gated "
    "cells are for."
)

SATURATION_CAPTION = (
    "tanh and the sigmoid gates are steep only near zero. Feed them large inputs and they sit in their flat "
    "ends (tanh near ±1, gates near 0 or 1), where the slope is almost zero: the gradient that must pass "
    "through them is multiplied by almost nothing, so it dies within a few steps even though the weights are "
    "the same. The saturation share beside the plot counts the units in a flat end. This is why inputs are "
    "normalised and weights initialised small, and why a network whose units saturate early stops learning."
)


def vanishing(steps: int = 60, forget_bias: float = 1.0, seed: int = 0) -> Experiment:
    """RNN against LSTM (forget bias 0 and the chosen one) over ``steps`` steps, weight scale 1, loss on the last step."""
    steps = int(_check("The number of steps", steps, 2, 200))
    forget_bias = _check("The forget-gate bias", forget_bias, -5.0, 10.0)
    x, a0, targets = _problem(steps, seed, 1.0)
    curves = [_flow("rnn", x, a0, _weights("rnn", seed, 1.0), targets, "RNN")]
    biases = [forget_bias] if forget_bias == 0 else [0.0, forget_bias]
    for bias in biases:
        curves.append(
            _flow("lstm", x, a0, _weights("lstm", seed, 1.0, bias), targets, f"LSTM, forget bias {bias:g}")
        )
    rnn_curve, lstm_curve = curves[0], curves[-1]
    ratio = lstm_curve.kept / max(rnn_curve.kept, _TINY)
    summary = (
        f"After {steps} steps back the RNN keeps {_power(rnn_curve.kept)} of its gradient (×{rnn_curve.factor:.2f} "
        f"per step); the LSTM with forget bias {forget_bias:g} keeps {_power(lstm_curve.kept)} "
        f"(×{lstm_curve.factor:.2f} per step, mean forget gate {lstm_curve.forget_mean:.2f}): "
        f"{_power(ratio)} times as much."
    )
    return Experiment(
        name="vanishing",
        title=EXPERIMENTS["vanishing"][0],
        caption=VANISHING_CAPTION,
        summary=summary,
        curves=curves,
        settings={"steps": steps, "forget_bias": forget_bias, "seed": seed},
    )


def exploding(scale: float = 3.0, clip: float = 1.0, steps: int = 60, seed: int = 0) -> Experiment:
    """An RNN with recurrent weights ``scale`` · N(0, 1/n_a), without clipping and clipped at ``clip``."""
    scale = _check("The weight scale", scale, 0.1, 20.0)
    clip = _check("The clipping threshold", clip, 1e-3, 1e3)
    steps = int(_check("The number of steps", steps, 2, 200))
    x, a0, targets = _problem(steps, seed, 1.0)
    parameters = _weights("rnn", seed, scale)
    free = _flow("rnn", x, a0, parameters, targets, f"RNN, weight scale {scale:g}")
    clipped = _flow("rnn", x, a0, parameters, targets, f"RNN, weight scale {scale:g}, clipped at {clip:g}", clip)
    summary = (
        f"Without clipping the gradient {'grows' if free.factor > 1 else 'shrinks'} ×{free.factor:.2f} per step "
        f"back and reaches the first step {_power(free.kept)} times as large as it started; the parameter "
        f"gradient has norm "
        f"{free.parameter_norm:.3g}. Clipped at {clip:g}, no step carries more than {clip:g} per element "
        f"(largest norm {clipped.norms.max():.3g}) and the parameter gradient has norm {clipped.parameter_norm:.3g}."
    )
    return Experiment(
        name="exploding",
        title=EXPERIMENTS["exploding"][0],
        caption=EXPLODING_CAPTION,
        summary=summary,
        curves=[free, clipped],
        settings={"scale": scale, "clip": clip, "steps": steps, "seed": seed},
    )


def saturation(input_scale: float = 8.0, steps: int = 30, seed: int = 0) -> Experiment:
    """RNN and LSTM on inputs of scale 1 and of ``input_scale``: the flat ends of tanh and the gates."""
    input_scale = _check("The input scale", input_scale, 0.1, 100.0)
    steps = int(_check("The number of steps", steps, 2, 200))
    curves = []
    for scale in (1.0, input_scale):
        x, a0, targets = _problem(steps, seed, scale)
        for cell in ("rnn", "lstm"):
            curves.append(_flow(cell, x, a0, _weights(cell, seed, 1.0), targets, f"{cell.upper()}, inputs ×{scale:g}"))
    calm_rnn, calm_lstm, hot_rnn, hot_lstm = curves
    summary = (
        f"With inputs ×{input_scale:g} the share of saturated units rises from {calm_rnn.saturation:.0%} to "
        f"{hot_rnn.saturation:.0%} in the RNN and from {calm_lstm.saturation:.0%} to {hot_lstm.saturation:.0%} in "
        f"the LSTM's gates; the per-step factor falls from ×{calm_rnn.factor:.2f} to ×{hot_rnn.factor:.2f} (RNN) "
        f"and from ×{calm_lstm.factor:.2f} to ×{hot_lstm.factor:.2f} (LSTM)."
    )
    return Experiment(
        name="saturation",
        title=EXPERIMENTS["saturation"][0],
        caption=SATURATION_CAPTION,
        summary=summary,
        curves=curves,
        settings={"input_scale": input_scale, "steps": steps, "seed": seed},
    )


_FUNCTIONS = {"vanishing": vanishing, "exploding": exploding, "saturation": saturation}


def run_experiment(name: str, **settings) -> Experiment:
    """Run the experiment called ``name`` (a key of EXPERIMENTS) with the given settings."""
    try:
        function = _FUNCTIONS[name]
    except KeyError:
        raise ValueError(f"Unknown experiment {name!r}: choose {', '.join(EXPERIMENTS)}.") from None
    return function(**settings)
