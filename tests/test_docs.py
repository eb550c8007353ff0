"""Every reference in the repository resolves inside it: no design file, contract or issue that
only the team that wrote it can open, and no Markdown link to a file that is not there."""

import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTSIDE = re.compile(r"DESIGN(\.md| §)|§\s*\d|\.\./shared|octopus-api\.md|\b[Ii]ssue \d+\b")
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


def tracked(*endings):
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    return [n for n in names if n.endswith(endings) and os.path.exists(os.path.join(ROOT, n))]


def test_no_file_cites_a_document_outside_the_repository():
    cited = []
    for name in tracked(".py", ".md", ".toml", ".json") + [".ci/run"]:
        if name == "tests/test_docs.py":
            continue
        with open(os.path.join(ROOT, name), encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if OUTSIDE.search(line):
                    cited.append("{0}:{1}: {2}".format(name, number, line.strip()[:100]))
    assert cited == []


def test_every_relative_markdown_link_points_at_a_file_of_the_repository():
    broken = []
    for name in tracked(".md"):
        folder = os.path.dirname(os.path.join(ROOT, name))
        with open(os.path.join(ROOT, name), encoding="utf-8") as handle:
            for target, _anchor in LINK.findall(handle.read()):
                if "://" not in target and not os.path.exists(os.path.join(folder, target)):
                    broken.append("{0} -> {1}".format(name, target))
    assert broken == []
