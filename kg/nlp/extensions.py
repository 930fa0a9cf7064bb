"""spaCy extension attributes shared by casekg components (registered once)."""

from __future__ import annotations

from spacy.tokens import Doc, Span

# The span group every casekg recogniser writes into; spans may overlap.
SPAN_GROUP = "casekg"


def register() -> None:
    """Idempotent: safe to call from every component factory."""
    for name, default in (
        ("concept_label", None),  # normalised label of the linked concept
        ("xrefs", ()),  # further CURIEs
        ("attrs", None),  # dict: dose, unit, frequency, route, polarity, body_site, outcome
        ("status", "present"),  # assertion status set by context
        ("cue", None),  # text of the context cue
    ):
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    if not Doc.has_extension("patients"):
        Doc.set_extension("patients", default=None)  # list[dict] set by the patients component
    if not Doc.has_extension("sent_patient"):
        Doc.set_extension("sent_patient", default=None)  # dict: sentence start token -> patient id
    if not Doc.has_extension("statements"):
        Doc.set_extension("statements", default=None)  # list[dict] set by the relations component
