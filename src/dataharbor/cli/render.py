"""Output helpers: Rich tables for people, `--json` for scripts, errors rendered in one place."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


def emit_json(obj: Any) -> None:
    # plain print: Rich would wrap long lines and break the JSON
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def write_or_print(text: str, path: Path | None) -> None:
    """A document to stdout, or into `path` with a note on stderr (stdout stays the document alone)."""
    if path is None:
        sys.stdout.write(text)
        return
    path.write_text(text, encoding="utf-8")
    err_console.print(f"Written {path}")


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    t = Table(title=title, title_justify="left", header_style="bold", min_width=len(title))
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*["" if v is None else str(v) for v in row])
    console.print(t)


def kv(title: str, items: dict[str, Any]) -> None:
    t = Table(title=title, title_justify="left", show_header=False)
    t.add_column("key", style="bold")
    t.add_column("value", overflow="fold")
    for k, v in items.items():
        t.add_row(k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str))
    console.print(t)


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
