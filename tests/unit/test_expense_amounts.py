"""How a typed amount is read: "12,50" and "12.50" alike, with or without a currency or thousands,
as any of the shipped languages writes it; words, two numbers and three decimals are not amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

from bot.services.expenses import parse_amount


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("12,50", "12.50"),
        ("12.50", "12.50"),
        ("12", "12"),
        ("12,5", "12.5"),
        ("€ 7,5", "7.5"),
        ("7.50 EUR", "7.50"),
        ("7,50 euros", "7.50"),
        ("1.250,00", "1250.00"),
        ("1,250.00", "1250.00"),
        ("12,50 kr.", "12.50"),
        ("kr. 12,50", "12.50"),
        ("12,50 zł", "12.50"),
        ("12 TL", "12"),
        ("₺12,50", "12.50"),
        ("€ 12,-", "12"),  # twelve euros and no cents
        ("١٢٫٥٠ يورو", "12.50"),
        ("-5", "-5"),
        ("0", "0"),
    ],
)
def test_amounts_people_type(typed: str, amount: str) -> None:
    assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize(
    "typed", ["twelve", "", "12,50 and 3", "12 50", "1.2.3", "12.345.6", "1,234,5", "12abc"]
)
def test_what_is_not_an_amount(typed: str) -> None:
    assert parse_amount(typed) is None


@given(cents=st.integers(1, 10**8), locale=st.sampled_from(["en", "de", "fr", "en_DE", "de_CH"]))
def test_an_amount_as_babel_writes_it_reads_back(cents: int, locale: str) -> None:
    amount = Decimal(cents) / 100
    assert parse_amount(format_currency(amount, "EUR", locale=locale)) == amount
    assert parse_amount(format_decimal(amount, locale=locale)) == amount
