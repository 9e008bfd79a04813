"""Writers of diffs: what changed between two validation reports, or two versions of the graph."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

from itops.diff import GraphDiff, ReportDiff
from itops.findings import Finding
from itops.reports import json_text


def diff_text(diff: ReportDiff | GraphDiff) -> str:
    """New, fixed and unchanged findings per organisation, or statements added and removed, in words."""
    return report_diff_text(diff) if isinstance(diff, ReportDiff) else graph_diff_text(diff)


def diff_json(diff: ReportDiff | GraphDiff) -> str:
    """The same as JSON."""
    return report_diff_json(diff) if isinstance(diff, ReportDiff) else graph_diff_json(diff)


def _finding_line(f: Finding) -> str:
    value = f" [{f.value.rsplit('/', 1)[-1]}]" if f.value else ""
    severity = f"{f.severity}: " if f.severity else ""
    return f"{severity}{f.message or f.rule_label}{value} — rule: {f.rule_label}"


def report_diff_text(diff: ReportDiff) -> str:
    """The report diff in words, organisation by organisation."""
    out = [
        f"Comparing {diff.old} (old) with {diff.new} (new): {len(diff.new_findings)} new, {len(diff.fixed)} fixed, "
        f"{len(diff.unchanged)} unchanged finding(s).",
        "",
    ]
    for name, groups in diff.by_organisation():
        out.append(name)
        for status, label in (("new", "new"), ("fixed", "fixed"), ("unchanged", "still open")):
            for f in groups[status]:
                out.append(f"  {label:>10}  {_finding_line(f)}")
        out.append("")
    if not diff.new_findings and not diff.fixed and not diff.unchanged:
        out.append("Neither report has a finding.")
    return "\n".join(out).rstrip() + "\n"


def report_diff_json(diff: ReportDiff) -> str:
    """The report diff as JSON: counts, and the findings per status."""

    def rows(items: Iterable[Finding]) -> list[dict[str, object]]:
        return [{"organisation_id": f.organisation_id, **asdict(f)} for f in items]

    data = {
        "old": diff.old,
        "new": diff.new,
        "counts": {"new": len(diff.new_findings), "fixed": len(diff.fixed), "unchanged": len(diff.unchanged)},
        "new_findings": rows(diff.new_findings),
        "fixed": rows(diff.fixed),
        "unchanged": rows(diff.unchanged),
    }
    return json_text(data)


# ------------------------------------------------------------------------------------------------ graphs


def graph_diff_text(diff: GraphDiff) -> str:
    """The graph diff in words, by document and section."""
    if not diff.changes:
        return f"No difference between {diff.old} and {diff.new}.\n"
    out = [
        f"Comparing {diff.old} (old) with {diff.new} (new): {diff.added} statement(s) added and {diff.removed} "
        f"removed, about {len(diff.changes)} thing(s).",
        "",
    ]
    for document, section, changes in diff.groups():
        out.append(f"{document} — {section}" if document else section.capitalize())
        for c in changes:
            kind = f" ({c.kind})" if c.kind else ""
            out.append(f"  {c.status.capitalize()}: {c.label}{kind}")
            if c.passage and c.status != "changed":
                out.append(f"      “{c.passage}”")
            for p in c.properties:
                if c.status == "changed" or p.property not in ("quotes",):
                    if p.removed and p.added:
                        out.append(f"      {p.property}: {'; '.join(p.removed)} → {'; '.join(p.added)}")
                    elif p.added and c.status == "changed":
                        out.append(f"      {p.property}: adds {'; '.join(p.added)}")
                    elif p.removed and c.status == "changed":
                        out.append(f"      {p.property}: no longer {'; '.join(p.removed)}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def graph_diff_json(diff: GraphDiff) -> str:
    """The graph diff as JSON: its fields, each change with its property changes."""
    return json_text(asdict(diff))


# ------------------------------------------------------------------------------------------------ both
