"""``/voortgang``: download the sheet, upload it, preview, commit, through real HTTP.

A real service (managed Oxigraph); the sheet is filled in with openpyxl as Excel would.
Each test uses its own year.
"""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import openpyxl
import pytest
import requests

from kringloop.monitoring.records import progress_graph
from kringloop.partners.registry import ADMIN
from kringloop.vocab import KL
from tests.graphstore.gskit import CIRKELREGIO, Partners
from tests.service.servicekit import Service, http

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("import-page")


def filled_sheet(service: Service, year: int, rows: dict[int, str]) -> bytes:
    """The year's sheet as downloaded, with a status typed into the given rows."""
    response = http.get(f"{service.url}/voortgang/{year}.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == XLSX
    assert f"kringloop-voortgang-{year}.xlsx" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook[f"Voortgang {year}"]
    status = [cell.value for cell in sheet[1]].index("Status") + 1
    for row, value in rows.items():
        sheet.cell(row, status).value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(
    service: Service, year: int, data: bytes, token: str | None, **headers: str
) -> requests.Response:
    form = {"token": token} if token is not None else {}
    return http.post(
        f"{service.url}/voortgang/{year}/import",
        files={"file": (f"voortgang-{year}.xlsx", data, XLSX)},
        data=form,
        headers=headers,
    )


def records(service: Service, year: int) -> int:
    rows = service.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{progress_graph(year)}> "
        f"{{ ?r a <{KL['Voortgangsrapportage']}> }} }}"
    )
    return int(rows[0]["n"]["value"])


def plans(home: Path) -> list[Path]:
    directory = home / "var" / "imports"
    return sorted(directory.glob("*.json")) if directory.exists() else []


def test_the_page_links_the_sheets_and_the_report(service: Service) -> None:
    page = http.get(f"{service.url}/voortgang", params={"jaar": "2022"})
    assert page.status_code == 200
    for link in ("/voortgang/2022.xlsx", "/voortgang/2022.csv", "/voortgang/2022-indicatoren.csv"):
        assert f'href="{link}"' in page.text
    assert 'href="/rapport/2022?lang=nl"' in page.text
    assert 'href="/rapport/2022.pdf?lang=nl"' in page.text
    assert 'action="/voortgang/2022/import?lang=nl"' in page.text
    english = http.get(f"{service.url}/voortgang", params={"jaar": "2022", "lang": "en"})
    assert "Progress per year" in english.text and "Administrator token" in english.text
    csv = http.get(f"{service.url}/voortgang/2022.csv")
    assert csv.status_code == 200 and csv.text.lstrip("\ufeff").startswith("Activiteit-URI")
    assert http.get(f"{service.url}/voortgang/1999.xlsx").status_code == 404
    assert http.get(f"{service.url}/voortgang", params={"jaar": "x"}).status_code == 400


def test_upload_preview_commit(service: Service, partners: Partners, home: Path) -> None:
    year = 2021
    data = filled_sheet(service, year, {2: "lopend", 3: "afgerond"})
    for token in (None, "kl_wrong"):
        refused = upload(service, year, data, token)
        assert refused.status_code == 401
        assert "WWW-Authenticate" in refused.headers
    assert upload(service, year, data, partners.tokens[CIRKELREGIO]).status_code == 403
    assert plans(home) == []

    preview = upload(service, year, data, partners.tokens[ADMIN])
    assert preview.status_code == 200, preview.text
    assert preview.headers["Cache-Control"] == "no-store"
    assert "2 nieuw, 0 gewijzigd, 0 verwijderd" in preview.text
    assert partners.tokens[ADMIN] not in preview.text
    action = re.search(r'id="commit-form" method="post" action="([^"]+)"', preview.text)
    assert action is not None
    [stored] = plans(home)
    assert stored.stat().st_mode & 0o777 == 0o600
    assert records(service, year) == 0  # a preview writes nothing

    assert http.post(f"{service.url}{action.group(1)}").status_code == 401
    done = http.post(f"{service.url}{action.group(1)}", data={"token": partners.tokens[ADMIN]})
    assert done.status_code == 200, done.text
    assert re.search(rf"<code>{re.escape(progress_graph(year))}</code></td><td>1<", done.text)
    assert 'href="/rapport/2021?lang=nl"' in done.text
    assert records(service, year) == 2
    assert plans(home) == []
    again = http.post(f"{service.url}{action.group(1)}", data={"token": partners.tokens[ADMIN]})
    assert again.status_code == 404
    assert "verlopen of al doorgevoerd" in again.text


