"""The certificate of volunteering a mentor receives when a pair closes: one page of PDF made with
fpdf2, in the mentor's language. One certificate per pair, since each mentoring has its own dates
and ends on its own day; it names the mentor, the programme and the dates, never the learner (a
volunteer shows it to others, and a learner is often a minor)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib
from fpdf import FPDF

from bot.i18n import N_, Translator

TITLE = N_("Certificate of volunteering")
BODY = N_(
    "{mentor} volunteered as a mentor in {programme} from {start} to {end}, meeting a learner "
    "regularly to support them through their training."
)
THANKS = N_("Thank you for your time, your patience and your commitment.")
ISSUED = N_("Issued by {programme} on {date}.")
# A font with the letters of every language the programme speaks; matplotlib already ships it.
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
BOLD = FONT.with_name("DejaVuSans-Bold.ttf")


def certificate_pdf(
    t: Translator, mentor: str, programme: str, start: dt.datetime, end: dt.datetime, issued: dt.datetime
) -> bytes:
    """One A4 page: the title, what the mentor did and when, a thank-you, who issued it and when."""
    pdf = FPDF(format="A4")
    pdf.set_title(t(TITLE))
    pdf.set_author(programme)
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(BOLD))
    # HarfBuzz (uharfbuzz) joins Arabic letters and places their marks; fpdf2 then lays out each
    # paragraph in its own direction, so an Arabic certificate reads right to left.
    pdf.set_text_shaping(True)
    pdf.add_page()
    pdf.set_margins(25, 30, 25)
    pdf.set_y(60)
    pdf.set_font("DejaVu", "B", 24)
    pdf.multi_cell(0, 14, t(TITLE), align="C")
    pdf.ln(12)
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(0, 10, mentor, align="C")
    pdf.ln(10)
    pdf.set_font("DejaVu", "", 13)
    body = t(BODY, mentor=mentor, programme=programme, start=t.date(start, "long"), end=t.date(end, "long"))
    pdf.multi_cell(0, 8, body, align="C")
    pdf.ln(8)
    pdf.multi_cell(0, 8, t(THANKS), align="C")
    pdf.ln(30)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 7, t(ISSUED, programme=programme, date=t.date(issued, "long")), align="C")
    return bytes(pdf.output())
