"""Pure billing rules: contract text to row values, with no database, Flask or network."""
