"""Kringloop: the knowledge graph and query service of the Utrecht circular-economy agenda."""
