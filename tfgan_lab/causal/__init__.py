"""Causal graphs over named labels, exact distributions of a known causal model, and the
causal controller that samples label vectors under interventions (do) and conditions (cond)."""
