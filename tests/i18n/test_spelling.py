"""French spelling of every translated message: hunspell's fr_FR dictionary plus locale/fr/wordlist.txt."""

import pytest

from tests.i18n.catalogs import ROOT, catalog_files, translated_entries, where
from tests.i18n.spelling import WORDLIST, is_project_word, project_words, text_to_check, unknown_words, words_of

FRENCH_CATALOGS = [path for path in catalog_files() if path.relative_to(ROOT / "locale").parts[0] == "fr"]


@pytest.mark.parametrize("po_path", FRENCH_CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_french_spelling(po_path):
    entries = translated_entries(po_path)
    words = project_words()
    terms = [""] + [entry.msgid for entry in entries[:-1]]  # what the message before each says
    unknown = unknown_words([text_to_check(entry.msgid, entry.msgstr, term)
                             for entry, term in zip(entries, terms)])
    problems = [
        f"{where(po_path, entry)}: unknown word {word!r}"
        for entry, found in zip(entries, unknown)
        for word in found
        if not is_project_word(word, words)
    ]
    assert not problems, (
        f"misspelled French (a technical word that is right goes in {WORDLIST.relative_to(ROOT)}):\n"
        + "\n".join(problems)
    )


def test_spell_checker_catches_a_misspelling_and_knows_french():
    assert unknown_words(["Chargez l'environnement virtuel sur le nœud de calcul.", "Chargez l'envirronement."]) == [
        [],
        ["l'envirronement"],
    ]


def test_english_quoted_in_italics_is_not_spell_checked_but_titles_are():
    text = text_to_check("French: *cœur*, see :term:`core`.", "Anglais : *core*, voir :term:`cœurr <core>`.")
    assert words_of(text) == ["Anglais", "voir", "cœurr"]


def test_a_definition_may_quote_its_whole_term_and_nothing_else():
    text = text_to_check("One job of an array.", "Anglais : *array task*, *tâchee*.", term="array task")
    assert words_of(text) == ["Anglais", "tâchee"]


def test_file_and_module_names_are_not_words():
    assert words_of("Le script cavity-job.sh lit requirements.txt avec numpy.linalg.") == \
        ["Le", "script", "lit", "avec"]


def test_word_list_is_sorted_and_has_no_duplicates():
    words = [line.strip() for line in WORDLIST.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    in_order = sorted(set(words), key=lambda word: (word.casefold(), word))
    assert words == in_order, f"{WORDLIST.relative_to(ROOT)}: keep it sorted (sort -f), once each"
