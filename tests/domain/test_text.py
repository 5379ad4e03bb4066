"""What the command line prints is inert: no escape sequence or control acts on a terminal."""

from __future__ import annotations

import pytest

from scheduler.domain.text import inert


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Ada\x1b]0;owned\x07 Lovelace", "Ada Lovelace"),  # OSC: set the window title
        ("Ada\x1b]8;;http://evil.example\x1b\\Lovelace\x1b]8;;\x1b\\", "AdaLovelace"),  # link
        ("\x1b[2J\x1b[31mAda\x1b[0m", "Ada"),  # CSI: clear screen, colours
        ("Ada\x1bc", "Ada"),  # two-character escape (reset)
        ("Ada\x9b2J\x85", "Ada2J"),  # C1 controls (CSI, NEL) alone
        ("Ada \u202eecalevoL\u202c", "Ada ecalevoL"),  # bidirectional override
        ("Ada\u2066x\u2069\u200f\u061c", "Adax"),  # isolates, marks (the Arabic letter mark too)
        ("Ada\u2028Lovelace\u2029", "AdaLovelace"),  # line and paragraph separators
        ("Ada\rLove\x08\x00\x7flace", "AdaLovelace"),  # CR, backspace, NUL, DEL
        ("two\nlines\tand a tab, Zoë, 日本", "two\nlines\tand a tab, Zoë, 日本"),  # kept
    ],
)
def test_inert_removes_what_a_terminal_would_act_on(raw, shown):
    assert inert(raw) == shown


def test_inert_leaves_no_escape_whatever_follows_it():
    assert "\x1b" not in inert("a\x1b") + inert("\x1b[") + inert("\x1b]0;never ended")
