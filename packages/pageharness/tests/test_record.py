"""The record of runs (harness_record): what each page's last run was, the other pages' kept."""
import json

from pageharness.tally import keep_record


def block(page, outcome, **extra):
    return {"page": str(page), "line": 1, "kind": "console", "outcome": outcome, "where": "stand-in", **extra}


def test_counts_each_page_of_the_run_and_keeps_the_others(tmp_path):
    pages = tmp_path / "source"
    (pages / "howto").mkdir(parents=True)
    record = tmp_path / "build" / "runs.json"
    record.parent.mkdir()
    record.write_text(json.dumps({"pages": {"faq": {"ran_at": "2026-01-01T00:00:00+00:00", "where": "platform",
                                                     "passed": 3, "failed": 0, "needs_gpu": 0}}}))
    dask = pages / "howto" / "dask.rst"
    keep_record(record, pages, [block(dask, "passed"), block(dask, "failed"), block(dask, "passed"),
                                block(dask, "skipped", needs_gpu="a GPU"),
                                block(tmp_path / "elsewhere.rst", "passed")])
    kept = json.loads(record.read_text())["pages"]
    assert sorted(kept) == ["faq", "howto/dask"]
    assert kept["faq"]["where"] == "platform" and kept["faq"]["passed"] == 3
    run = kept["howto/dask"]
    assert (run["passed"], run["failed"], run["needs_gpu"], run["where"]) == (2, 1, 1, "stand-in")
    assert run["ran_at"] > "2026-01-01"


def test_a_record_that_is_not_one_starts_again(tmp_path):
    record = tmp_path / "runs.json"
    record.write_text("not json")
    keep_record(record, tmp_path, [block(tmp_path / "index.rst", "passed")])
    assert list(json.loads(record.read_text())["pages"]) == ["index"]


def test_no_page_of_the_site_no_record(tmp_path):
    record = tmp_path / "runs.json"
    keep_record(record, tmp_path / "source", [block(tmp_path / "other.rst", "passed")])
    assert not record.exists()
