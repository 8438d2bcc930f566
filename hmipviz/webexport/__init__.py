"""A run as one self-contained web page (page.py, with page.js and page.css inlined), and
the `schema` and `export-html` commands (cli.py)."""
