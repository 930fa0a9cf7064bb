"""The spaCy pipeline that turns repaired case-report text into an Extraction."""
