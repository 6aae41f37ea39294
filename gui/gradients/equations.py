"""The equations the Gradients tab shows: the engine's math, with notes where copied versions differ."""

from __future__ import annotations

from PySide6.QtWidgets import QTextBrowser

__all__ = ["EquationsView", "equations_html"]


class EquationsView(QTextBrowser):
    """The forward and backward equations of the chosen cell ("rnn", "lstm" or "both") and of the loss."""

    def __init__(self):
        super().__init__()
        self.setOpenExternalLinks(False)
        self.setMinimumHeight(90)

    def show_cell(self, cell: str, faulty: str | None = None) -> None:
        """The equations of ``cell``; ``faulty`` (a bug-lab line id: "y", "dc_prev", "da_in") marked in red."""
        self.setHtml(equations_html(cell, faulty))
        if faulty:  # the marked line a little below the top, with the line before it in view, never cut
            self.scrollToAnchor("faulty")
            bar = self.verticalScrollBar()
            bar.setValue(max(0, bar.value() - self.viewport().height() // 4))


# The equations each bug-lab mistake (engine.mistakes.Mistake.line) gets wrong, as they appear in the HTML.
FAULTY_LINES = {
    "y": ("ŷ⟨t⟩&nbsp;=&nbsp;softmax(W",),
    "dc_prev": ("dc&nbsp;=&nbsp;dc<sub>next</sub>", "dc<sub>prev</sub>&nbsp;=&nbsp;dc&nbsp;⊙&nbsp;f"),
    "da_in": ("∂L/∂a⟨t⟩&nbsp;=&nbsp;da⟨t⟩&nbsp;+&nbsp;da<sub>prev</sub>",
              "da<sub>next</sub>&nbsp;=&nbsp;da⟨t⟩&nbsp;+&nbsp;da<sub>prev</sub>"),
}


def equations_html(cell: str, faulty: str | None = None) -> str:
    parts = [_EQUATIONS_HEAD]
    if cell in ("rnn", "both"):
        parts.append(_RNN_EQUATIONS)
    if cell in ("lstm", "both"):
        parts.append(_LSTM_EQUATIONS)
    parts.append(_LOSS_EQUATIONS)
    text = "".join(parts)
    for k, fragment in enumerate(FAULTY_LINES.get(faulty, ())):
        anchor = "<a name='faulty'></a>" if k == 0 else ""
        text = text.replace(fragment, f"{anchor}<span style='background:#f6cfbf'>{fragment}</span>")
    return text


def _sub(text: str) -> str:
    return f"<sub>{text}</sub>"


def _eq(*equations: str) -> str:
    """One line of equations; a narrow panel wraps between equations, never inside one."""
    return "<p class='eq'>" + ", &nbsp; ".join(e.replace(" ", "&nbsp;") for e in equations) + "</p>"


def _differs(text: str) -> str:
    """A note on where widely copied versions differ: text on a tint with an orange stripe on its left."""
    return (
        "<table class='diff' width='100%' cellspacing='0' cellpadding='0' border='0'><tr>"
        "<td width='4' bgcolor='#E69F00'></td>"
        f"<td bgcolor='#fdf1e2' style='padding: 4px 8px'>{text}</td></tr></table>"
    )


_STYLE = """
<style>
 body { font-size: 10pt; }
 h3 { margin: 12px 0 4px 0; color: #0072B2; font-size: 11pt; }
 p.eq { font-family: 'DejaVu Serif', 'Times New Roman', serif; font-size: 11pt; margin: 3px 0 3px 28px;
        text-indent: -16px; }
 p.note { color: #444; margin: 4px 0 4px 0; }
 table.diff { margin: 6px 0 6px 0; }
</style>
"""

_EQUATIONS_HEAD = (
    _STYLE
    + "<p class='note'>The equations as the engine implements them (⊙ is the elementwise product, "
    "σ the logistic sigmoid, ⟨t⟩ a time step). Orange notes mark where widely copied tutorial versions differ.</p>"
)

_RNN_EQUATIONS = (
    "<h3>RNN forward</h3>"
    + _eq(f"a⟨t⟩ = tanh(W{_sub('ax')} x⟨t⟩ + W{_sub('aa')} a⟨t−1⟩ + b{_sub('a')})")
    + _eq(f"ŷ⟨t⟩ = softmax(W{_sub('ya')} a⟨t⟩ + b{_sub('y')})")
    + _differs("The output reads the <b>new</b> state a⟨t⟩. Some copies compute it from a⟨t−1⟩.")
    + "<h3>RNN backward (rnn_cell_backward, rnn_backward)</h3>"
    + _eq(f"∂L/∂a⟨t⟩ = da⟨t⟩ + da{_sub('prev')} from step t+1")
    + _eq("dz = (1 − a⟨t⟩²) ⊙ ∂L/∂a⟨t⟩")
    + _eq(f"dx⟨t⟩ = W{_sub('ax')}ᵀ dz", f"da{_sub('prev')} = W{_sub('aa')}ᵀ dz")
    + _eq(
        f"dW{_sub('ax')} += dz x⟨t⟩ᵀ",
        f"dW{_sub('aa')} += dz a⟨t−1⟩ᵀ",
        f"db{_sub('a')} += Σ{_sub('batch')} dz",
    )
    + _differs(
        f"Each step receives da⟨t⟩ <b>plus</b> the da{_sub('prev')} sent back by step t+1; dropping it "
        "leaves every earlier step with only its own output's gradient."
    )
)

_GATE_INPUT = "[a⟨t−1⟩; x⟨t⟩]"

_LSTM_EQUATIONS = (
    "<h3>LSTM forward</h3>"
    + _eq(
        f"f = σ(W{_sub('f')} {_GATE_INPUT} + b{_sub('f')})",
        f"i = σ(W{_sub('i')} {_GATE_INPUT} + b{_sub('i')})",
    )
    + _eq(
        f"c̃ = tanh(W{_sub('c')} {_GATE_INPUT} + b{_sub('c')})",
        f"o = σ(W{_sub('o')} {_GATE_INPUT} + b{_sub('o')})",
    )
    + _eq("c⟨t⟩ = f ⊙ c⟨t−1⟩ + i ⊙ c̃", "a⟨t⟩ = o ⊙ tanh(c⟨t⟩)")
    + _eq(f"ŷ⟨t⟩ = softmax(W{_sub('y')} a⟨t⟩ + b{_sub('y')})", "c⟨0⟩ = 0")
    + "<h3>LSTM backward (lstm_cell_backward, lstm_backward)</h3>"
    + _eq(f"da{_sub('next')} = da⟨t⟩ + da{_sub('prev')} from step t+1")
    + _eq(f"dc = dc{_sub('next')} + da{_sub('next')} ⊙ o ⊙ (1 − tanh²c⟨t⟩)")
    + _eq(
        f"dz{_sub('o')} = da{_sub('next')} ⊙ tanh c⟨t⟩ ⊙ o(1 − o)",
        f"dz{_sub('c')} = dc ⊙ i ⊙ (1 − c̃²)",
    )
    + _eq(f"dz{_sub('i')} = dc ⊙ c̃ ⊙ i(1 − i)", f"dz{_sub('f')} = dc ⊙ c⟨t−1⟩ ⊙ f(1 − f)")
    + _eq(
        f"dW{_sub('g')} += dz{_sub('g')} {_GATE_INPUT}ᵀ",
        f"db{_sub('g')} += Σ{_sub('batch')} dz{_sub('g')}",
        "(g = f, i, c, o)",
    )
    + _eq(f"[da{_sub('prev')}; dx⟨t⟩] = Σ{_sub('g')} W{_sub('g')}ᵀ dz{_sub('g')}", f"dc{_sub('prev')} = dc ⊙ f")
    + _differs(
        f"A well-known version leaves dc{_sub('next')} out of dc and ⊙ f out of dc{_sub('prev')}: "
        f"the memory path, the reason an LSTM remembers, is cut. lstm_backward must also add da{_sub('prev')} "
        "to da⟨t⟩. The course notebook's printed values for lstm_backward cannot be reproduced by correct math."
    )
)

_LOSS_EQUATIONS = (
    "<h3>The checked loss</h3>"
    + _eq(f"L = −(1/m) Σ{_sub('t')} Σ{_sub('i')} log ŷ⟨t⟩[target]")
    + _eq(
        f"∂L/∂z{_sub('y')}⟨t⟩ = (ŷ⟨t⟩ − onehot(target))/m",
        f"da⟨t⟩ = W{_sub('y')}ᵀ ∂L/∂z{_sub('y')}⟨t⟩",
    )
    + "<p class='note'>Summed over all steps or the last step only. The gradient-flow plot always uses the last "
    "step, so vanishing and exploding gradients appear as a straight slope on its log axis. "
    "Centred differences: (L(θ+h) − L(θ−h)) / 2h with h = 10⁻⁵ for every element of every array.</p>"
)
