"""manifest.json, its Ed25519 signature and `headcount attest`: a one-byte change to any input
or output is named, and so is a changed manifest, a missing signature or another key."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from headcount.engine.dialect import Dialect
from headcount.pipeline.verify import verify
from headcount.provenance.attest import attest
from headcount.provenance.files import ProvenanceError
from headcount.provenance.manifest import rules_digest
from headcount.provenance.signing import make_key_pair
from headcount.rules import all_rules
from headcount.synth import generate
from test_cli import headcount

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Signed:
    data: Path
    results: Path
    key: Path
    public: Path


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    root = tmp_path_factory.mktemp("signed")
    generate(root / "agency", 600, seed=3)
    key = root / "agency.key"
    public = make_key_pair(key)
    verify(root / "agency", root / "results", sign_key=key)
    return Signed(root / "agency", root / "results", key, public)


@pytest.fixture
def copy(signed: Signed, tmp_path: Path) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        target = tmp_path / folder.name
        shutil.copytree(folder, target)
        return target

    return make


def flip_byte(path: Path) -> None:
    """Change one byte in the middle of `path`, keeping its size."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle] = ord("7") if data[middle] != ord("7") else ord("8")
    path.write_bytes(bytes(data))


def _manifest(results: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((results / "manifest.json").read_text("utf-8"))
    return data


def test_the_manifest_records_every_input_and_output(signed: Signed) -> None:
    manifest = _manifest(signed.results)
    inputs = manifest["inputs"]
    assert isinstance(inputs, dict)
    # truth.json sits in the folder but verify does not read it.
    read = sorted(p.name for p in signed.data.iterdir() if p.name != "truth.json")
    assert sorted(inputs) == read
    for name, entry in inputs.items():
        data = (signed.data / name).read_bytes()
        assert entry == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    outputs = manifest["outputs"]
    assert isinstance(outputs, dict)
    assert sorted(outputs) == sorted(
        p.name for p in signed.results.iterdir() if p.name not in ("manifest.json", "manifest.sig")
    )
    assert {"existence.csv", "findings.csv", "summary.json", "report.html"} <= set(outputs)
    parameters = manifest["parameters"]
    assert isinstance(parameters, dict)
    assert parameters == parameters | {
        "strict": False, "engine": "duckdb", "threads": None, "state": None, "signed": True,
    }  # fmt: skip
    engine = manifest["engine"]
    assert isinstance(engine, dict) and engine["name"] == "duckdb" and engine["duckdb"]
    rules = manifest["rules"]
    assert isinstance(rules, dict)
    assert set(rules["by_rule"]) == {r.code for r in all_rules()}


def limited(query: Callable[[Dialect], str]) -> Callable[[Dialect], str]:
    return lambda d: query(d) + " LIMIT 1"


def test_a_changed_rule_changes_the_rules_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    before = rules_digest()
    changed = [
        dataclasses.replace(r, query=limited(r.query)) if r.code == "PAID_AFTER_DEATH" else r
        for r in all_rules()
    ]
    monkeypatch.setattr("headcount.provenance.manifest.all_rules", lambda: tuple(changed))
    after = rules_digest()
    assert after["sha256"] != before["sha256"]
    differs = {c for c in before["by_rule"] if before["by_rule"][c] != after["by_rule"][c]}
    assert differs == {"PAID_AFTER_DEATH"}


def test_untouched_results_and_inputs_hold(signed: Signed) -> None:
    found = attest(signed.results, signed.data, signed.public)
    assert found.holds, found.problem
    assert found.signature.startswith("valid (Ed25519, key sha256:")
    assert found.outputs == len(_manifest(signed.results)["outputs"])  # type: ignore[arg-type]
    # roster, payroll, deaths, campaigns, checkins, activity, hr_changes, vendors
    assert found.inputs == 8


@pytest.mark.parametrize(
    "name", ["findings.csv", "payees.csv", "existence.csv", "summary.json", "report.html"]
)
def test_a_one_byte_change_to_an_output_is_named(
    signed: Signed, copy: Callable[[Path], Path], name: str
) -> None:
    results = copy(signed.results)
    flip_byte(results / name)
    found = attest(results, public_key=signed.public)
    assert not found.holds
    assert found.problem is not None and found.problem.file == name
    assert "SHA-256 differs" in found.problem.reason


@pytest.mark.parametrize("name", ["payroll.csv", "roster.csv", "checkins.csv"])
def test_a_one_byte_change_to_an_input_is_named(
    signed: Signed, copy: Callable[[Path], Path], name: str
) -> None:
    data = copy(signed.data)
    flip_byte(data / name)
    found = attest(signed.results, data, signed.public)
    assert found.problem is not None and found.problem.file == name


def test_a_missing_or_unlisted_file_is_named(signed: Signed, copy: Callable[[Path], Path]) -> None:
    data = copy(signed.data)
    (data / "activity.csv").unlink()
    found = attest(signed.results, data)
    assert found.problem is not None and str(found.problem) == (
        "activity.csv: missing from the dataset"
    )
    results = copy(signed.results)
    (results / "notes.txt").write_text("added later\n", encoding="utf-8")
    found = attest(results)
    assert found.problem is not None and found.problem.file == "notes.txt"


def test_a_changed_manifest_fails_its_signature(
    signed: Signed, copy: Callable[[Path], Path]
) -> None:
    results = copy(signed.results)
    path = results / "manifest.json"
    path.write_text(path.read_text("utf-8").replace('"strict": false', '"strict": true'))
    found = attest(results)
    assert found.problem is not None and found.problem.file == "manifest.json"
    assert found.signature == "invalid"


def test_another_key_or_no_signature_is_named(
    signed: Signed, copy: Callable[[Path], Path], tmp_path: Path
) -> None:
    other = make_key_pair(tmp_path / "other.key")
    found = attest(signed.results, public_key=other)
    assert found.problem is not None and found.problem.file == "manifest.sig"
    assert "not the one given" in found.problem.reason
    results = copy(signed.results)
    (results / "manifest.sig").unlink()
    found = attest(results)
    assert found.problem is not None and found.problem.file == "manifest.sig"


def test_openssl_checks_the_signature_without_headcount(signed: Signed) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl")
    run = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(signed.public), "-rawin",
         "-in", str(signed.results / "manifest.json"), "-sigfile", str(signed.results / "manifest.sig")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0 and "Verified Successfully" in run.stdout


def test_attest_through_the_cli(signed: Signed, copy: Callable[[Path], Path]) -> None:
    ok = headcount(
        "attest",
        str(signed.results),
        "--data",
        str(signed.data),
        "--public-key",
        str(signed.public),
    )
    assert ok.returncode == 0, ok.stderr
    assert "Attested:" in ok.stdout and "the key given" in ok.stdout
    data = copy(signed.data)
    flip_byte(data / "payroll.csv")
    bad = headcount("attest", str(signed.results), "--data", str(data))
    assert bad.returncode == 1
    assert "Does not hold: payroll.csv: its SHA-256 differs" in bad.stdout
    missing = headcount("attest", str(signed.results / "nowhere"))
    assert missing.returncode == 2


def test_a_bad_signing_key_stops_verify_before_any_work(signed: Signed, tmp_path: Path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    with pytest.raises(ProvenanceError, match="not a PEM private key"):
        verify(signed.data, tmp_path / "out", sign_key=bad)
    result = headcount(
        "verify", str(signed.data), "--out", str(tmp_path / "out"), "--sign-key", str(bad)
    )
    assert result.returncode == 2
    assert "not a PEM private key" in result.stderr and "not a key" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_key_pair_is_never_overwritten(tmp_path: Path) -> None:
    first = headcount("keys", "signing-pair", str(tmp_path / "k"))
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    key = (tmp_path / "k").read_bytes()
    again = headcount("keys", "signing-pair", str(tmp_path / "k"))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert (tmp_path / "k").read_bytes() == key
