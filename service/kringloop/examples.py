"""The curated views of ``queries/*.rq`` as examples for the query page.

A thin name for :mod:`kringloop.views`, which reads the files and their headers (there
is one header parser). An example's text is the view's query as written: a parameter
stays an unbound variable the user can fix by editing.
"""

from __future__ import annotations

from kringloop.views import LANGUAGES, View, load_view, load_views

#: One curated query offered on the query page: a curated view.
Example = View

__all__ = ["LANGUAGES", "Example", "load_example", "load_examples"]
load_examples = load_views
load_example = load_view
