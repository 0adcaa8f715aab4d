"""One module per kind (or family of kinds): checks and shapes the staged rows for the warehouse."""
