"""Fill locale/en/LC_MESSAGES/django.po from the English tables beside this script.

Run after ``makemessages``: ``.venv/bin/python locale/fill_en.py`` then ``compilemessages``.
Only empty (or fuzzy) entries are filled; translations someone wrote by hand are kept.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PO = HERE / "en" / "LC_MESSAGES" / "django.po"


def load_tables():
    en, plurals = {}, {}
    for path in sorted(HERE.glob("en_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        en.update(getattr(module, "EN", {}))
        plurals.update(getattr(module, "PLURALS", {}))
    return en, plurals


def unquote(line: str) -> str:
    body = line.strip()[1:-1]
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def parse_block(lines):
    fields, order, current = {}, [], None
    comments = []
    for line in lines:
        if line.startswith("#"):
            comments.append(line)
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line)
        if match:
            current = match.group(1)
            fields[current] = unquote(match.group(2))
            order.append(current)
        elif current:
            fields[current] += unquote(line)
    return comments, fields, order


def main() -> int:
    en, plurals = load_tables()
    text = PO.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    out, filled, missing = [], 0, []
    for index, block in enumerate(blocks):
        lines = [line for line in block.split("\n") if line]
        comments, fields, order = parse_block(lines)
        msgid = fields.get("msgid")
        if index == 0 or not msgid:
            out.append(block)
            continue
        fuzzy = any(c.startswith("#,") and "fuzzy" in c for c in comments)
        if "msgid_plural" in fields:
            done = fields.get("msgstr[0]") and not fuzzy
            if not done and msgid in plurals:
                fields["msgstr[0]"], fields["msgstr[1]"] = plurals[msgid]
                filled += 1
            elif not done:
                missing.append(msgid)
        else:
            done = fields.get("msgstr") and not fuzzy
            if not done and msgid in en:
                fields["msgstr"] = en[msgid]
                filled += 1
            elif not done:
                missing.append(msgid)
        if fuzzy and msgid in en or (fuzzy and msgid in plurals):
            # A filled entry is no longer fuzzy: its "#|" previous-msgid lines go too (msgfmt
            # rejects them once they stand before the flags line).
            comments = [c for c in comments if not c.startswith(("#,", "#|"))] + [
                c.replace("fuzzy, ", "").replace(", fuzzy", "") for c in comments if c.startswith("#,") and c.strip() not in ("#, fuzzy",)
            ]
        rendered = list(comments)
        for key in order:
            rendered.append(f"{key} {quote(fields[key])}")
        out.append("\n".join(rendered))
    PO.write_text("\n\n".join(out).rstrip("\n") + "\n", encoding="utf-8")
    print(f"filled {filled}; still untranslated {len(missing)}")
    if "-v" in sys.argv:
        print("\n".join(missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
