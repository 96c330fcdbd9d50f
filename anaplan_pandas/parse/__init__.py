"""CSV pages into Arrow tables and DataFrames: records, types, numbers, grids."""
