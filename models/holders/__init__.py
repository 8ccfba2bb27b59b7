"""Who holds a stance: the holder table (data files) and the attribution rules."""

from stancewatch.models.holders.rules import attribute, find_holder
from stancewatch.models.holders.table import (
    ACTORS_ENV,
    DEFAULT_ACTORS,
    ActorFileError,
    ActorTable,
    Holder,
    Office,
    places,
)

__all__ = ["ACTORS_ENV", "DEFAULT_ACTORS", "ActorFileError", "ActorTable", "Holder", "Office",
           "attribute", "find_holder", "places"]
