"""The ``dangjian`` command: Django's management commands, with the project's own among them
(demo, generate-city, create-account, prune-audit, rebuild-counts). Hyphens and underscores in
command names are interchangeable."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1:
        argv[1] = argv[1].replace("-", "_") if not argv[1].startswith("-") else argv[1]
        if argv[1] == "demo":
            # The demo runs on a laptop over plain HTTP with generated secrets.
            os.environ.setdefault("DANGJIAN_MODE", "demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
