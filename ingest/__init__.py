"""Getting data into the warehouse: landing contract, file discovery, loading, connectors."""
