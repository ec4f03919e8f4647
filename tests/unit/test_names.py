"""Taking a person's name out of what others wrote: whole words, every name they go by, and
nothing that only looks like it."""

from __future__ import annotations

from bot.services.people import names_of, without_names
from storage.models import Person


def person(first: str, preferred: str | None = None) -> Person:
    return Person(first_name=first, preferred_name=preferred)


def test_every_name_and_its_words_go_as_whole_words() -> None:
    zozo = person("Zora", "Zozo Zauberstein")
    assert names_of(zozo) == {"Zora", "Zozo Zauberstein", "Zozo", "Zauberstein"}
    text = "Zozo Zauberstein called; Zozo's school (Zora) knows Zauberstein. Zorah and Zozotte stay."
    assert without_names(text, zozo) == "– called; –'s school (–) knows –. Zorah and Zozotte stay."


def test_a_name_that_is_also_a_word_goes_only_as_written() -> None:
    will = person("Will")
    assert without_names("Will will call Will's mother; WILL", will) == "– will call –'s mother; WILL"


def test_one_letter_is_not_taken_for_a_name_and_no_names_change_nothing() -> None:
    assert without_names("A and B met Jo B. Smith", person("Jo", "Jo B. Smith")) == "A and B met –"
    assert without_names("Nothing here", person("")) == "Nothing here"
