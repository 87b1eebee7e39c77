"""Partners: the registry of who owns which graph, and their tokens."""
