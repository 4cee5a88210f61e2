"""discover / load_set: file discovery, dependency resolution, dependents."""
from __future__ import annotations

from kvcontract.contract.repository import discover, load_set

from .samples import ANCHOR_DIR, write


def test_discover_sorts_yaml_files_and_keeps_files(tmp_path):
    for name in ("b.yml", "a.yaml", "notes.txt"):
        (tmp_path / name).write_text("x: 1\n")
    (tmp_path / "sub.yaml").mkdir()
    assert [p.rsplit("/", 1)[1] for p in discover([str(tmp_path)])] == ["a.yaml", "b.yml"]
    single = str(tmp_path / "notes.txt")
    assert discover([single, single]) == [single]


def test_load_set_follows_depends_on_transitively():
    contract_set = load_set([str(ANCHOR_DIR / "kv-cache-equivalence-v1.yaml")])
    assert contract_set.requested == ("kv-cache-equivalence-v1",)
    assert list(contract_set.contracts) == ["kv-cache-equivalence-v1", "kv-cache-sizing-v1", "model-config-algebra-v1"]
    assert [c.id for c in contract_set.closure("kv-cache-equivalence-v1")] == [
        "kv-cache-sizing-v1", "model-config-algebra-v1"]
    assert contract_set.dependents("kv-cache-sizing-v1") == ("kv-cache-equivalence-v1",)
    assert contract_set.dependencies("kv-cache-sizing-v1") == ("model-config-algebra-v1",)


def test_load_set_reports_unloadable_files_without_raising(tmp_path):
    write(tmp_path, "a: [\n", "broken.yaml")
    write(tmp_path, 'metadata: {version: "1", description: ok}\n', "ok.yaml")
    contract_set = load_set([str(tmp_path), str(tmp_path / "missing.yaml")])
    assert contract_set.requested == ("ok",)
    codes = sorted(d.code for d in contract_set.diagnostics)
    assert codes == ["KV100", "KV102"]


def test_metadata_id_overrides_stem(tmp_path):
    write(tmp_path, 'metadata: {id: named-v2, version: "1", description: ok}\n', "file.yaml")
    assert load_set([str(tmp_path)]).requested == ("named-v2",)
