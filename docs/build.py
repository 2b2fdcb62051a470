"""Build the documentation site: ``python docs/build.py`` (options of ``mkdocs build`` may
follow, such as ``-d DIR``).

The build is strict (a broken link or a missing page is an error) and quiet (only
warnings and errors are printed).  It runs MkDocs from Python rather than as the ``mkdocs``
command: started as ``mkdocs``, the theme and a plugin print notices about MkDocs' own
future (an end-of-life date, a suggested fork), which a reader of the output would take for
problems of this site.  The site itself is the same.
"""

import sys

from mkdocs.__main__ import cli

if __name__ == "__main__":
    cli(["build", "--strict", "--quiet", *sys.argv[1:]])
