"""The bundled names corpus: a clean, sorted list of dinosaur genus names."""

import re

import pytest

from engine.resources import resource_path

CORPUS = resource_path("names", "dinosaurs.txt")


@pytest.fixture(scope="module")
def raw() -> bytes:
    return CORPUS.read_bytes()


@pytest.fixture(scope="module")
def names(raw: bytes) -> list[str]:
    return raw.decode("ascii").split("\n")[:-1]  # the file ends with a newline


def test_file_ends_with_a_single_newline(raw: bytes) -> None:
    assert raw.endswith(b"\n")
    assert not raw.endswith(b"\n\n")
    assert b"\r" not in raw


def test_no_empty_lines(names: list[str]) -> None:
    assert all(names), "empty line in the corpus"


def test_ascii_letters_capitalised_like_genus_names(names: list[str]) -> None:
    bad = [n for n in names if not re.fullmatch(r"[A-Z][a-z]+", n)]
    assert bad == []


def test_sorted_and_unique(names: list[str]) -> None:
    assert names == sorted(set(names))


def test_at_least_a_thousand_names(names: list[str]) -> None:
    assert len(names) >= 1000
