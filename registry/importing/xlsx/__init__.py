"""The first sheet of an XLSX workbook, read at a bounded cost whatever the file holds.

openpyxl (read-only included) keeps every shared text in memory and each cell's whole text, so a
310 KB workbook with one 300 MB cell took a worker to 2.1 GB, and a 575 KB one unpacked to 196 MB of
XML (4 million rows) before any row was refused. Here:

- ``parts``: before any XML is parsed, the zip is checked against the limits: each part's size
  once unpacked, the compression ratio of the large parts, and the sheet's rows (counted as the
  sheet unpacks, without parsing it) against ``IMPORT_MAX_XLSX_BYTES`` and ``IMPORT_MAX_ROWS``;
- ``xml``: the XML is parsed by expat in blocks; markup longer than ``MAX_MARKUP_BYTES`` (a tag, a
  comment) and document type declarations are refused;
- ``texts``: the shared texts wait in a temporary file, read as far as the sheet needs them;
- ``sheet``: a cell keeps at most ``CELL_MAX_CHARS`` + 1 characters (the rest is only counted, and
  the cell refused as too long); cells right of the header's last column are not kept.

Values are what openpyxl gives with ``data_only``: numbers, dates and times by the cell's number
format (1900 or 1904 calendar), booleans, a formula's last result, the text of a string; an OOXML
escape (``_x000D_``) is the character it stands for, as a spreadsheet program shows it.
"""

from .parts import count_rows, open_workbook
from .sheet import sheet_rows

__all__ = ["count_rows", "open_workbook", "sheet_rows"]
