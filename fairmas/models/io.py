"""Reading instance files: YAML, JSON or TOML, chosen by extension.

Parsing problems (a missing file, a directory, broken syntax, an empty file,
a repeated key, a top level that is not a mapping) raise :class:`InstanceError`
with the file name and, where the parser knows it, the line and column.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import yaml

from fairmas.atomic import write_text_atomic
from fairmas.errors import InstanceError

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
"""File extension → parser name."""


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""LibYAML's parser when PyYAML was built with it (the wheels are): about 10× faster on
large instance files (a 2000×500 valuation matrix); the pure-Python one otherwise."""


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A YAML safe loader that refuses a key repeated in one mapping (PyYAML keeps the last)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _parse_yaml(text: str, source: str) -> Any:
    try:
        documents = list(yaml.load_all(text, Loader=_UniqueKeyLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
        raise InstanceError(source, where, f"invalid YAML: {problem}") from None
    documents = [doc for doc in documents if doc is not None]
    if len(documents) > 1:
        raise InstanceError(
            source,
            "(document)",
            f"holds {len(documents)} YAML documents; put one instance per file",
        )
    return documents[0] if documents else None


def _refuse_duplicate_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise ValueError(f"duplicate key {key!r}")
        mapping[key] = value
    return mapping


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_json_keys)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise InstanceError(source, where, f"invalid JSON: {exc.msg}") from None
    except ValueError as exc:
        raise InstanceError(source, "(document)", f"invalid JSON: {exc}") from None


def _parse_toml(text: str, source: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InstanceError(source, "(document)", f"invalid TOML: {exc}") from None


_PARSERS = {"yaml": _parse_yaml, "json": _parse_json, "toml": _parse_toml}


def read_document(path: str | Path, expected: str | None = None) -> dict[str, Any]:
    """Parse an instance file into a dictionary, without checking its fields.

    Parameters
    ----------
    path : str or Path
        A ``.yaml``/``.yml``, ``.json`` or ``.toml`` file.
    expected : str, optional
        What the file should hold, for the messages about an empty file or a
        top level that is not a mapping (default: an instance, a mapping with
        a ``kind`` field).

    Returns
    -------
    dict
        The top-level mapping of the file.

    Raises
    ------
    InstanceError
        When the file cannot be read or parsed, is empty, or is not a mapping.
    """
    source = str(path)
    file = Path(path)
    if file.is_dir():
        raise InstanceError(source, "", "is a directory, expected an instance file")
    if not file.exists():
        raise InstanceError(source, "", "no such file")
    parser = FORMATS.get(file.suffix.lower())
    if parser is None:
        known = ", ".join(FORMATS)
        raise InstanceError(
            source, "", f"unknown file type {file.suffix or '(none)'!r}; use one of {known}"
        )
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InstanceError(source, "", "is not UTF-8 text") from None
    except OSError as exc:
        raise InstanceError(source, "", f"cannot be read: {exc.strerror}") from None
    if not text.strip():
        wanted = expected or "a mapping with a 'kind'"
        raise InstanceError(source, "(document)", f"empty file; expected {wanted}")
    data = _PARSERS[parser](text, source)
    if not isinstance(data, dict):
        found = "nothing" if data is None else type(data).__name__
        wanted = expected or "a mapping with a 'kind' field"
        raise InstanceError(source, "(document)", f"must be {wanted} (found {found})")
    return data


WRITABLE_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
"""File extension → writer name (TOML through the ``tomli-w`` package)."""


def document_text(document: dict[str, Any], writer: str, comment: str | None = None) -> str:
    """An instance document as the text of a ``yaml``, ``json`` or ``toml`` file.

    ``comment`` becomes ``#`` lines at the top of YAML and TOML (JSON has no
    comments: there it is left out).

    Examples
    --------
    >>> print(document_text({"kind": "allocation", "agents": ["a", "b"]}, "yaml", "made by hand"))
    # made by hand
    kind: allocation
    agents:
    - a
    - b
    <BLANKLINE>
    """
    if writer == "json":
        text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    elif writer == "toml":
        import tomli_w

        text = tomli_w.dumps(document)
    else:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    if comment and writer != "json":
        text = "".join(f"# {line}".rstrip() + "\n" for line in comment.splitlines()) + text
    return text


def write_document(document: dict[str, Any], path: str | Path, comment: str | None = None) -> None:
    """Write an instance document as YAML, JSON or TOML (by extension), atomically.

    Parameters
    ----------
    document : dict
        The instance in the file format.
    path : str or Path
        ``.yaml``/``.yml``, ``.json`` or ``.toml``.
    comment : str, optional
        Written as ``#`` comment lines at the top of a YAML or TOML file (JSON
        has no comments: there it is left out).

    Raises
    ------
    InstanceError
        For an extension fairmas cannot write.
    """
    target = str(path)
    writer = WRITABLE_FORMATS.get(Path(path).suffix.lower())
    if writer is None:
        known = ", ".join(WRITABLE_FORMATS)
        raise InstanceError(
            target, "", f"cannot write file type {Path(path).suffix or '(none)'!r}; use {known}"
        )
    write_text_atomic(target, document_text(document, writer, comment))
