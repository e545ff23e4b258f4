#!/usr/bin/env python3
"""Check the Simplified Chinese catalogue for translations that cannot be right.

    python scripts/check_translations.py [PO_FILE] [--allow ALLOW_LIST]

Fails (exit 1, saying which entries and why) when:

- two different messages share one translation: "%(counter)s record" and "%(counter)s enterprise found"
  both rendered as "找到 %(counter)s 家企业" was a real bug. Messages that differ only in letter case, or
  only as the singular and plural of their last word ("Credit record", "credit records"), are the same
  message to a Chinese reader and pass. Any other pair that is meant to read the same is listed, with
  the reason, in scripts/translation_duplicates.toml; an entry there that no longer holds (a msgid
  gone, or translated differently now) fails too, so the list stays short and true;
- the header's Plural-Forms is not the language's (Chinese has one form: "nplurals=1; plural=0;"), or a
  plural entry has another number of forms;
- a translation drops or invents a %(name)s placeholder of its msgid.

Run on the project's own catalogue, it also fails when a message the code asks for is not in it, or not
translated: each gettext call (``_``, ``gettext``, ``ngettext``, ``pgettext`` and their lazy forms) with a
literal message in the project's Python code. ``makemessages`` misses a call written inside an f-string
(xgettext does not read them), and three strings of the search page were shown in English on the
Chinese page that way.

Only the standard library: it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
DEFAULT_ALLOW = Path(__file__).resolve().parent / "translation_duplicates.toml"
PLURAL_FORMS = {"zh_Hans": "nplurals=1; plural=0;", "zh_Hant": "nplurals=1; plural=0;"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifgeExXr]")
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr\[(\d+)\]|msgstr)\s+(\".*\")\s*$")


@dataclass
class Entry:
    msgid: str = ""
    context: str | None = None
    plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())

    def label(self) -> str:
        text = repr(self.msgid) if self.plural is None else f"{self.msgid!r} / {self.plural!r}"
        return f"[{self.context}] {text}" if self.context is not None else text


def parse(path: Path) -> list[Entry]:
    """The entries of a .po file (header included, as the entry with an empty msgid)."""
    entries: list[Entry] = []
    entry, target = Entry(), None

    def close():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            close()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            continue
        match = KEYWORD.match(line)
        if match:
            keyword, index, literal = match.groups()
            if keyword == "msgid" and target is not None and target[0] != "msgctxt":
                close()  # no blank line between two entries
            if not entry.line:
                entry.line = number
            value = ast.literal_eval(literal)
            if keyword == "msgctxt":
                entry.context, target = value, ("msgctxt",)
            elif keyword == "msgid":
                entry.msgid, target = value, ("msgid",)
            elif keyword == "msgid_plural":
                entry.plural, target = value, ("msgid_plural",)
            else:
                slot = int(index) if index is not None else 0
                entry.msgstr[slot], target = value, ("msgstr", slot)
            continue
        if line.startswith('"') and target is not None:
            value = ast.literal_eval(line)
            if target[0] == "msgctxt":
                entry.context += value
            elif target[0] == "msgid":
                entry.msgid += value
            elif target[0] == "msgid_plural":
                entry.plural += value
            else:
                entry.msgstr[target[1]] += value
            continue
        raise ValueError(f"{path}:{number}: cannot read {raw!r}")
    close()
    return entries


def fold(msgid: str) -> str:
    """One spelling for the same English message: letter case, and the plural of its last word."""
    text = " ".join(msgid.split()).casefold()
    match = re.search(r"([a-z]+)(\W*)$", text)
    if match:
        word, tail = match.groups()
        if word.endswith("ies") and len(word) > 4:
            word = word[:-3] + "y"
        elif word.endswith(("sses", "xes", "ches", "shes")):
            word = word[:-2]
        elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
            word = word[:-1]
        text = text[: match.start()] + word + tail
    return text


@dataclass
class AllowedGroup:
    keys: list[tuple[str | None, str]]
    reason: str


def load_allow_list(path: Path) -> list[AllowedGroup]:
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    groups = []
    for number, item in enumerate(data.get("same", []), start=1):
        reason = str(item.get("reason", "")).strip()
        msgids = item.get("msgids", [])
        if not reason or len(msgids) < 2:
            raise ValueError(f"{path}: entry {number} needs at least two msgids and a reason")
        keys = []
        for msgid in msgids:
            if isinstance(msgid, dict):
                keys.append((msgid.get("context"), msgid["msgid"]))
            else:
                keys.append((None, str(msgid)))
        groups.append(AllowedGroup(keys, reason))
    return groups


def check(po_path: Path, allow_path: Path, language: str | None = None) -> list[str]:
    """Every problem found, one message each; an empty list when the catalogue is sound."""
    entries = parse(po_path)
    problems: list[str] = []
    header = next((e for e in entries if e.msgid == "" and e.context is None and not e.obsolete), None)
    headers = {}
    if header is not None:
        for row in header.msgstr.get(0, "").splitlines():
            name, _, value = row.partition(":")
            headers[name.strip().lower()] = value.strip()
    language = language or headers.get("language") or po_path.parent.parent.name
    expected = PLURAL_FORMS.get(language)
    plural_forms = headers.get("plural-forms", "")
    nplurals = re.search(r"nplurals\s*=\s*(\d+)", plural_forms)
    if expected and " ".join(plural_forms.split()) != expected:
        problems.append(
            f"Plural-Forms of {language} must be {expected!r}, the catalogue says {plural_forms!r}"
        )

    live = [e for e in entries if e.msgid and not e.obsolete]
    for e in live:
        if e.plural is not None and nplurals and len(e.msgstr) != int(nplurals.group(1)) and e.translated:
            problems.append(
                f"line {e.line}: {e.label()} has {len(e.msgstr)} plural forms, the language has {nplurals.group(1)}"
            )
        if not e.translated or "fuzzy" in e.flags:
            continue
        wanted = set(PLACEHOLDER.findall(e.msgid)) | set(PLACEHOLDER.findall(e.plural or ""))
        for slot, text in e.msgstr.items():
            found = set(PLACEHOLDER.findall(text))
            needed = wanted if e.plural is None else set(PLACEHOLDER.findall(e.plural))
            if found - wanted or (len(e.msgstr) == 1 and needed - found):
                problems.append(
                    f"line {e.line}: {e.label()}: the translation's placeholders {sorted(found)} "
                    f"are not the msgid's {sorted(wanted)} (msgstr[{slot}] {text!r})"
                )

    by_key = {e.key: e for e in live}
    translation_of = {e.key: e.msgstr.get(0) for e in live if e.translated and "fuzzy" not in e.flags}
    allowed = load_allow_list(allow_path)
    parent: dict[tuple, tuple] = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(a, b):
        parent[find(a)] = find(b)

    for group in allowed:
        missing = [key for key in group.keys if key not in by_key]
        shared = {translation_of.get(key) for key in group.keys}
        listed = ", ".join(repr(msgid) for _, msgid in group.keys)
        if missing:
            problems.append(
                f"{allow_path.name}: {listed} ({group.reason}): not in the catalogue any more: "
                + ", ".join(repr(msgid) for _, msgid in missing)
                + " (remove or update the entry)"
            )
        elif len(shared) != 1 or None in shared:
            problems.append(
                f"{allow_path.name}: {listed} ({group.reason}) no longer share one translation "
                f"({' / '.join(sorted(str(s) for s in shared))}): remove the entry"
            )
        for key in group.keys[1:]:
            union((key[0], fold(key[1])), (group.keys[0][0], fold(group.keys[0][1])))

    sharing: dict[str, list[Entry]] = defaultdict(list)
    for e in live:
        if not e.translated or "fuzzy" in e.flags:
            continue
        for text in set(e.msgstr.values()):
            sharing[text].append(e)
    for text, group in sorted(sharing.items()):
        components = defaultdict(list)
        for e in group:
            components[find((e.context, fold(e.msgid)))].append(e)
        if len(components) > 1:
            listed = "\n".join(
                "    " + " = ".join(f"{e.label()} (line {e.line})" for e in members)
                for members in components.values()
            )
            problems.append(f"different messages share the translation {text!r}:\n{listed}")
    return problems


# The gettext functions: where their context, message and plural are among the arguments.
GETTEXT_CALLS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
SOURCE_ROOTS = ("config", "registry", "sanctions", "lookup")


def code_messages(roots: tuple[Path, ...]) -> list[tuple[Path, int, str | None, str]]:
    """(file, line, context, msgid) of every gettext call with literal arguments in the Python files
    under ``roots`` (migrations left out), f-strings included: ``ast`` reads the calls inside them."""
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name not in GETTEXT_CALLS:
                    continue
                context_at, msgid_at, _plural_at = GETTEXT_CALLS[name]
                wanted = [i for i in (context_at, msgid_at) if i is not None]
                if len(node.args) <= max(wanted) or not all(
                    isinstance(node.args[i], ast.Constant) and isinstance(node.args[i].value, str)
                    for i in wanted
                ):
                    continue
                context = node.args[context_at].value if context_at is not None else None
                found.append((path, node.lineno, context, node.args[msgid_at].value))
    return found


def messages_not_in_catalogue(po_path: Path, roots: tuple[Path, ...] | None = None) -> list[str]:
    """The code's messages (``code_messages``) that the catalogue lacks or leaves untranslated."""
    roots = roots or tuple(ROOT / name for name in SOURCE_ROOTS)
    translated = {
        e.key
        for e in parse(po_path)
        if e.msgid and not e.obsolete and e.translated and "fuzzy" not in e.flags
    }
    problems = []
    for path, line, context, msgid in code_messages(roots):
        if msgid and (context, msgid) not in translated:
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            problems.append(
                f"{where}:{line}: {msgid!r}"
                + (f" (context {context!r})" if context is not None else "")
                + " is not translated in the catalogue (a call inside an f-string is not extracted by "
                "makemessages: take the call out of the f-string, then run 'make messages')"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("po", nargs="?", type=Path, default=DEFAULT_PO)
    parser.add_argument(
        "--allow", type=Path, default=DEFAULT_ALLOW, help="the allow-list of intended duplicates"
    )
    args = parser.parse_args(argv)
    problems = check(args.po, args.allow)
    if args.po.resolve() == DEFAULT_PO.resolve():
        problems += messages_not_in_catalogue(args.po)
    if not problems:
        print(
            f"{args.po.relative_to(ROOT) if args.po.is_relative_to(ROOT) else args.po}: translations check out"
        )
        return 0
    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        f"\n{len(problems)} problem(s). Translate each message for what it says; give a msgid used with two "
        "meanings a context (pgettext / {% translate ... context ... %}); or, when two messages are meant "
        f"to read the same, list them with the reason in {args.allow.name}.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
