"""annotator: a terminal reader and span annotator for right-to-left text.

The names below are the API for pipeline authors.  They load on first use, so importing
``annotator`` costs nothing and never imports Textual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> the module that defines it
_API = {
    "Store": "annotator.store",
    "StoreError": "annotator.store",
    "Span": "annotator.store",
    "DocumentRecord": "annotator.store",
    "Snapshot": "annotator.store",
    "Record": "annotator.store",
    "open_store": "annotator.store",
    "load_text": "annotator.text.loading",
    "LoadError": "annotator.text.loading",
    "tokenize": "annotator.text.tokens",
    "LayoutOptions": "annotator.text.layout",
    "layout_paragraph": "annotator.text.layout",
    "visual_text": "annotator.text.layout",
    "ExportOptions": "annotator.pipeline.export",
    "export": "annotator.pipeline.export",
    "export_records": "annotator.pipeline.export",
    "ExportError": "annotator.pipeline.export",
    "import_file": "annotator.pipeline.importing",
}

__all__ = sorted(_API)

if TYPE_CHECKING:
    from annotator.pipeline.export import ExportError, ExportOptions, export, export_records
    from annotator.pipeline.importing import import_file
    from annotator.store import DocumentRecord, Record, Snapshot, Span, Store, StoreError, open_store
    from annotator.text.layout import LayoutOptions, layout_paragraph, visual_text
    from annotator.text.loading import LoadError, load_text
    from annotator.text.tokens import tokenize


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'annotator' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
