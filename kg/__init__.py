"""casekg: biomedical case reports -> knowledge graph -> SPARQL."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("casekg")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
