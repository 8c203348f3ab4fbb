#!/usr/bin/env bash
# Re-extract every translatable string, merge into the catalogs, compile.
# Usage: bash scripts/i18n.sh [--check]   (--check: fail if a msgid lacks an Indonesian translation)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
$PY -m babel.messages.frontend extract --ignore-dirs '.*' -F babel.cfg -k _l -k N_ -k lazy_gettext --no-location --sort-output -o crm/translations/messages.pot . >/dev/null
for lang in id en; do
  if [ -f "crm/translations/$lang/LC_MESSAGES/messages.po" ]; then
    $PY -m babel.messages.frontend update -i crm/translations/messages.pot -d crm/translations -l "$lang" --no-fuzzy-matching --ignore-obsolete >/dev/null
  else
    $PY -m babel.messages.frontend init -i crm/translations/messages.pot -d crm/translations -l "$lang" >/dev/null
  fi
done
$PY -m babel.messages.frontend compile -d crm/translations >/dev/null
echo "catalogs updated and compiled"
if [ "${1:-}" = "--check" ]; then
  $PY - <<'PYEOF'
import sys
from babel.messages.pofile import read_po
with open("crm/translations/id/LC_MESSAGES/messages.po", "rb") as fh:
    catalog = read_po(fh)
missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
for m in missing:
    print("untranslated:", m)
sys.exit(1 if missing else 0)
PYEOF
fi
