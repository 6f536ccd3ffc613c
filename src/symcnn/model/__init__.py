"""The model: cost rules, layer types, the network graph, its derivation and evaluation, conventions.

Everything here is about a network alone (no exam, no rendering): shapes, parameters and
operation counts as sympy formulas or exact integers, and the cost conventions that weigh
the counts (symcnn's own and the peer counters' presets).
"""
