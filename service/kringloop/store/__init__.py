"""The engine behind the SPARQL protocol: a client, a managed Oxigraph, external engines."""
