"""Synthetic registers: a realistic, seeded mix of organisations with injected rule breaks.

The mix follows England's: about 11.5k community pharmacies, 11k dental practices, 6k optometry
practices, 100 appliance contractors, 6.3k GP practices and 250 trusts per 35k providers, with
DMS practices, CCGs, NHS CB area teams, CSUs and IT suppliers in proportion. Each organisation is
written as a register row that follows every rule; with probability ``violation_rate`` one rule
that applies to its kind is broken, and the break is listed in the manifest (ODS code, shape,
severity). The same seed gives the same register, byte for byte.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from rdflib import Literal

from itops.errors import ParameterError
from itops.io import Writer, check_outputs, write_files_atomic
from itops.register import ODS, OPTIONAL, REQUIRED

# kind -> (share per 35,000 providers, register type, prefix of the ODS code)
MIX: dict[str, tuple[float, str, str]] = {
    "pharmacy": (11500, "community pharmacy", "FP"),
    "dental": (11000, "dental practice", "VD"),
    "optometry": (6000, "community optometry practice", "TO"),
    "appliance": (100, "appliance contractor", "FA"),
    "gp": (6300, "GP practice", "GP"),
    "trust": (250, "secondary care provider", "RT"),
    "community": (40, "community service provider", "RC"),
    "dms": (160, "DMS practice", "DM"),
    "ccg": (211, "CCG", "CG"),
    "area_team": (27, "NHS CB area team", "QA"),
    "csu": (20, "CSU", "CS"),
    "local_supplier": (150, "local IT supplier", "YL"),
    "system_supplier": (12, "system supplier", "YS"),
}
PROVIDERS = 35000.0

# kind -> the rules (shape local names) a break may be injected for, with their severity
BREAKABLE: dict[str, tuple[tuple[str, str], ...]] = {
    "pharmacy": (
        ("ProviderConnectedToNationalSystemsHasIsb0160Holder", "Violation"),
        ("N3ConnectionCompliesWithCodeOfConnection", "Violation"),
        ("IgtCompleted-status", "Violation"),
        ("ContractorSmartcardUsersHaveRegistrationAuthority", "Warning"),  # CP 2012 §02 "where required"
        ("ContractorRegistrationAuthorityFromNamedBody-ra", "Warning"),  # CP 2012 §03 "may choose"
        ("ContractorNationalAccessByNhsCb", "Warning"),
    ),
    "dms": (
        ("ProviderConnectedToNationalSystemsHasIsb0160Holder", "Violation"),
        ("N3ConnectionCompliesWithCodeOfConnection", "Violation"),
        ("IgtCompleted-status", "Violation"),
        ("SmartcardUsersHaveRegistrationAuthority", "Violation"),
        ("DmsRegistrationAuthorityFromDms-ra", "Violation"),
        ("DmsNationalAccessThroughAreaTeam", "Violation"),
    ),
    "trust": (
        ("ProviderConnectedToNationalSystemsHasIsb0160Holder", "Violation"),
        ("N3ConnectionCompliesWithCodeOfConnection", "Violation"),
        ("IgtCompleted-status", "Violation"),
        ("SmartcardUsersHaveRegistrationAuthority", "Violation"),
    ),
    "gp": (),  # GP IT is governed by the separate GP IT Services Operating Arrangements
    "ccg": (("CcgHasIsb0160EscalationRoute-contact", "Warning"),),  # AF 2013 §05 "If an issue/complaint arises"
    "area_team": (),
    "csu": (("NhsCbAppointeeIgtCompleted", "Violation"),),  # CP 2012 §03 "appointed by the NHS CB"
    "local_supplier": (
        # ISB 0129/0160 bind a local supplier only through the clients the text names, which a random
        # mix may not give it, so no break of those is injected here
        ("SupplierSupportsSmartcardModel", "Violation"),
        ("SupplierIgtCompleted", "Violation"),
    ),
    "system_supplier": (("SupplierCompliesWithIsb0129-compliesWith", "Violation"),),
}
for _kind in ("dental", "optometry", "appliance"):
    BREAKABLE[_kind] = BREAKABLE["pharmacy"]
BREAKABLE["community"] = BREAKABLE["trust"]

SYSTEMS = {
    "pharmacy": "EPS; SCR; NHSmail; N3",
    "dental": "NHSmail; N3",
    "optometry": "NHSmail; N3",
    "appliance": "EPS; NHSmail; N3",
    "gp": "EPS; Spine; Choose and Book; SCR; N3",
    "trust": "Spine; SUS; Choose and Book; N3",
    "community": "Spine; N3",
    "dms": "Spine; SCR; N3",
}
COLUMNS = (*REQUIRED, *OPTIONAL)  # every register column, in the order the reader documents them


@dataclass(frozen=True)
class Break:
    """A rule break injected into a synthetic register."""

    ods_code: str
    shape: str
    severity: str


def _counts(organisations: int) -> dict[str, int]:
    total = sum(share for share, _, _ in MIX.values())
    counts = {kind: max(1, round(organisations * share / total)) for kind, (share, _, _) in MIX.items()}
    # the largest kind absorbs the rounding so that the total is exact
    counts["pharmacy"] += organisations - sum(counts.values())
    if counts["pharmacy"] < 1:
        raise ValueError(f"--organisations must be at least {sum(counts.values()) - counts['pharmacy'] + 1}")
    return counts


def generate(
    organisations: int, *, seed: int = 0, violation_rate: float = 0.05
) -> tuple[list[dict[str, str]], list[Break]]:
    """Return the register rows and the breaks injected into them.

    Raises:
        ValueError: a parameter is out of range.
    """
    if organisations < len(MIX):
        raise ValueError(f"organisations must be at least {len(MIX)} (one of each kind)")
    if not 0.0 <= violation_rate <= 1.0:
        raise ValueError("violation_rate must be between 0 and 1")
    rng = random.Random(seed)
    counts = _counts(organisations)
    codes = {kind: [f"{MIX[kind][2]}{i:05d}" for i in range(1, counts[kind] + 1)] for kind in MIX}
    rows: list[dict[str, str]] = []
    breaks: list[Break] = []
    for kind in MIX:
        for code in codes[kind]:
            row = _row(kind, code, codes, rng)
            rules = BREAKABLE[kind]
            if rules and rng.random() < violation_rate:
                shape, severity = rules[rng.randrange(len(rules))]
                _break(row, shape, codes, rng)
                breaks.append(Break(code, shape, severity))
            rows.append(row)
    return rows, breaks


def _row(kind: str, code: str, codes: dict[str, list[str]], rng: random.Random) -> dict[str, str]:
    label, type_name = MIX[kind][1], MIX[kind][1]
    row = dict.fromkeys(COLUMNS, "")
    row.update(ods_code=code, name=f"Synthetic {label} {code}", type=type_name)
    area_team = rng.choice(codes["area_team"])
    if kind in SYSTEMS:
        row["national_systems"] = SYSTEMS[kind]
        row["it_supplier"] = rng.choice(codes["local_supplier"])
        row["assurance_holders"] = f"ISB 0160=Clinical safety officer of {code}"
        row["complies_with"] = "N3 Code of Connection"
        row["smartcard_users"] = "yes"
        if kind != "gp":
            row["igt_status"] = "standards met"
            row["igt_submitted"] = "2013-03-31"
    if kind in ("pharmacy", "dental", "optometry", "appliance"):
        row["registration_authority"] = rng.choice(codes["csu"])
        row["commissioned_by"] = area_team
        row["access_commissioned_by"] = area_team
    elif kind == "dms":
        row["registration_authority"] = "DMS"
        row["access_commissioned_by"] = area_team
    elif kind in ("trust", "community", "gp"):
        row["registration_authority"] = code
        row["commissioned_by"] = rng.choice(codes["ccg"])
    elif kind == "ccg":
        row["escalation_contact"] = area_team
    elif kind == "csu":
        row["igt_status"] = "standards met"
        row["commissioned_by"] = area_team
    elif kind == "local_supplier":
        row["complies_with"] = "ISB 0129; ISB 0160; smartcard model"
        row["igt_status"] = "standards met"
    elif kind == "system_supplier":
        row["complies_with"] = "ISB 0129"
    return row


def _break(row: dict[str, str], shape: str, codes: dict[str, list[str]], rng: random.Random) -> None:
    def drop(column: str, value: str) -> None:
        row[column] = "; ".join(v for v in row[column].split("; ") if v != value)

    if shape == "ProviderConnectedToNationalSystemsHasIsb0160Holder":
        row["assurance_holders"] = ""
    elif shape == "N3ConnectionCompliesWithCodeOfConnection":
        drop("complies_with", "N3 Code of Connection")
    elif shape in ("IgtCompleted-status", "SupplierIgtCompleted"):
        row["igt_status"] = rng.choice(["standards not met", "not submitted", ""])
        if row["igt_status"] != "standards met":
            row["igt_submitted"] = ""
    elif shape in ("SmartcardUsersHaveRegistrationAuthority", "ContractorSmartcardUsersHaveRegistrationAuthority"):
        row["registration_authority"] = ""
    elif shape == "NhsCbAppointeeIgtCompleted":
        row["igt_status"] = rng.choice(["standards not met", "not submitted", ""])
    elif shape == "ContractorRegistrationAuthorityFromNamedBody-ra":
        row["registration_authority"] = rng.choice(codes["ccg"])
    elif shape == "ContractorNationalAccessByNhsCb":
        row["access_commissioned_by"] = ""
    elif shape == "DmsRegistrationAuthorityFromDms-ra":
        row["registration_authority"] = rng.choice(codes["csu"])
    elif shape == "DmsNationalAccessThroughAreaTeam":
        row["access_commissioned_by"] = ""
    elif shape == "CcgHasIsb0160EscalationRoute-contact":
        row["escalation_contact"] = ""
    elif shape == "SupplierCompliesWithIsb0129-compliesWith":
        drop("complies_with", "ISB 0129")
    elif shape == "SupplierSupportsSmartcardModel":
        drop("complies_with", "smartcard model")
    else:  # pragma: no cover - BREAKABLE and this function are kept in step by the tests
        raise AssertionError(shape)


# ------------------------------------------------------------------------------------------------
# Writers: CSV (the register layout) and N-Triples (what a triple store loads fastest)
# ------------------------------------------------------------------------------------------------

_ITOPS = "https://w3id.org/itops#"
_ID = "https://w3id.org/itops/id/"
_NAMES = {
    "community pharmacy": "CommunityPharmacy",
    "dental practice": "DentalPractice",
    "community optometry practice": "CommunityOptometryPractice",
    "appliance contractor": "ApplianceContractor",
    "GP practice": "GPPractice",
    "secondary care provider": "SecondaryCareProvider",
    "community service provider": "CommunityServiceProvider",
    "DMS practice": "DMSPractice",
    "CCG": "ClinicalCommissioningGroup",
    "NHS CB area team": "AreaTeam",
    "CSU": "CommissioningSupportUnit",
    "local IT supplier": "LocalITSupplier",
    "system supplier": "SystemSupplier",
}
_SYSTEM_IDS = {
    "EPS": "eps",
    "SCR": "scr",
    "NHSmail": "nhsmail",
    "N3": "n3",
    "Spine": "spine",
    "Choose and Book": "choose-and-book",
    "SUS": "sus",
}
_STANDARD_IDS = {
    "N3 Code of Connection": "n3-code-of-connection",
    "ISB 0129": "isb-0129",
    "smartcard model": "smartcard-model",
    "ISB 0160": "isb-0160",
}
_IGT_IDS = {
    "standards met": "igt-standards-met",
    "standards not met": "igt-standards-not-met",
    "not submitted": "igt-not-submitted",
}


def _split(cell: str) -> list[str]:
    return [v.strip() for v in cell.split(";") if v.strip()]


def ntriples(rows: list[dict[str, str]]) -> Iterator[str]:
    """The rows as N-Triples lines, the same triples the CSV register reader produces."""
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    for row in rows:
        s = f"<{ODS}{row['ods_code']}>"
        yield f"{s} {rdf_type} <{_ITOPS}{_NAMES[row['type']]}> .\n"
        yield f"{s} {rdf_type} <http://www.w3.org/2002/07/owl#NamedIndividual> .\n"
        yield f"{s} {label} {Literal(row['name']).n3()} .\n"
        yield f"{s} <{_ITOPS}odsCode> {Literal(row['ods_code']).n3()} .\n"
        for system in _split(row["national_systems"]):
            yield f"{s} <{_ITOPS}connectsTo> <{_ID}{_SYSTEM_IDS[system]}> .\n"
        for standard in _split(row["complies_with"]):
            yield f"{s} <{_ITOPS}compliesWith> <{_ID}{_STANDARD_IDS[standard]}> .\n"
        for i, item in enumerate(_split(row["assurance_holders"]), start=1):
            standard, _, holder = item.partition("=")
            a = f"<{ODS}{row['ods_code']}/assurance/{i}>"
            yield f"{s} <{_ITOPS}hasAssurance> {a} .\n"
            yield f"{a} {rdf_type} <{_ITOPS}Assurance> .\n"
            yield f"{a} <{_ITOPS}assuranceFor> <{_ID}{_STANDARD_IDS[standard.strip()]}> .\n"
            yield f"{a} <{_ITOPS}assuranceHolder> {Literal(holder.strip()).n3()} .\n"
        if row["igt_status"]:
            yield f"{s} <{_ITOPS}igtStatus> <{_ID}{_IGT_IDS[row['igt_status']]}> .\n"
        if row["igt_submitted"]:
            yield (
                f'{s} <{_ITOPS}igtSubmittedOn> "{row["igt_submitted"]}T00:00:00"'
                f"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"
            )
        if row["smartcard_users"]:
            value = "true" if row["smartcard_users"] == "yes" else "false"
            yield f'{s} <{_ITOPS}usesSmartcards> "{value}"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n'
        for column, prop in (
            ("it_supplier", "hasITSupplier"),
            ("registration_authority", "registrationAuthority"),
            ("commissioned_by", "commissionedBy"),
            ("access_commissioned_by", "accessCommissionedBy"),
            ("escalation_contact", "escalationContact"),
        ):
            for value in _split(row[column]):
                target = f"<{_ID}dms>" if value == "DMS" else f"<{ODS}{value}>"
                yield f"{s} <{_ITOPS}{prop}> {target} .\n"


def register_writer(rows: list[dict[str, str]], path: Path) -> Writer:
    """The writer of the rows as CSV (``.csv``) or N-Triples (``.nt``), for :func:`itops.io.write_files_atomic`.

    Raises:
        ParameterError: ``path`` is neither .csv nor .nt.
    """
    if path.suffix == ".csv":

        def write_csv(handle: IO[bytes]) -> None:
            text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
            writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            text.flush()
            text.detach()

        return write_csv
    if path.suffix == ".nt":

        def write_nt(handle: IO[bytes]) -> None:
            for line in ntriples(rows):
                handle.write(line.encode("utf-8"))

        return write_nt
    raise ParameterError("-o", f"{path}: write a register as .csv or .nt")


def manifest_writer(breaks: list[Break]) -> Writer:
    """The writer of the injected breaks as CSV: ods_code, shape, severity."""
    data = ("ods_code,shape,severity\n" + "".join(f"{b.ods_code},{b.shape},{b.severity}\n" for b in breaks)).encode()
    return lambda handle: handle.write(data)


def default_manifest(register: Path) -> Path:
    """Where the manifest of ``register`` goes by default: ``england.nt`` → ``england.nt.breaks.csv``."""
    return register.with_name(register.name + ".breaks.csv")


def write_synthetic(rows: list[dict[str, str]], breaks: list[Break], register: Path, manifest: Path) -> None:
    """Write the register and its manifest together: both complete, or neither.

    Raises:
        OutputError: a file cannot be written, or the manifest would overwrite the register.
        ParameterError: the register is neither .csv nor .nt.
    """
    check_outputs([], [("-o", register), ("--manifest", manifest)])
    write_files_atomic({register: register_writer(rows, register), manifest: manifest_writer(breaks)})
