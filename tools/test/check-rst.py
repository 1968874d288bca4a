#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check-rst.py - Documentation/*.rst parse without an error or warning.

docutils alone, as Sphinx would read them: its own roles and directives
(:doc:, :ref:, toctree, kernel-doc) are accepted unchecked.  A malformed
table or an indented line a definition list did not expect is reported
with file and line; exit 1 if any.

usage: tools/test/check-rst.py FILE...
"""
import sys

from docutils import nodes, utils
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Directive, Parser, directives, roles


def sphinx_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.literal(rawtext, text)], []


class SphinxDirective(Directive):
    has_content = True
    optional_arguments = 10
    final_argument_whitespace = True
    option_spec = None

    def run(self):
        return []


# option_spec None refuses options: accept any
class AnyOptions(dict):
    def __missing__(self, key):
        return directives.unchanged


SphinxDirective.option_spec = AnyOptions()
for r in ("doc", "ref", "c:func", "c:type", "c:macro"):
    roles.register_local_role(r, sphinx_role)
for d in ("toctree", "kernel-doc"):
    directives.register_directive(d, SphinxDirective)

parser = Parser()
settings = get_default_settings(Parser)
settings.report_level = 5	# nothing printed by docutils: the observer does
settings.halt_level = 5
settings.warning_stream = False
bad = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    doc = utils.new_document(path, settings)
    msgs = []
    doc.reporter.attach_observer(
        lambda msg, msgs=msgs: msg["level"] >= utils.Reporter.WARNING_LEVEL and msgs.append(msg))
    parser.parse(text, doc)
    for m in msgs:
        print(m.astext().splitlines()[0])
    bad += len(msgs)
if bad:
    print(f"check-rst: {bad} problem(s)")
    sys.exit(1)
print(f"check-rst: {len(sys.argv) - 1} files parse cleanly")
