"""The fault suite under pytest: one real daily run against the hostile server, one test
per case. `make faults` prints the same cases as a table."""

from __future__ import annotations

import pytest

from tests.fault_suite import format_table, run_fault_suite

pytestmark = pytest.mark.slow  # the real daily flow against the hostile server


@pytest.fixture(scope="module")
def fault_results(prefect_harness, tmp_path_factory):
    from stancewatch.flows.cli import main

    results = run_fault_suite(tmp_path_factory.mktemp("faults"), main)
    print("\n" + format_table(results))
    return {result.name: result for result in results}


CASES = [
    "the run itself", "good articles of the same run", "nothing stored twice",
    "connection refused", "DNS failure", "connect timeout", "read timeout", "trickling server",
    "HTTP 500", "HTTP 502", "503 + Retry-After", "503 once, then OK", "429 + Retry-After",
    "429, Retry-After 1 h", "redirect loop", "redirect to loopback", "redirect to private",
    "redirect to link-local", "redirect to file://", "404 article", "robots.txt disallow",
    "wrong content-type", "HTML instead of a feed", "feed over the size cap", "gzip bomb",
    "invalid UTF-8 feed", "windows-1251 feed and page", "koi8-r feed and page", "billion laughs",
    "external entity", "10,000 items", "items: no link, javascript:",
    "future / unparseable dates", "page with no text", "20 MB page", "page in another language",
    # round two (issue 13)
    "malformed item links", "feed URL with port 99999", "canonical with port 99999",
    "cross-site canonical", "canonical with &amp;", "redirect to data:",
    "redirect to http:\\evil\\x", "redirect to CGNAT metadata", "redirect to 6to4 loopback",
    "redirect to 192.0.0.0/24", "Retry-After: ²", "non-ASCII ETag", "stacked gzip bomb",
    "three stacked encodings", "headers trickled", "dead host, 20 items",
    "page of 2,000 sentences", "80,000 link-less items", "<!ENTITY inside CDATA",
    "robots.txt answers 503",
]


@pytest.mark.parametrize("case", CASES)
def test_fault_case(fault_results, case):
    result = fault_results[case]
    assert result.passed, f"{case}: expected {result.expected}, observed {result.observed}"


def test_every_case_is_listed(fault_results):
    assert set(fault_results) == set(CASES)
