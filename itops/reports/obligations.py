"""Writers of obligations, for a kind of organisation or for one organisation with its status: text, CSV, JSON, HTML."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict

from itops.obligations import ORG_FIELDS, ROW_FIELDS, STATUSES, ObligationRow, OrganisationObligation
from itops.reports import json_text


def _flat(item: ObligationRow | OrganisationObligation) -> dict[str, str]:
    if isinstance(item, OrganisationObligation):
        head = {
            "ods_code": item.ods_code,
            "organisation": item.organisation,
            "status": item.status,
            "detail": item.detail,
        }
        return {**head, **_flat(item.obligation)}
    return {k: (" ".join(v) if isinstance(v, tuple) else str(v)) for k, v in asdict(item).items()}


def to_csv(items: Sequence[ObligationRow] | Sequence[OrganisationObligation]) -> str:
    """One CSV row per obligation (with the status columns first for an organisation)."""
    buffer = io.StringIO()
    columns = (ORG_FIELDS + ROW_FIELDS) if items and isinstance(items[0], OrganisationObligation) else ROW_FIELDS
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow(_flat(item))
    return buffer.getvalue()


def to_json(items: Sequence[ObligationRow] | Sequence[OrganisationObligation]) -> str:
    """The obligations as a JSON list, with a summary of statuses for an organisation."""
    records = [_flat(i) for i in items]
    summary = {s: sum(1 for i in items if isinstance(i, OrganisationObligation) and i.status == s) for s in STATUSES}
    payload: dict[str, object] = {"obligations": records}
    if items and isinstance(items[0], OrganisationObligation):
        payload["summary"] = summary
    return json_text(payload)


def _text_block(row: ObligationRow) -> list[str]:
    lines = [f"  {row.section} — {row.party} ({row.modality}; {row.severity}): {row.action}"]
    if row.condition:
        lines.append(f"      condition: {row.condition}")
    if row.alternatives:
        lines.append(f"      alternatives: {row.alternatives}")
    if row.assured_by:
        lines.append(f"      assured by: {row.assured_by}")
    if row.issues_go_to:
        lines.append(f"      issues go to: {row.issues_go_to}")
    lines.append(f'      passage: "{row.passage}"')
    if row.checked_by:
        lines.append(f"      checked by: {', '.join(row.checked_by)}")
    else:
        lines.append(f"      not checkable: {row.unchecked_because}")
    lines.append(f"      applies because: {row.applies_because}")
    return lines


def to_text(items: Sequence[ObligationRow] | Sequence[OrganisationObligation]) -> str:
    """A plain-text listing; for an organisation, grouped by status (broken first)."""
    lines: list[str] = []
    if items and isinstance(items[0], OrganisationObligation):
        orgs = [i for i in items if isinstance(i, OrganisationObligation)]
        first = orgs[0]
        counts = ", ".join(f"{sum(1 for i in orgs if i.status == s)} {s}" for s in STATUSES)
        lines.append(f"{first.organisation} ({first.ods_code}): {len(orgs)} obligation(s): {counts}.")
        for status in STATUSES:
            group = [i for i in orgs if i.status == status]
            if group:
                lines.append("")
                lines.append(status.upper())
                for item in group:
                    lines.extend(_text_block(item.obligation))
                    lines.append(f"      status: {item.status} — {item.detail}")
    else:
        rows = [i for i in items if isinstance(i, ObligationRow)]
        lines.append(
            f"{len(rows)} obligation(s)."
            if rows
            else "0 obligation(s): the documents bind no category this kind of organisation belongs to "
            "(a group they leave open, such as 'any other provider', is not counted as a membership)."
        )
        for row in rows:
            lines.extend(_text_block(row))
    return "\n".join(lines) + "\n"


def to_html(
    items: Sequence[ObligationRow] | Sequence[OrganisationObligation], *, title: str = "itops obligations"
) -> str:
    """One self-contained page in the site's layout, with a table of the obligations (and their status)."""
    from itops.docsite.report import standalone_page  # Jinja2 and the layout: loaded only for HTML

    records = [_flat(i) for i in items]
    columns = list(records[0]) if records else list(ROW_FIELDS)
    summary = to_text(items).splitlines()[0]
    return standalone_page(
        "obligations-report.html.j2", title=title, summary=summary, caption=title, columns=columns, records=records
    )
