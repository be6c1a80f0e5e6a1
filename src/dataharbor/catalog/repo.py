"""Catalog queries and validated writes for partners and datasets (keyword-only service functions)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from dataharbor.catalog.models import Dataset, DatasetVersion, Partner
from dataharbor.domain.enums import PiiPolicy, Purpose, Tier, VersionState
from dataharbor.domain.licenses import license_problem
from dataharbor.errors import Conflict, InvalidInput, NotFound

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_LANG = re.compile(r"^[a-z]{2,3}$")


def _check_name(kind: str, name: str) -> None:
    if not _NAME.match(name):
        raise InvalidInput(
            f"{kind} name '{name}' is not valid: use letters, digits, '.', '_' or '-' (max 100, no '/')",
            name=name,
        )


def add_partner(
    s: Session, *, name: str, kind: str = "organisation", jurisdiction: str = "", contact: str = ""
) -> Partner:
    _check_name("Partner", name)
    if s.scalar(select(Partner).where(Partner.name == name)):
        raise Conflict(f"Partner '{name}' already exists", partner=name)
    partner = Partner(name=name, kind=kind, jurisdiction=jurisdiction, contact=contact)
    s.add(partner)
    s.flush()
    return partner


def get_partner(s: Session, name: str) -> Partner:
    partner = s.scalar(select(Partner).where(Partner.name == name))
    if partner is None:
        raise NotFound(f"Partner '{name}' not found", partner=name)
    return partner


def list_partners(s: Session) -> Sequence[Partner]:
    return s.scalars(select(Partner).order_by(Partner.name)).all()


def parse_ref(ref: str) -> tuple[str, str, int | None]:
    """`PARTNER/NAME[@vN]` → (partner, name, version number or None)."""
    version: int | None = None
    if "@" in ref:
        ref, v = ref.rsplit("@", 1)
        if not re.fullmatch(r"v?\d+", v):
            raise InvalidInput(f"Version '{v}' is not valid: expected vN, e.g. @v2", ref=ref)
        version = int(v.lstrip("v"))
    if ref.count("/") != 1:
        raise InvalidInput(f"Dataset reference '{ref}' is not valid: expected PARTNER/NAME", ref=ref)
    partner, name = ref.split("/")
    return partner, name, version


def create_dataset(
    s: Session,
    *,
    partner: str,
    name: str,
    tier: str,
    license: str,
    purposes: Sequence[str] = (),
    pii_policy: str = "redact",
    languages: Sequence[str] = (),
    retention_days: int | None = None,
    redistribution: bool | None = None,
    consent: str = "",
    description: str = "",
    text_field: str = "text",
    text_column: str = "text",
) -> Dataset:
    _check_name("Dataset", name)
    owner = get_partner(s, partner)
    try:
        tier_v = Tier(tier)
    except ValueError:
        raise InvalidInput(f"Tier '{tier}' is not valid: expected open or private", tier=tier) from None
    problem = license_problem(license, tier_v.value)
    if problem:
        raise InvalidInput(f"Dataset {partner}/{name}: {problem}", license=license)
    try:
        purpose_vs = [Purpose(p).value for p in purposes] or [p.value for p in Purpose]
    except ValueError as exc:
        allowed = ", ".join(p.value for p in Purpose)
        raise InvalidInput(f"Purpose is not valid ({exc}); allowed: {allowed}") from None
    try:
        policy = PiiPolicy(pii_policy).value
    except ValueError:
        allowed_policies = ", ".join(p.value for p in PiiPolicy)
        raise InvalidInput(f"PII policy '{pii_policy}' is not valid: expected {allowed_policies}") from None
    if policy == PiiPolicy.KEEP_PRIVATE_ONLY and tier_v is Tier.OPEN:
        raise InvalidInput("PII policy 'keep-private-only' is for private datasets; open data must redact or drop")
    for lang in languages:
        if not _LANG.match(lang):
            raise InvalidInput(f"Language '{lang}' is not an ISO 639 code (e.g. en, fr, deu)", language=lang)
    if retention_days is not None and retention_days <= 0:
        raise InvalidInput(f"Retention must be a positive number of days, got {retention_days}")
    if s.scalar(select(Dataset).where(Dataset.partner_id == owner.id, Dataset.name == name)):
        raise Conflict(f"Dataset '{partner}/{name}' already exists", dataset=f"{partner}/{name}")
    ds = Dataset(
        partner=owner,
        name=name,
        tier=tier_v.value,
        license=license,
        purposes=purpose_vs,
        pii_policy=policy,
        languages=list(languages),
        retention_days=retention_days,
        # open data is redistributable by definition; private data only when the partner says so
        redistribution=(tier_v is Tier.OPEN) if redistribution is None else redistribution,
        consent=consent,
        description=description,
        text_field=text_field,
        text_column=text_column,
    )
    s.add(ds)
    s.flush()
    return ds


def get_dataset(s: Session, ref: str) -> Dataset:
    partner, name, _ = parse_ref(ref)
    ds = s.scalar(
        select(Dataset)
        .join(Partner)
        .options(joinedload(Dataset.partner))
        .where(Partner.name == partner, Dataset.name == name)
    )
    if ds is None:
        raise NotFound(f"Dataset '{partner}/{name}' not found", dataset=f"{partner}/{name}")
    return ds


def list_datasets(s: Session, partner: str | None = None) -> Sequence[Dataset]:
    q = select(Dataset).join(Partner).options(joinedload(Dataset.partner)).order_by(Partner.name, Dataset.name)
    if partner:
        q = q.where(Partner.name == partner)
    return s.scalars(q).all()


READABLE = (VersionState.PROCESSED, VersionState.AUDITED, VersionState.APPROVED, VersionState.REJECTED)


def list_versions(s: Session, dataset_id: int) -> Sequence[DatasetVersion]:
    return s.scalars(
        select(DatasetVersion).where(DatasetVersion.dataset_id == dataset_id).order_by(DatasetVersion.number)
    ).all()


def get_version(s: Session, dataset: Dataset, number: int | None = None) -> DatasetVersion:
    """Version `number`, or the latest readable one."""
    q = select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id)
    if number is not None:
        v = s.scalar(q.where(DatasetVersion.number == number))
    else:
        v = s.scalar(
            q.where(DatasetVersion.state.in_([st.value for st in READABLE])).order_by(DatasetVersion.number.desc())
        )
    if v is None:
        what = f"@v{number}" if number is not None else " has no readable version yet"
        raise NotFound(f"Dataset '{dataset.ref}'{what}" + (" not found" if number is not None else ""))
    return v


def resolve_version(s: Session, ref: str) -> tuple[Dataset, DatasetVersion]:
    """`PARTNER/NAME[@vN]` → the dataset and that version (or its latest readable one)."""
    dataset = get_dataset(s, ref)
    return dataset, get_version(s, dataset, parse_ref(ref)[2])


def next_version_number(s: Session, dataset_id: int) -> int:
    current = s.scalar(select(func.max(DatasetVersion.number)).where(DatasetVersion.dataset_id == dataset_id))
    return (current or 0) + 1
