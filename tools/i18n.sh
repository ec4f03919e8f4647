#!/usr/bin/env bash
# Translations in one go: re-extract the template from the code, merge it into every
# catalogue, compile the .mo files. Run from anywhere; commit locales/ afterwards.
#
#   tools/i18n.sh             extract + update + compile
#   tools/i18n.sh new LANG    also start a catalogue for LANG (e.g. "it", "pt_BR")
#
# Simple language (locales/<lang>/LC_MESSAGES/simple.po) is a second domain, written by hand:
# its msgids are texts of the main template, its msgstrs their simple versions. It is compiled
# here, and every msgid it holds that the template no longer has is reported.
#
# tests/locales/test_catalogues.py uses the same extraction arguments: change both together.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DOMAIN=tandem
SIMPLE=simple
POT=locales/$DOMAIN.pot

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

python3 -m babel.messages.frontend extract -F pyproject.toml -k N_ -k t -k plural:1,2 \
    -k G_ -k pgettext:1c,2 --no-default-keywords \
    --sort-by-file --project="$DOMAIN" -o "$tmp" bot conversations

# Keep the old template when only its creation date would change: no noise in diffs.
same_but_date() { diff -q <(grep -v '^"POT-Creation-Date:' "$1") <(grep -v '^"POT-Creation-Date:' "$2") >/dev/null; }
if [[ -f $POT ]] && same_but_date "$tmp" "$POT"; then
    echo "template unchanged: $POT"
else
    cp "$tmp" "$POT"
    echo "template updated: $POT"
fi

if [[ ${1:-} == new ]]; then
    lang=${2:?usage: tools/i18n.sh new LANG}
    pybabel init -D "$DOMAIN" -i "$POT" -d locales -l "$lang"
fi

pybabel update -D "$DOMAIN" -i "$POT" -d locales --previous --ignore-pot-creation-date
pybabel compile -D "$DOMAIN" -d locales --statistics
pybabel compile -D "$SIMPLE" -d locales --statistics

# A simple version of a text the template no longer has is never shown: say which.
python3 - "$POT" locales/*/LC_MESSAGES/$SIMPLE.po <<'PY'
import sys
from babel.messages.pofile import read_po

with open(sys.argv[1], "rb") as f:
    known = {m.id for m in read_po(f) if m.id}
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        for message in read_po(f):
            if message.id and message.id not in known:
                print(f"warning: {path}: not in the template any more: {message.id!r}", file=sys.stderr)
PY

# Fuzzy or empty entries are not compiled: the bot shows English for them.
if grep -l '^#, .*fuzzy' locales/*/LC_MESSAGES/$DOMAIN.po 2>/dev/null | grep -v '/en/'; then
    echo "warning: the catalogues above have fuzzy entries to review" >&2
fi
