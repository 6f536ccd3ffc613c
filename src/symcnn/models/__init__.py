"""Models from outside an exam: the PyTorch importer, the model zoo and per-layer reports."""
