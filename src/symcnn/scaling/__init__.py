"""How cost scales with the input size: exact sweeps over many sizes, and formulas in H_0, W_0."""
