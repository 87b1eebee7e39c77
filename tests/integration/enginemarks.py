"""Expected failures shared by the feature modules (``fails_on``, see conftest.py).

Apart from enginekit because conftest.py imports that before it registers the marker.
"""

from __future__ import annotations

import pytest

SELECT_NEEDS_TSV = pytest.mark.fails_on(
    "virtuoso",
    reason="Kringloop asks the engine for SELECT results as TSV; Virtuoso 7.2's TSV is not "
    'SPARQL 1.1 TSV (header "g" instead of ?g, IRIs as quoted strings), so the answer '
    "cannot be parsed (502)",
)
COUNTS_NEED_TSV = pytest.mark.fails_on(
    "virtuoso",
    reason="the graph counts are a SELECT read as TSV, which Virtuoso 7.2 does not write as "
    "SPARQL 1.1 TSV; the parse error escapes as a 500",
)
