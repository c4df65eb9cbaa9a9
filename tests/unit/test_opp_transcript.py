"""The OPP imitation answers each raw request as the real server did (issue 26).

tests/unit/fixtures/opp/transcript_real.json holds the real server's answers to the requests of
sandbox.opp.transcript, sent in order to a fresh server (how it was recorded: tests/sandbox/opp/README.md).
Here the same bytes go to a fresh imitation: status line, headers (but Date and Server), body and
whether the connection was closed must be the same, token values aside.
"""

from __future__ import annotations

import json

import pytest

from sandbox.common.httpserver import SandboxServer
from sandbox.opp import transcript
from sandbox.opp.app import OppApp

with open(transcript.TRANSCRIPT, encoding="utf-8") as _handle:
    RECORDED = json.load(_handle)["answers"]
LABELS = [step["label"] for step in transcript.steps()]


@pytest.fixture(scope="module")
def answers():
    app = OppApp({})
    server = SandboxServer(app)
    server.serve_in_thread()
    try:
        yield transcript.replay(server.base_url)
    finally:
        server.shutdown()
        server.server_close()


def test_every_step_was_recorded():
    assert sorted(LABELS) == sorted(RECORDED) and len(set(LABELS)) == len(LABELS)


def comparable(answer):
    answer = {k: v for k, v in answer.items() if k != "raw_body"}
    if "<JWT>" in answer["body"]:  # a token's length depends on the user's id
        answer["headers"] = {k: v for k, v in answer["headers"].items() if k != "content-length"}
    return answer


@pytest.mark.parametrize("label", LABELS)
def test_answer_as_recorded(answers, label):
    assert comparable(answers[label]) == comparable(RECORDED[label])
