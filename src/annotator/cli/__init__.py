"""The command line: ``annotator FILE`` opens the reader; ``annotator export|import|stats|suggest|spacy-config``
run the data commands."""

from .reader import main

__all__ = ["main"]