def test_errors_give_422_with_every_message(service: Service, partners: Partners) -> None:
    year = 2022
    data = filled_sheet(service, year, {2: "<script>alert(1)</script>", 4: "bijna"})
    page = upload(service, year, data, partners.tokens[ADMIN])
    assert page.status_code == 422
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<script>alert(1)</script>" not in page.text
    assert "&#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39; is geen geldige status" in page.text
    assert "rij 4, kolom &#39;Status&#39;: &#39;bijna&#39; is geen geldige status" in page.text
    problem = upload(service, year, data, partners.tokens[ADMIN], **JSON)
    assert problem.status_code == 422
    assert problem.headers["Content-Type"] == "application/problem+json"
    body = problem.json()
    assert body["reason"] == "sheet" and len(body["errors"]) == 2
    assert body["errors"][1].startswith("Blad 'Voortgang 2022', rij 4, kolom 'Status'")
    assert records(service, year) == 0


def test_json_clients_plan_and_commit_with_a_bearer_token(
    service: Service, partners: Partners
) -> None:
    year = 2023
    data = filled_sheet(service, year, {2: "gestart"})
    bearer = {"Authorization": f"Bearer {partners.tokens[ADMIN]}", **JSON}
    planned = http.post(
        f"{service.url}/voortgang/{year}/import",
        files={"file": ("voortgang.xlsx", data, XLSX)},
        headers=bearer,
    )
    assert planned.status_code == 200, planned.text
    body = planned.json()
    assert body["progress"]["added"] == 1 and body["changes"][0]["kind"] == "nieuw"
    assert "graphs" not in body
    committed = http.post(f"{service.url}{body['commit']}", headers=bearer)
    assert committed.status_code == 200, committed.text
    assert committed.json()["versions"][progress_graph(year)] == 1
    assert records(service, year) == 1
    same = http.post(
        f"{service.url}/voortgang/{year}/import",
        files={"file": ("voortgang.xlsx", data, XLSX)},
        headers=bearer,
    )
    assert same.json()["plan"] is None and same.json()["commit"] is None


def test_unknown_expired_and_other_year_plans_are_404(
    service: Service, partners: Partners, home: Path
) -> None:
    token = {"token": partners.tokens[ADMIN]}
    for plan_id in ("0" * 32, "../../etc/passwd", "abc"):
        response = http.post(f"{service.url}/voortgang/2024/import/{plan_id}", data=token)
        assert response.status_code == 404
    year = 2024
    preview = upload(service, year, filled_sheet(service, year, {2: "lopend"}), token["token"])
    assert preview.status_code == 200
    [stored] = plans(home)
    wrong_year = http.post(f"{service.url}/voortgang/2025/import/{stored.stem}", data=token)
    assert wrong_year.status_code == 404
    content = json.loads(stored.read_text(encoding="utf-8"))
    content["created"] = time.time() - 2 * 3600  # older than the hour a plan is kept
    stored.write_text(json.dumps(content), encoding="utf-8")
    expired = http.post(
        f"{service.url}/voortgang/{year}/import/{stored.stem}", data=token, headers=JSON
    )
    assert expired.status_code == 404
    assert expired.headers["Content-Type"] == "application/problem+json"
    assert not stored.exists()
    assert records(service, year) == 0
