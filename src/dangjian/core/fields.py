from django.db import models


class PathField(models.CharField):
    """A materialised organisation path, compared byte by byte.

    The scope filter is the range ``p <= path < p + '~'``, which relies on '~' sorting after
    every path character (0-9, A-Z). Under a linguistic collation (ICU, en_US.UTF-8, the default
    of many PostgreSQL clusters) it does not, and every descendant would fall out of every
    scope; the C collation also keeps treebeard's ``ORDER BY path`` in tree order. SQLite
    compares bytes already (BINARY).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
