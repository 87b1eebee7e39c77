"""The store of named-graph versions that partners and the administrator write."""
