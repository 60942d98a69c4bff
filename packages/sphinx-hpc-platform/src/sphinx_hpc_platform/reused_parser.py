"""Sphinx's reST parser, made cheaper for translated pages; the doctrees, and the site, are the same.

Sphinx parses each page, then each translated message of a translated page as a document of its
own, twice (once to map the titles, once to translate), each time with a new docutils state machine.
Building one compiles the transitions of its eleven states, which costs more than parsing a
one-paragraph message: a French build of this guide made 922 such parses of 534 messages, a quarter
of its time. So this parser

- keeps docutils' state machines for the next parse, one that no other parse is running: they are
  made to run again (each run sets up its document, memo and reporter anew and drops its observers
  at its end; docutils itself keeps a state's nested machines for its next nested parse);
- remembers, per build environment, the doctree of each translated message (a document named after
  its page and line, not the page being read), and gives the second parse of the same text there a
  copy of the first one's.
"""
from __future__ import annotations

import weakref

import docutils.statemachine
from docutils import nodes
from docutils.parsers.rst import states
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.parsers import RSTParser


class ReusingRSTParser(RSTParser):
    idle: list[states.RSTStateMachine] = []  # of this process: a parse inside a parse takes another
    messages: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # env -> {(text, source): nodes}

    def parse(self, inputstring: str | StringList, document: nodes.document) -> None:
        env = getattr(document.settings, "env", None)  # Sphinx's, on every document it parses
        parsed = self.messages.setdefault(env, {}) if env is not None and is_message(document, env) else None
        key = (inputstring if isinstance(inputstring, str) else "\n".join(inputstring), document["source"])
        if parsed is not None and key in parsed:
            self.setup_parse(inputstring, document)
            document.extend(node.deepcopy() for node in parsed[key])
            self.finish_parse()
            return
        self.parse_with_an_idle_machine(inputstring, document)
        if parsed is not None:
            parsed[key] = [node.deepcopy() for node in document.children]

    def parse_with_an_idle_machine(self, inputstring: str | StringList, document: nodes.document) -> None:
        if document.reporter.debug_flag:  # docutils' debug output is made when a machine is built
            return super().parse(inputstring, document)
        self.setup_parse(inputstring, document)
        machine = self.idle.pop() if self.idle else states.RSTStateMachine(
            state_classes=self.state_classes, initial_state=self.initial_state)
        self.statemachine = machine
        if isinstance(inputstring, str):
            lines = docutils.statemachine.string2lines(
                inputstring, tab_width=document.settings.tab_width, convert_whitespace=True)
            inputlines = StringList(lines, document.current_source)
        else:
            inputlines = inputstring
        self.decorate(inputlines)
        try:
            machine.run(inputlines, document, inliner=self.inliner)
        finally:
            self.idle.append(machine)
        self.finish_parse()
        return None


def is_message(document: nodes.document, env) -> bool:
    """A document of its own while a page is read: a translated message of that page."""
    current = env.current_document.docname
    return bool(current) and document["source"] != str(env.doc2path(current))


def setup(app: Sphinx) -> dict:
    app.add_source_parser(ReusingRSTParser, override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
