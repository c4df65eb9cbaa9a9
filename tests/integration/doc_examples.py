"""The examples a user copies, taken from where they read them, so that a test can run every one.

Sources: the YAML and shell blocks of README.md, docs/*.md and the roles' READMEs, and the EXAMPLES of
every plugin (what `ansible-doc` shows). In Markdown:

- a ```yaml block is a playbook (a list of plays) or a list of tasks, and runs;
- a ```bash block's `ansible` and `ansible-playbook` lines run (other lines install or set up things);
- `<!-- example: file NAME -->` on the line before a block writes the block to NAME in the directory the
  document's examples run in, for the commands and playbooks after it; it does not run by itself;
- `<!-- example: not run, REASON -->` before a block: not an Ansible example (an ansible-builder file, for
  instance). Any other YAML block is an error, so that nothing is left out by accident.

Examples of one document run in order, against servers started for that document only.
"""

from __future__ import annotations

import ast
import glob
import os
import re
import shlex
from dataclasses import dataclass, field

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PRODUCTS = ("passbolt", "passwordstate", "opp")
_FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
_ANNOTATION = re.compile(r"^\s*<!--\s*example:\s*(file\s+(?P<file>\S+)|not run,\s*(?P<reason>.+?))\s*-->\s*$")
_COMMANDS = ("ansible", "ansible-playbook")


@dataclass
class Example:
    source: str          # path relative to the repository
    line: int            # first line of the block
    kind: str            # play | tasks | command | file | not-run
    text: str
    name: str = ""       # file name (kind file) or reason (kind not-run)

    @property
    def where(self):
        return "%s:%d" % (self.source, self.line)

    def command(self):
        return shlex.split(self.text)


@dataclass
class Document:
    source: str
    examples: list = field(default_factory=list)

    def runnable(self):
        return [e for e in self.examples if e.kind in ("play", "tasks", "command")]

    def products(self):
        """The products whose servers the examples need (by the plugins and roles they name)."""
        text = "\n".join(e.text for e in self.examples if e.kind != "not-run")
        used = set()
        for product in PRODUCTS:
            if re.search(r"pwman\.secrets\.%s|product:\s*%s\b" % (product, product), text):
                used.add(product)
        if re.search(r"pwman\.secrets\.(rotate|sync)\b", text):
            used.update(PRODUCTS)
        return sorted(used)


def _yaml_kind(text, where):
    data = yaml.safe_load(text)
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        if all("hosts" in item or "import_playbook" in item for item in data):
            return "play"
        return "tasks"
    raise ValueError("%s: a YAML block that is neither a playbook nor a list of tasks; mark it "
                     "<!-- example: file NAME --> or <!-- example: not run, REASON -->" % where)


def _command_lines(text):
    """The `ansible` / `ansible-playbook` command lines of a shell block (comments dropped)."""
    for raw in text.splitlines():
        words = shlex.split(raw, comments=True)
        if words and words[0] in _COMMANDS:
            yield words


def markdown_document(path):
    source = os.path.relpath(path, REPO)
    doc = Document(source)
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match or not match.group(2):
            index += 1
            continue
        indent, lang = match.group(1), match.group(2)
        annotation = _ANNOTATION.match(lines[index - 1]) if index else None
        start = index + 1
        end = start
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        text = "\n".join(line[len(indent):] for line in lines[start:end]) + "\n"
        where = "%s:%d" % (source, start)
        if annotation and annotation.group("file"):
            doc.examples.append(Example(source, start, "file", text, annotation.group("file")))
        elif annotation:
            doc.examples.append(Example(source, start, "not-run", text, annotation.group("reason")))
        elif lang in ("yaml", "yml"):
            doc.examples.append(Example(source, start, _yaml_kind(text, where), text))
        elif lang in ("bash", "sh", "shell"):
            for words in _command_lines(text):
                doc.examples.append(Example(source, start, "command", shlex.join(words)))
        index = end + 1
    return doc


def plugin_document(path):
    """A plugin's EXAMPLES: a list of tasks."""
    source = os.path.relpath(path, REPO)
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXAMPLES":
            return Document(source, [Example(source, node.lineno, _yaml_kind(node.value.value, source),
                                             node.value.value)])
    raise ValueError("%s has no EXAMPLES" % source)


def documents():
    markdown = ["README.md"] + sorted(glob.glob("docs/*.md", root_dir=REPO)) \
        + sorted(glob.glob("roles/*/README.md", root_dir=REPO))
    plugins = sorted(glob.glob("plugins/lookup/*.py", root_dir=REPO)) \
        + sorted(glob.glob("plugins/modules/*.py", root_dir=REPO))
    docs = [markdown_document(os.path.join(REPO, path)) for path in markdown]
    docs += [plugin_document(os.path.join(REPO, path)) for path in plugins]
    return [doc for doc in docs if doc.runnable()]


def segments(doc):
    """The document's runnable examples in order: runs of YAML blocks (one playbook each) and single commands."""
    current = []
    for example in doc.examples:
        if example.kind in ("play", "tasks"):
            current.append(example)
            continue
        if example.kind == "command":
            if current:
                yield "playbook", current
                current = []
            yield "command", [example]
    if current:
        yield "playbook", current


def playbook_text(examples):
    """One playbook of consecutive YAML examples: plays as written, task lists as a play on localhost."""
    plays = []
    for example in examples:
        data = yaml.safe_load(example.text)
        if example.kind == "play":
            for play in data:
                play.setdefault("name", example.where)
            plays.extend(data)
        else:
            plays.append({"name": example.where, "hosts": "localhost", "gather_facts": False, "tasks": data})
    return yaml.safe_dump(plays, sort_keys=False, width=1000)


def write_files(doc, directory):
    for example in doc.examples:
        if example.kind == "file":
            path = os.path.join(directory, example.name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(example.text)
