#!/usr/bin/env bash
# Refresh the translations after changing a user-facing text (README: Translations):
#   1. extract every message of crawler/ into crawler/locale/nianbao.pot,
#   2. update the zh_CN and en catalogs from it (new messages get an empty msgstr; no fuzzy guesses),
#   3. fill the English catalog's empty entries with their (English) msgid,
#   4. compile the .mo files, and list what still needs a Chinese translation.
# tests/test_i18n.py fails while any message lacks a translation.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=.venv/bin/pybabel
$PYBABEL extract -F babel.cfg -k N_ -k Text --no-location --sort-output --project nianbao \
  --copyright-holder "nianbao" --msgid-bugs-address "https://github.com/nianbao" -o crawler/locale/nianbao.pot crawler
for lang in zh_CN en; do
  if [ ! -f "crawler/locale/$lang/LC_MESSAGES/nianbao.po" ]; then
    $PYBABEL init -i crawler/locale/nianbao.pot -d crawler/locale -D nianbao -l "$lang" --no-wrap
  fi
  $PYBABEL update -i crawler/locale/nianbao.pot -d crawler/locale -D nianbao -l "$lang" --no-fuzzy-matching \
    --ignore-obsolete --no-wrap
done
.venv/bin/python - <<'PY'
from babel.messages.pofile import read_po, write_po

path = "crawler/locale/en/LC_MESSAGES/nianbao.po"
with open(path, "rb") as fp:
    catalog = read_po(fp, locale="en")
for message in catalog:
    if message.id and not message.string:
        message.string = message.id
with open(path, "wb") as fp:
    write_po(fp, catalog, no_location=True, ignore_obsolete=True, width=0)
PY
# No creation date in the files: it would change on every run and make merges conflict.
sed -i '/^"POT-Creation-Date: /d' crawler/locale/nianbao.pot crawler/locale/*/LC_MESSAGES/nianbao.po
$PYBABEL compile -d crawler/locale -D nianbao --statistics
# What the Chinese catalog still lacks (fill its msgstr, then run this script again):
.venv/bin/python -c '
from babel.messages.pofile import read_po
catalog = read_po(open("crawler/locale/zh_CN/LC_MESSAGES/nianbao.po", "rb"))
todo = [m.id for m in catalog if m.id and not m.string]
print("\n".join(["untranslated in zh_CN:", *todo]) if todo else "zh_CN: every message translated")'

