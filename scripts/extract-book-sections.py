#!/usr/bin/env python3
"""Derive stages/<book>/book.json (the book's section list) from a checkout of the LFS book.

Maintainer tool: `python3 scripts/extract-book-sections.py BOOK_CHECKOUT > stages/lfs-12.3/book.json`
where BOOK_CHECKOUT is the LFS book's source at the release tag (e.g. r12.3).  It records, for
chapters 4 to 11, every section in book order with its page name, title (entities resolved), and the
edition it belongs to ("both", "sysv" or "systemd").  Which sections carry a script is not decided
here: that is the stages/ directory's business, and a unit test holds the two together.
"""
import json
import re
import sys
from pathlib import Path

ENTITY_DEF = re.compile(r'<!ENTITY\s+([\w.-]+)\s+"([^"]*)"\s*>')
ENTITY_REF = re.compile(r'&([\w.-]+);')


def load_entities(book: Path) -> dict:
    ents = {}
    for name in ("packages.ent", "patches.ent", "general.ent"):
        ents.update(dict(ENTITY_DEF.findall((book / name).read_text())))
    return ents


def resolve(text: str, ents: dict) -> str:
    for _ in range(10):
        new = ENTITY_REF.sub(lambda m: ents.get(m.group(1), m.group(0)), text)
        if new == text:
            break
        text = new
    text = text.replace("&nbsp;", " ")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip()


def build_time(xml: str, ents: dict):
    """The book's "Approximate build time" of a package page, in SBU, without its test suite; a
    figure given as "less than 0.1 SBU" counts as half of it (0.05). None for pages without one."""
    titles = re.findall(r"<segtitle>(.*?)</segtitle>", xml, re.S)
    segs = re.findall(r"<seg>(.*?)</seg>", xml, re.S)
    if "&buildtime;" not in [t.strip() for t in titles] or len(segs) < len(titles):
        return None
    text = resolve(segs[[t.strip() for t in titles].index("&buildtime;")], ents)
    m = re.search(r"(less than )?([\d.]+) SBU", text)
    if not m:
        return None
    value = float(m.group(2))
    return round(value / 2, 3) if m.group(1) else value


def main() -> None:
    book = Path(sys.argv[1])
    ents = load_entities(book)
    chapters = []
    for number in range(4, 12):
        chapter_xml = (book / f"chapter{number:02d}" / f"chapter{number:02d}.xml").read_text()
        chapter_xml = re.sub(r"<!--(?!\s*(?:sysv|systemd|common)\s*-->).*?-->", "", chapter_xml, flags=re.S)
        title = resolve(re.search(r"<title>(.*?)</title>", chapter_xml, re.S).group(1), ents)
        marker = "both"
        sections = []
        for m in re.finditer(r'<!--\s*(sysv|systemd|common)\s*-->|href="([^"]+)\.xml"', chapter_xml):
            if m.group(1):
                marker = "both" if m.group(1) == "common" else m.group(1)
                continue
            page = m.group(2)
            xml = (book / f"chapter{number:02d}" / f"{page}.xml").read_text()
            sect = re.search(r"<sect1\b([^>]*)>", xml)
            attr = re.search(r'revision="(\w+)"', sect.group(1)) if sect else None
            edition = attr.group(1) if attr else marker
            sect_title = resolve(re.search(r"<title>(.*?)</title>", xml, re.S).group(1), ents)
            entry = {"page": page, "title": sect_title, "edition": edition}
            sbu = build_time(xml, ents)
            if sbu is not None:
                entry["sbu"] = sbu
            sections.append(entry)
        chapters.append({"number": number, "title": title, "sections": sections})
    json.dump({"release": "12.3", "tag": "r12.3", "chapters": chapters}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
