"""Reports of search runs: charts, tables and a drawing of the best network, as HTML and Markdown.

Needs matplotlib (`pip install 'eas[report]'`); it is imported, on the Agg backend, only when a report
is drawn.
"""

from eas.report.builder import build_document, write_report
from eas.report.data import RunData, load_run

__all__ = ["RunData", "build_document", "load_run", "write_report"]
