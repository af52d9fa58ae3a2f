"""Transcript-only question analysis: the command, the page and the Redis cache."""

import hashlib
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.urls import reverse

from analysis import questions
from jobs.questions import labelling
from tests.conftest import ROOT, login

LINES = [
    "Teacher: What do you notice about the leaves?",
    "Teacher: How many legs does a spider have?",
    "Teacher: Please hang up your coats.",
    "Why do you think the ice melted?",
]


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def run_command(*args, stdin=""):
    return subprocess.run(
        [sys.executable, "manage.py", "classify_questions", *args],
        cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_command_labels_lines_from_stdin(fresh_cache):
    proc = run_command(stdin="\n".join(LINES) + "\n\n")
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.strip().splitlines()]
    assert [r[1] for r in rows] == ["OEQ", "CEQ", "NONQ", "OEQ"]
    assert rows[0][0] == "What do you notice about the leaves?"  # the speaker prefix is not part of the text
    assert all(0 < float(r[2]) <= 1 for r in rows)


def test_the_command_reads_the_first_column_of_a_tsv(tmp_path, fresh_cache):
    path = tmp_path / "utterances.tsv"
    path.write_text("Is it your turn?\tT1\t00:01\nTell me about your picture.\tT1\t00:05\n")
    proc = run_command(str(path))
    assert [line.split("\t")[1] for line in proc.stdout.splitlines()] == ["CEQ", "OEQ"]


def test_the_command_explains_a_missing_file():
    proc = run_command("no-such-file.txt")
    assert proc.returncode != 0 and "cannot read no-such-file.txt" in proc.stderr


def test_labels_are_cached_by_text_and_model_version(fresh_cache, monkeypatch):
    first = labelling.label_lines(LINES)
    digest = hashlib.sha256(b"Why do you think the ice melted?").hexdigest()
    assert cache.get(f"questions:{questions.model_version()}:{digest}")["label"] == "OEQ"

    def model_must_not_run(texts):
        raise AssertionError(f"classified again: {texts}")

    monkeypatch.setattr(questions, "classify", model_must_not_run)
    assert labelling.label_lines(LINES) == first


def test_the_page_labels_pasted_text(client, vera, fresh_cache):
    login(client, vera)  # viewers may use it: it stores nothing
    response = client.post(reverse("dashboard:questions"), {"text": "\n".join(LINES)})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('class="badge q-oeq"') == 2 and 'class="badge q-nonq"' in body
    assert response.context["summary"]["oeq_share"] == pytest.approx(2 / 3, abs=0.001)


def test_the_page_asks_for_text(client, bob):
    response = login(client, bob).post(reverse("dashboard:questions"), {"text": "   \n  "})
    assert "Paste at least one utterance" in response.content.decode()


def test_the_page_needs_a_member(client):
    assert client.get(reverse("dashboard:questions")).status_code == 302
