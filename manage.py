#!/usr/bin/env python
"""Django's command line for a checkout; the same as the installed ``rapport`` command."""

from rapport.cli import main

if __name__ == "__main__":
    main()
