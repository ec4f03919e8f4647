"""The phrase lists: spellings of a phone keyboard match, neighbouring words do not, the most severe
phrase wins, a programme's directory extends the lists, and a broken file names its key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.config import ConfigError
from bot.i18n import shipped_locales
from bot.services.phrase_screening import SHIPPED_DIR, PhraseBook, fold, load_phrases


@pytest.fixture(scope="module")
def book() -> PhraseBook:
    return load_phrases()


CASES = Path(__file__).with_name("phrase_cases")


def _cases(kind: str) -> list[object]:
    """Every case of one kind ("hit" or "miss") in tests/unit/phrase_cases/<language>.toml."""
    found = []
    for path in sorted(CASES.glob("*.toml")):
        for case in tomllib.loads(path.read_text(encoding="utf-8")).get(kind, []):
            fields = (
                (case["text"], path.stem, case["category"], case["phrase"])
                if kind == "hit"
                else (case["text"], path.stem)
            )
            found.append(pytest.param(*fields, id=f"{path.stem}: {case['text'][:40]}"))
    return found


@pytest.mark.parametrize(("text", "locale", "category", "phrase"), _cases("hit"))
def test_phrases_match_in_every_spelling(
    book: PhraseBook, text: str, locale: str, category: str, phrase: str
) -> None:
    found = book.match(text, locale)
    assert found is not None
    assert (found.category, found.phrase) == (category, phrase)


def test_learners_mix_languages_so_every_list_is_checked(book: PhraseBook) -> None:
    found = book.match("Mein Meister schlägt mich", "en")
    assert found is not None and found.category == "abuse"
    found = book.match("honestly envie de mourir", "de-AT")
    assert found is not None and found.category == "self_harm"


@pytest.mark.parametrize(("text", "locale"), [*_cases("miss"), pytest.param("", "en", id="empty")])
def test_neighbouring_words_do_not_match(book: PhraseBook, text: str, locale: str) -> None:
    assert book.match(text, locale) is None


def test_the_short_spoken_form_matches_whatever_follows(book: PhraseBook) -> None:
    """A known false alarm, chosen: "ich hör auf" is how a learner writes that they quit."""
    found = book.match("ich hör auf zu rauchen", "de")
    assert found is not None and found.category == "quitting"


def test_the_most_severe_phrase_wins(book: PhraseBook) -> None:
    found = book.match("I will quit, he hits me every day", "en")
    assert found is not None and (found.category, found.severity) == ("abuse", "urgent")
    found = book.match("ich hör auf. I want to die", "de")  # the other language's list, more severe
    assert found is not None and (found.severity, found.phrase) == ("urgent", "want to die")
    found = book.match("i quit", "en")
    assert found is not None and found.severity == "high"


def test_folding_is_the_same_for_text_and_phrases() -> None:
    assert fold("Schlägt") == fold("schlaegt") == fold("SCHLAGT")
    assert fold("Straße") == fold("strasse") == fold("strase")
    assert fold("Don’t  wanna…   live!") == fold("dont wanna live")
    assert fold("J'ARRÊTE") == fold("jarrete")


def test_a_programme_directory_extends_the_lists(tmp_path: Path) -> None:
    (tmp_path / "de.toml").write_text(
        '[quitting]\nphrases = ["ich pack das nicht mehr"]\n\n'
        '[bullying]\nseverity = "high"\nphrases = ["mobben mich"]\n',
        encoding="utf-8",
    )
    (tmp_path / "tr.toml").write_text(
        '[self_harm]\nseverity = "urgent"\nphrases = ["ölmek istiyorum"]\n', encoding="utf-8"
    )
    book = load_phrases(tmp_path)
    found = book.match("Ich pack das nicht mehr", "de")
    assert found is not None and (found.category, found.severity) == ("quitting", "high")
    found = book.match("die kollegen mobben mich", "en")
    assert found is not None and (found.category, found.severity) == ("bullying", "high")
    found = book.match("olmek istiyorum", "de")
    assert found is not None and found.category == "self_harm"
    assert book.match("he hits me", "tr") is not None  # the shipped lists stay
    assert load_phrases().match("ich pack das nicht mehr", "de") is None  # no leak into the default


def test_the_directory_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "en.extra.toml").write_text('[quitting]\nphrases = ["so over this job"]\n', encoding="utf-8")
    monkeypatch.setenv("TANDEM_PHRASES_DIR", str(tmp_path))
    found = load_phrases().match("I am so over this job", "en")
    assert found is not None and found.category == "quitting"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[abuse]\nseverity = "very"\nphrases = ["x y"]\n', "de.toml: abuse.severity: Input should be"),
        ('[abuse]\nphrases = ["ok", 3]\n', "de.toml: abuse.phrases[1]: Input should be a valid string"),
        ('[abuse]\nphrases = ["ok", "!!"]\n', "de.toml: abuse.phrases[1]: '!!' has no letters to match"),
        ("[abuse]\nphrases = []\n", "de.toml: abuse.phrases: List should have at least 1 item"),
        (
            '[abuse]\nphrases = ["ok"]\nphrase = ["x"]\n',
            "de.toml: abuse.phrase: Extra inputs are not permitted",
        ),
        ('[new_thing]\nphrases = ["ok"]\n', "de.toml: new_thing.severity: a new category needs a severity"),
        ("[abuse\n", "de.toml: not valid TOML"),
    ],
)
def test_a_broken_file_names_the_file_and_the_key(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "de.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_phrases(tmp_path)
    assert message in str(raised.value)


def test_every_shipped_language_has_screening_cases() -> None:
    for language in shipped_locales():
        cases = tomllib.loads((CASES / f"{language}.toml").read_text(encoding="utf-8"))
        categories = {case["category"] for case in cases.get("hit", [])}
        assert categories >= {"self_harm", "abuse", "violence", "quitting"}, (language, categories)
        assert len(cases.get("miss", [])) >= 5, language


def test_the_shipped_lists_cover_every_category_in_every_language(book: PhraseBook) -> None:
    assert set(book.languages) >= set(shipped_locales())
    for language in shipped_locales():
        for category, severity in [
            ("self_harm", "urgent"),
            ("abuse", "urgent"),
            ("violence", "urgent"),
            ("quitting", "high"),
        ]:
            phrases = [m for m in book._found[language].values() if m.category == category]
            assert 10 <= len(phrases) <= 30, (language, category)  # reviewable, one by one
            assert {m.severity for m in phrases} == {severity}


def test_no_shipped_phrase_repeats_another_once_folded() -> None:
    for path in sorted(SHIPPED_DIR.glob("*.toml")):
        phrases = [
            p for category in tomllib.loads(path.read_text("utf-8")).values() for p in category["phrases"]
        ]
        folded = [fold(p) for p in phrases]
        assert len(set(folded)) == len(folded), [p for p in phrases if folded.count(fold(p)) > 1]
