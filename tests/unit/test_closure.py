"""The closure's pieces on their own: the certificate is a one-page PDF in the reader's language
that names the mentor, the programme and the dates, whatever letters a name has; months are
added as calendars count them; the programme file's closure rules are checked."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from bot.config import ConfigError, read_model
from bot.i18n import Translator
from bot.rules import ProgrammeRules
from bot.services.certificate import certificate_pdf
from conversations.pair_end import add_months

START, END = datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2027, 3, 2, 9, tzinfo=UTC)


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.parametrize(
    ("locale", "title", "start", "end"),
    [
        ("en", "Certificate of volunteering", "2 March 2026", "2 March 2027"),
        ("de", "Bescheinigung über ehrenamtliches Engagement", "2. März 2026", "2. März 2027"),
        ("fr", "Attestation de bénévolat", "2 mars 2026", "2 mars 2027"),
    ],
)
def test_the_certificate_names_the_mentor_the_programme_and_the_dates(
    locale: str, title: str, start: str, end: str
) -> None:
    t = Translator(locale, ZoneInfo("Europe/Berlin"), "DE")
    content = certificate_pdf(t, "Ayşe Łukasiewicz-Øvergård", "Brücken bauen", START, END, END)
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    text = text_of(content)
    assert title in text and "Ayşe Łukasiewicz-Øvergård" in text and "Brücken bauen" in text
    assert start in text and end in text


def test_an_arabic_certificate_is_shaped_right_to_left() -> None:
    """Unshaped, the letters would stand apart and the text read backwards ("عوطت ةداهش")."""
    t = Translator("ar", ZoneInfo("Europe/Berlin"), "DE")
    text = text_of(certificate_pdf(t, "Jonas Weber", "جسور", START, END, END))
    assert "شهادة تطوع" in text and "شكرًا لك على وقتك وصبرك والتزامك." in text
    assert "Jonas Weber" in text


def test_months_are_added_as_calendars_count_them() -> None:
    assert add_months(datetime(2026, 1, 31, 8, tzinfo=UTC), 1) == datetime(2026, 2, 28, 8, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 15, tzinfo=UTC), 12) == datetime(2027, 11, 15, tzinfo=UTC)
    assert add_months(datetime(2026, 8, 31, tzinfo=UTC), 6) == datetime(2027, 2, 28, tzinfo=UTC)


def test_the_closure_rules_are_checked_and_named() -> None:
    rules = read_model("p.toml", "[closure]\nplanned_months = 9\ncontact_after = 'none'\n", ProgrammeRules)
    assert (rules.closure.planned_months, rules.closure.ask_weeks_before) == (9, 4)
    with pytest.raises(ConfigError, match=r"closure\.contact_after"):
        read_model("p.toml", "[closure]\ncontact_after = 'whenever'\n", ProgrammeRules)
    with pytest.raises(ConfigError, match=r"closure\.planned_months"):
        read_model("p.toml", "[closure]\nplanned_months = 0\n", ProgrammeRules)
