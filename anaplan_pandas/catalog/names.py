"""Names to ids: a listing searched for the object a user named, with close matches.

Analysts know their model by names, not 32-character ids. A name matches exactly, then
without regard to case (and an export's name without its file extension); one that matches
nothing, or more than one object, gets an error that lists the close matches with their ids.
"""

from __future__ import annotations

import difflib
from typing import Any

import pandas as pd

from anaplan_pandas.exceptions import AmbiguousNameError, NotFoundError


def by_name(listing: pd.DataFrame, kind: str, name: str, where: str) -> str:
    """The id of the one object of ``listing`` named ``name`` (see the module's rules)."""
    names = listing["name"].astype(str) if "name" in listing else pd.Series(dtype=str)
    matches = listing[names == name]
    if matches.empty:
        matches = listing[names.str.casefold() == name.casefold()]
    if matches.empty and kind == "export":  # "Revenue Plan" for "Revenue Plan.csv"
        stems = names.str.replace(r"\.[A-Za-z0-9]{1,5}$", "", regex=True)
        matches = listing[stems.str.casefold() == name.casefold()]
    if len(matches) == 1:
        return str(matches["id"].iloc[0])
    if len(matches) > 1:
        found = ", ".join(f"{n!r} ({i})" for n, i in zip(matches["name"], matches["id"],
                                                          strict=True))
        raise AmbiguousNameError(
            f"{len(matches)} {kind}s in {where} are named {name!r}: {found}. "
            f"Pass the id of the one you mean instead of its name."
        )
    close = difflib.get_close_matches(name, names.tolist(), n=5, cutoff=0.5)
    hint = ("Close matches: " + ", ".join(
        f"{c!r} ({listing[names == c]['id'].iloc[0]})" for c in close
    ) + ".") if close else f"There are {len(listing)} {kind}s: ap.{kind}s() lists them."
    raise NotFoundError(f"No {kind} named {name!r} in {where}. {hint}")


def is_id(check: Any, value: object) -> bool:
    """Whether ``value`` passes ``check`` (has the shape of an id)."""
    try:
        check(value)
    except ValueError:
        return False
    return True


def typed_name(value: object, check: Any) -> str | None:
    """``value`` if the user named the object, ``None`` if they gave its id."""
    return None if is_id(check, value) else str(value).strip()


def name_of(value: object, argument: str) -> str:
    """``value`` as a name, or a ``ValueError`` naming ``argument``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(
            f"{argument} must be an id or a name, got {type(value).__name__} {value!r}."
        )
    return value.strip()
