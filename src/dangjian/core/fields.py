from django.db import models


class BytewiseCharField(models.CharField):
    """Text compared byte by byte, whatever the database's collation.

    Range and prefix searches rely on it: ``'wang' <= x < 'wanh'`` holds exactly the values that
    start with "wang" only when characters compare by their code; a linguistic collation (ICU,
    en_US.UTF-8, the default of many PostgreSQL clusters) ignores punctuation at first and breaks
    that. Under the C collation a plain b-tree index also answers ``LIKE 'wang%'``. SQLite compares
    bytes already (BINARY).
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class PathField(BytewiseCharField):
    """A materialised organisation path.

    The scope filter is the range ``p <= path < p + '~'``, which relies on '~' sorting after
    every path character (0-9, A-Z); byte order also keeps treebeard's ``ORDER BY path`` in tree
    order.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)
