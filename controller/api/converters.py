"""URL converters of the manager API: a path segment that no catalog row can hold names nothing,
so it answers 404 like any absent object instead of reaching the database.

- `<int:...>` is a catalog id or version number, an int32 column (SQLite raises OverflowError for
  integers over 64 bits; PostgreSQL refuses values past int32).
- `<name>` is a catalog name or key: PostgreSQL refuses a NUL character (`%00`) in text.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map, UnicodeConverter

from controller.resources.fields import INT32_MAX


class CatalogInt(IntegerConverter):
    """Werkzeug's `int`, bounded to the catalog's int32 ids: a larger number matches no route."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(url_map, *args, **kwargs)


class CatalogText(UnicodeConverter):
    """Werkzeug's default converter without NUL: a segment holding one matches no route."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]", 1)


def install(url_map: Map) -> None:
    """Use these converters for every route registered on `url_map` from now on."""
    url_map.converters.update({"int": CatalogInt, "default": CatalogText, "string": CatalogText})
