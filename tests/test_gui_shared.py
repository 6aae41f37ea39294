"""Shared GUI pieces: settings bound to widgets, messages that never block offscreen, per-tab status, ETA text."""

import pytest
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.timefmt import clock, eta, eta_text
from gui import messages
from gui.settings import app_settings, bind, save_bound


def test_clock_and_eta():
    assert clock(0) == "0:00" and clock(75.4) == "1:15" and clock(3725) == "1:02:05" and clock(-3) == "0:00"
    assert clock(float("inf")) == "--:--"
    assert eta(30, 3, 10) == pytest.approx(70) and eta(5, 0, 10) is None and eta(5, 1, None) is None
    assert eta_text(30, 3, 10) == "ETA 1:10" and eta_text(1, 0, 5) == ""


class Form(QWidget):
    def __init__(self):
        super().__init__()
        layout = QVBoxLayout(self)
        self.spin, self.real, self.combo = QSpinBox(), QDoubleSpinBox(), QComboBox()
        self.check, self.radio_a, self.radio_b = QCheckBox("c"), QRadioButton("a"), QRadioButton("b")
        self.line, self.slider = QLineEdit(), QSlider()
        self.spin.setRange(0, 500)
        self.real.setRange(0, 3)
        self.real.setDecimals(2)
        for i, name in enumerate(("piano", "organ", "guitar")):
            self.combo.addItem(name, i)
        self.slider.setRange(0, 64)
        for w in (self.spin, self.real, self.combo, self.check, self.radio_a, self.radio_b, self.line, self.slider):
            layout.addWidget(w)

    def bind_all(self):
        bind(self.spin, "test/spin", 100)
        bind(self.real, "test/real", 0.7)
        bind(self.combo, "test/combo", 2)
        bind(self.check, "test/check", True)
        bind(self.radio_a, "test/radio_a", True)
        bind(self.radio_b, "test/radio_b", False)
        bind(self.line, "test/line", "Dm7 G7")
        bind(self.slider, "test/slider", 16)


def test_bind_restores_defaults_then_what_was_saved(qtbot):
    app_settings().remove("test")
    form = Form()
    qtbot.addWidget(form)
    form.bind_all()
    assert (form.spin.value(), form.real.value(), form.combo.currentData()) == (100, 0.7, 2)
    assert form.check.isChecked() and form.radio_a.isChecked() and form.line.text() == "Dm7 G7"
    assert form.slider.value() == 16
    form.spin.setValue(321)
    form.real.setValue(1.15)
    form.combo.setCurrentIndex(1)
    form.check.setChecked(False)
    form.radio_b.setChecked(True)
    form.line.setText("| Am7 D7 | % |")
    form.slider.setValue(8)
    assert save_bound(form) == 8
    again = Form()
    qtbot.addWidget(again)
    again.bind_all()
    assert (again.spin.value(), again.real.value(), again.combo.currentData()) == (321, 1.15, 1)
    assert not again.check.isChecked() and again.radio_b.isChecked() and not again.radio_a.isChecked()
    assert again.line.text() == "| Am7 D7 | % |" and again.slider.value() == 8


def test_bind_ignores_values_the_widget_cannot_take(qtbot):
    settings = app_settings()
    settings.setValue("test/spin", 10_000)  # out of range
    settings.setValue("test/combo", "harpsichord")  # an item that is gone
    settings.setValue("test/real", "loud")
    form = Form()
    qtbot.addWidget(form)
    form.bind_all()
    assert form.spin.value() == 0 and form.combo.currentIndex() == 0 and form.real.value() == 0
    with pytest.raises(TypeError):
        bind(QWidget(), "test/nothing")
    settings.remove("test")


def test_messages_never_block_offscreen_and_questions_take_the_safe_answer(qtbot, monkeypatch, caplog):
    assert not messages.interactive()  # the tests run offscreen
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("a modal question offscreen"))
    assert messages.ask(None, "Replace?", "x.mid exists") is False
    assert messages.ask(None, "Go on?", "sure", default=True) is True
    assert messages.show_error(None, "Open MIDI", "not a MIDI file") is None
    assert "not a MIDI file" in caplog.text


def test_screenshot_mode_is_not_interactive_even_on_a_screen(monkeypatch):
    from PySide6.QtGui import QGuiApplication

    monkeypatch.setattr(QGuiApplication, "platformName", staticmethod(lambda: "xcb"))
    assert messages.interactive()
    messages.set_screenshot_mode(True)
    try:
        assert not messages.interactive()
    finally:
        messages.set_screenshot_mode(False)


class Talker(QWidget):
    status = Signal(str)


def test_each_tab_shows_its_own_last_status(qtbot, main_window):
    main_window.select_tab("gradients")
    first = main_window.tabs.currentWidget()
    main_window.select_tab("jazz")
    jazz = main_window.tabs.currentWidget()
    assert hasattr(jazz, "status")
    jazz.status.emit("Opened the tune")
    assert main_window.statusBar().currentMessage() == "Opened the tune"
    main_window.select_tab("gradients")
    assert main_window.statusBar().currentMessage() == main_window.tab_status("gradients")
    assert main_window.tabs.currentWidget() is first
    jazz.status.emit("Trained")  # news of a tab out of sight waits for it
    assert main_window.statusBar().currentMessage() != "Trained"
    main_window.select_tab("jazz")
    assert main_window.statusBar().currentMessage() == "Trained" == main_window.tab_status("jazz")


def test_qt_messages_go_to_the_log_not_the_terminal(caplog):
    import logging

    from PySide6.QtCore import qInstallMessageHandler, qWarning

    messages.route_qt_messages_to_log()
    try:
        with caplog.at_level(logging.INFO, logger="qt"):
            qWarning("This plugin does not support propagateSizeHints()")
        assert "propagateSizeHints" in caplog.text
    finally:
        qInstallMessageHandler(None)


def test_a_long_status_ends_in_an_ellipsis_at_a_whole_word(qtbot, main_window):
    from PySide6.QtGui import QFontMetrics

    from gui.status_bar import elide_at_word

    metrics = QFontMetrics(main_window.statusBar().font())
    text = "Without clipping the gradient grows ×1.18 per step back and reaches the first step 10⁴ times as large"
    assert elide_at_word(text, metrics, 10_000) == text
    shown = elide_at_word(text, metrics, 300)
    assert shown.endswith("…") and metrics.horizontalAdvance(shown) <= 300
    assert text.startswith(shown[:-1]) and text[len(shown) - 1] == " "  # cut between words, never inside one
    main_window.statusBar().showMessage(text)  # the bar keeps the whole message, and shows it as a tooltip
    assert main_window.statusBar().currentMessage() == text == main_window.statusBar().toolTip()
