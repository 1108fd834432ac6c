"""liqwatch's processing core: record schema, wire format and the Faust agents.

`connectors` depends on the record schema here; nothing here imports `connectors`.
"""
