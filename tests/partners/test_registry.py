"""The partner registry: registrations, ownership, validation of input, files on disk."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kringloop.errors import BadRequestError, ConfigurationError, NotFoundError
from kringloop.graphs import BUNDLED
from kringloop.partners.registry import ADMIN, REGISTRY_GRAPH, Registry
from kringloop.vocab import GRAPH, ID, KL, PROVINCE_UTRECHT

REF = "cirkelregio-utrecht"
OWN_GRAPH = f"{GRAPH}partner-{REF}"
OWN_NAMESPACE = f"{ID}partner/{REF}/"
TOOI_ORG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0344"
DCTERMS_PUBLISHER = ox.NamedNode("http://purl.org/dc/terms/publisher")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.fixture()
def registry(tmp_path: Path) -> Registry:
    return Registry.open(tmp_path)


def add_cirkelregio(registry: Registry) -> str:
    _, token = registry.add(
        REF,
        "Cirkelregio Utrecht",
        graphs=("https://data.cirkelregio.nl/graaf/activiteiten",),
        namespaces=("https://data.cirkelregio.nl/id/",),
        endpoint="http://127.0.0.1:7001/query",
        dump="https://data.cirkelregio.nl/dump.ttl?versie=1",
        contact_name="Loket Cirkelregio",
        contact_email="loket@cirkelregio.example",
    )
    return token


def test_an_empty_data_dir_is_an_empty_registry(registry: Registry, tmp_path: Path) -> None:
    assert registry.partners() == []
    assert registry.get(REF) is None
    assert registry.authenticate("kl_whatever") is None
    assert not (tmp_path / "partners").exists()  # opening writes nothing


def test_add_registers_defaults_and_the_given_graphs(registry: Registry, tmp_path: Path) -> None:
    token = add_cirkelregio(registry)
    partner = registry.get(REF)
    assert partner is not None
    assert partner.organisation == f"{ID}organisatie/{REF}"
    assert partner.graphs == ("https://data.cirkelregio.nl/graaf/activiteiten", OWN_GRAPH)
    assert partner.namespaces == ("https://data.cirkelregio.nl/id/", OWN_NAMESPACE)
    assert registry.authenticate(token) == REF
    assert registry.owner_of(OWN_GRAPH) == REF
    assert registry.owner_of("https://data.cirkelregio.nl/graaf/activiteiten") == REF
    assert registry.owner_of("https://elders.example/graaf") is None
    assert registry.partner_graphs() == partner.graphs
    assert registry.endpoint_partners() == {"http://127.0.0.1:7001/query": partner}
    # a second process sees the same registration, read back from the files
    again = Registry.open(tmp_path)
    assert again.partners() == [partner]
    assert again.authenticate(token) == REF
    registry_text = (tmp_path / "partners" / "registry.ttl").read_text(encoding="utf-8")
    assert token not in registry_text
    assert stat.S_IMODE((tmp_path / "partners" / "tokens.json").stat().st_mode) == 0o600


def test_province_graphs_belong_to_the_administrator(registry: Registry) -> None:
    add_cirkelregio(registry)
    for source in BUNDLED:
        assert registry.owner_of(str(source.iri)) == ADMIN
        assert registry.may_write(ADMIN, str(source.iri))
        assert not registry.may_write(REF, str(source.iri))
    assert registry.owner_of(REGISTRY_GRAPH) == ADMIN
    assert not registry.may_write(ADMIN, REGISTRY_GRAPH)  # generated, never written
    assert not registry.may_write(ADMIN, OWN_GRAPH)
    assert registry.may_write(REF, OWN_GRAPH)
    assert not registry.may_write("someone-else", OWN_GRAPH)


def test_subjects_must_lie_in_the_partner_namespaces(registry: Registry) -> None:
    add_cirkelregio(registry)
    assert registry.owns_subject(REF, f"{OWN_NAMESPACE}activiteit/repair-cafe-netwerk")
    assert registry.owns_subject(REF, "https://data.cirkelregio.nl/id/x")
    assert not registry.owns_subject(REF, f"{ID}activiteit/pilot-maas-leidsche-rijn")
    assert not registry.owns_subject(REF, f"{ID}partner/{REF}-nep/x")
    assert not registry.owns_subject(REF, "https://data.cirkelregio.nl.evil.example/id/x")
    assert not registry.owns_subject("unknown", f"{OWN_NAMESPACE}x")
    assert registry.owns_subject(ADMIN, f"{ID}activiteit/pilot-maas-leidsche-rijn")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ref": "Cirkelregio"}, "not valid"),
        ({"ref": "a--b"}, "not valid"),
        ({"ref": "admin"}, "reserved"),
        ({"label": "  "}, "label must not be empty"),
        ({"label": "a\nb"}, "control characters"),
        ({"organisation": "urn:x:org"}, "http:// or https://"),
        ({"organisation": "https://exa mple.org/"}, "not allowed"),
        ({"endpoint": "ftp://example.org/sparql"}, "http:// or https://"),
        ({"endpoint": "file:///etc/passwd"}, "http:// or https://"),
        ({"endpoint": "http://user:pw@example.org/sparql"}, "user name or password"),
        ({"endpoint": "http://example.org/sparql#frag"}, "fragment"),
        ({"endpoint": "http://example.org:99999/sparql"}, "not a valid URL"),
        ({"dump": "javascript:alert(1)"}, "http:// or https://"),
        ({"contact_email": "not-an-address"}, "e-mail"),
        ({"graphs": (str(BUNDLED[2].iri),)}, "province graph"),
        ({"graphs": (REGISTRY_GRAPH,)}, "province graph"),
        ({"graphs": (f"{GRAPH}herkomst",)}, "province graph"),
        ({"graphs": (f"{GRAPH}agenda-2023-2024",)}, "Kringloop's own namespace"),
        ({"graphs": ("relative/graph",)}, "http:// or https://"),
        ({"namespaces": ("https://data.example.org/id",)}, "must end with"),
        ({"namespaces": (f"{ID}activiteit/",)}, "overlaps Kringloop's own namespace"),
        ({"namespaces": ("https://w3id.org/",)}, "overlaps Kringloop's own namespace"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    registry: Registry, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {"ref": "nieuw", "label": "Nieuw"} | change
    with pytest.raises(BadRequestError, match=message):
        registry.add(**arguments)  # type: ignore[arg-type]
    assert registry.partners() == []
    assert not (tmp_path / "partners" / "registry.ttl").exists()


def test_refs_graphs_and_namespaces_have_one_owner(registry: Registry) -> None:
    add_cirkelregio(registry)
    with pytest.raises(BadRequestError, match="already registered"):
        registry.add(REF, "Nog eens")
    with pytest.raises(BadRequestError, match="already owned by partner 'cirkelregio-utrecht'"):
        registry.add(
            "foodvalley", "Foodvalley", graphs=("https://data.cirkelregio.nl/graaf/activiteiten",)
        )
    with pytest.raises(BadRequestError, match="overlaps"):
        registry.add("foodvalley", "Foodvalley", namespaces=("https://data.cirkelregio.nl/",))
    with pytest.raises(BadRequestError, match="Kringloop's own namespace"):
        registry.add("foodvalley", "Foodvalley", graphs=(OWN_GRAPH,))
    partner, _ = registry.add("foodvalley", "Foodvalley", organisation=TOOI_ORG)
    assert partner.organisation == TOOI_ORG
    assert [p.ref for p in registry.partners()] == ["cirkelregio-utrecht", "foodvalley"]


def test_remove_revokes_and_rotate_replaces_tokens(registry: Registry) -> None:
    first = add_cirkelregio(registry)
    second = registry.rotate_token(REF)
    assert registry.authenticate(first) is None
    assert registry.authenticate(second) == REF
    admin = registry.rotate_token(ADMIN)
    assert registry.authenticate(admin) == ADMIN
    removed = registry.remove(REF)
    assert removed.ref == REF and registry.get(REF) is None
    assert registry.authenticate(second) is None
    assert registry.owner_of(OWN_GRAPH) is None
    assert registry.authenticate(admin) == ADMIN
    with pytest.raises(NotFoundError, match="unknown partner"):
        registry.remove(REF)
    with pytest.raises(NotFoundError, match="unknown partner"):
        registry.rotate_token(REF)
    # registering the same ref again gives a fresh token; the old ones stay revoked
    _, fresh = registry.add(REF, "Cirkelregio Utrecht")
    assert registry.authenticate(fresh) == REF
    assert registry.authenticate(second) is None


def test_a_change_by_another_process_is_seen_after_reload(
    registry: Registry, tmp_path: Path
) -> None:
    other = Registry.open(tmp_path)  # stands for the CLI while `registry` is the service
    assert registry.reload_if_changed() is False
    token = add_cirkelregio(other)
    assert registry.get(REF) is None  # not yet re-read
    assert registry.reload_if_changed() is True
    assert registry.get(REF) is not None
    assert registry.reload_if_changed() is False
    other.remove(REF)
    assert registry.authenticate(token) is None  # authenticate re-reads first


def test_the_public_graph_describes_partners_and_province_graphs(registry: Registry) -> None:
    add_cirkelregio(registry)
    triples = list(ox.parse(registry.public_graph(), format=ox.RdfFormat.N_TRIPLES))
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    node = ox.NamedNode(f"{ID}partner/{REF}")
    organisation = ox.NamedNode(f"{ID}organisatie/{REF}")
    assert ox.Quad(node, RDF_TYPE, ox.NamedNode(str(KL.Partnerregistratie))) in store
    assert ox.Quad(node, ox.NamedNode(str(KL.organisatie)), organisation) in store
    assert ox.Quad(ox.NamedNode(OWN_GRAPH), DCTERMS_PUBLISHER, organisation) in store
    endpoint = ox.NamedNode("http://127.0.0.1:7001/query")
    assert ox.Quad(node, ox.NamedNode(str(KL.sparqlEndpoint)), endpoint) in store
    namespaces = {
        quad.object.value
        for quad in store.quads_for_pattern(node, ox.NamedNode(str(KL.naamruimte)), None)
    }
    assert namespaces == {OWN_NAMESPACE, "https://data.cirkelregio.nl/id/"}
    for graph in (*(str(source.iri) for source in BUNDLED), REGISTRY_GRAPH):
        publisher = ox.Quad(
            ox.NamedNode(graph), DCTERMS_PUBLISHER, ox.NamedNode(str(PROVINCE_UTRECHT))
        )
        assert publisher in store
    emails = [
        quad.object.value
        for quad in store.quads_for_pattern(
            None, ox.NamedNode("http://www.w3.org/2006/vcard/ns#hasEmail"), None
        )
    ]
    assert emails == ["mailto:loket@cirkelregio.example"]
    assert b"kl_" not in registry.public_graph()


def test_a_hand_broken_registry_file_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "partners"
    folder.mkdir()
    (folder / "registry.ttl").write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not valid Turtle"):
        Registry.open(tmp_path)
    (folder / "registry.ttl").write_text(
        f"<{ID}partner/x> a <{KL.Partnerregistratie}> .", encoding="utf-8"
    )
    with pytest.raises(ConfigurationError, match="malformed"):
        Registry.open(tmp_path)


def test_concurrent_cli_processes_do_not_lose_registrations(tmp_path: Path) -> None:
    """Eight processes add a partner each at once: the file lock keeps every one."""
    script = (
        "import sys; from pathlib import Path; from kringloop.partners.registry import Registry;"
        "Registry.open(Path(sys.argv[1])).add(sys.argv[2], sys.argv[2].upper())"
    )
    children = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), f"partner-{index}"])
        for index in range(8)
    ]
    assert [child.wait(timeout=120) for child in children] == [0] * 8
    registry = Registry.open(tmp_path)
    assert [p.ref for p in registry.partners()] == [f"partner-{index}" for index in range(8)]
    assert sum(registry.live_tokens(f"partner-{index}") for index in range(8)) == 8
    assert not [path for path in (tmp_path / "partners").iterdir() if path.name.endswith(".tmp")]
