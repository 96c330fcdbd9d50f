"""Read views and lists into Dask DataFrames, one partition per page (the ``[dask]`` extra).

Examples
--------
>>> import anaplan_pandas.dask as apd
>>> sorted(apd.__all__)
['read_list', 'read_view']
"""

from anaplan_pandas.dask.reader import read_list, read_view

__all__ = ["read_list", "read_view"]
