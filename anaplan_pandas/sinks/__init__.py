"""Where tables go: layouts of a frame, Parquet and CSV files, local or fsspec."""
