from django.db.models import Field, Lookup


@Field.register_lookup
class AnyOf(Lookup):
    """``field__any_of=[...]``: the same rows as ``__in``, sent on PostgreSQL as one array
    parameter (``= ANY(%s)``) instead of one placeholder per value.

    Django's ``__in`` with thousands of values spends more time in the driver, which scans the
    query text for its placeholders, than the database spends answering it (a roster import
    looks up 5,000 ID-number hashes at a time: bench/README.md)."""

    lookup_name = "any_of"

    def get_prep_lookup(self):
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [self.lhs.output_field.get_db_prep_value(value, connection, prepared=True) for value in self.rhs]
        if connection.vendor == "postgresql":
            if all(isinstance(value, str) for value in values):
                # One array literal, quoted once: Django's client-side binding quotes a list
                # element by element in Python, which took as long as the lookup itself.
                return f"{lhs} = ANY(%s::text[])", (*lhs_params, _array_literal(values))
            return f"{lhs} = ANY(%s)", (*lhs_params, values)
        if not values:
            return "0 = 1", ()
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", (*lhs_params, *values)


def _array_literal(values: list[str]) -> str:
    """PostgreSQL's text form of a text array: every element double-quoted, with its backslashes
    and double quotes escaped."""
    quoted = (value.replace("\\", "\\\\").replace('"', '\\"') for value in values)
    return "{" + ",".join(f'"{value}"' for value in quoted) + "}"
