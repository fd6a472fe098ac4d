"""Experiments that reproduce the evaluations of the seed papers (``fairmas experiment``)."""
