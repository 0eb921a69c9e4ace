"""Platform connectors: one base class, an explicit registry, a small error taxonomy.

Nothing here imports Django models: connectors take plain values (``Account``,
``OutgoingPost``) and return plain values, so they can be tested against real or
double platforms without a database.
"""
