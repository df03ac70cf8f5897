"""An unexpected error's traceback as a log line may carry it: where, and the kinds of error, never their texts."""

from __future__ import annotations

from oke.observability.logs import bare_traceback

NAME, PATH, MAIL = "Jansen", "/persons/p-123", "jan@example.nl"


def _lookup(name: str, path: str) -> None:
    try:
        {}[name]
    except KeyError as error:
        raise ValueError(path) from error


def test_a_bare_traceback_names_the_frames_and_kinds_of_the_chain_not_their_texts() -> None:
    try:
        try:
            _lookup(NAME, PATH)
        except ValueError:
            raise RuntimeError(MAIL)  # noqa: B904 (its context is what is read)
    except RuntimeError as error:
        text = bare_traceback(error)
    assert NAME not in text and PATH not in text and MAIL not in text
    assert text.startswith("Traceback (most recent call last):")
    assert "in _lookup" in text and "\nKeyError\n" in text and "\nValueError\n" in text
    assert "The above exception was the direct cause of the following exception" in text
    assert "During handling of the above exception, another exception occurred" in text
    assert text.endswith("\nRuntimeError")
