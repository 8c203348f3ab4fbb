"""ImportSpec: what one kind of upload imports, declared instead of coded.

The pipeline (store → inspect → map → run_import) is the same for every kind
of upload; a spec says where the rows go and what they must hold:

- `table`: the target table; `context` fills columns from the upload row
  (product, upload id), `constants` fills fixed columns.
- `fields`: the columns the admin maps, each with its row rule (a cell → the
  value to store, or `Rejected(reason)`), in the order the rules run and the
  fields pick their suggested column; `extra_column` keeps the other
  (non-bank) columns as JSON, or nothing when None.
- `unique`: the duplicate scope — `key` must be unique among the rows that
  share the `within` columns. A key met twice in the file is
  "duplicate_in_file"; a key already stored from another upload is
  `unique.reason`.

The customer database (crm/services/databases/spec.py) is
`unique=DuplicateScope("username", within=("product_id",))`: username unique
per product. Later kinds are new specs, not new code paths:

- DB Bonanza / Member WD (kind "bonanza", "member_wd"): the customer fields
  into the special lists' records table, `context={"list_id": …}` and
  `unique=DuplicateScope("username", within=("list_id",),
  reason="already_in_list")`: a username is unique inside one list only.
- Reservation uploads (kind "reservations"): fields username
  (rules.username), product and staff email, whose rules need the database
  (a product name → id, an email → staff id): `Field(..., bind=…)` builds such
  a rule once per run; `unique=DuplicateScope("username",
  within=("product_id",), reason="already_reserved")` — a scope column may
  be a field as well as a context column.
- Deposit history (kind "deposits"): fields date, username and amount with
  date and amount rules (their own reasons, rules.register_reason),
  `extra_column=None`, `count_missing=None` and no `unique` (two equal
  deposits can both be real).

`Plan` binds a spec to one upload's columns for the row loop of
pipeline.run_import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _json_str  # the C implementation
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from crm.models import CustomerDatabase
from crm.services.imports.columns import is_bank_column
from crm.services.imports.inserter import for_driver

Rule = Callable[[str], Any]


def keep(cell: str) -> str:
    """The cell as it is (stripped text)."""
    return cell


@dataclass(frozen=True)
class Field:
    name: str  # the target column, and the field's key in the mapping
    rule: Rule = keep
    required: str | None = None  # N_() message when no column is chosen; None: optional
    missing: Any = None  # the value stored when the field is not mapped
    synonyms: tuple[str, ...] = ()  # normalised header names suggested for it, best first
    bind: Callable[[Session, CustomerDatabase], Rule] | None = None  # a rule needing the database, built per run


@dataclass(frozen=True)
class DuplicateScope:
    key: str  # the field that must be unique
    within: tuple[str, ...] = ()  # columns (context or fields) scoping it; () means everywhere
    reason: str = "already_in_product"  # a key stored before by another upload


@dataclass(frozen=True)
class ImportSpec:
    kind: str  # CustomerDatabase.kind of its uploads
    table: Table
    fields: tuple[Field, ...]
    context: Mapping[str, Callable[[CustomerDatabase], Any]] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    extra_column: str | None = None
    unique: DuplicateScope | None = None
    upload_column: str = "database_id"  # holds the upload's id: duplicates in the file, revert
    count_missing: str | None = None  # the field whose empty values the report counts (db.missing_phone)

    def __post_init__(self) -> None:
        names = {f.name for f in self.fields}
        if self.unique is not None and self.unique.key not in names:
            raise ValueError(f"{self.kind}: the duplicate key {self.unique.key!r} is not a field")
        if self.unique is not None and any(c not in names and c not in self.context for c in self.unique.within):
            raise ValueError(f"{self.kind}: a duplicate scope column is neither a field nor a context column")
        if self.upload_column not in self.context:
            raise ValueError(f"{self.kind}: the upload id column {self.upload_column!r} must come from the upload (context)")
        if self.count_missing is not None and self.count_missing not in names:
            raise ValueError(f"{self.kind}: count_missing {self.count_missing!r} is not a field")

    @property
    def synonyms(self) -> dict[str, tuple[str, ...]]:
        return {f.name: f.synonyms for f in self.fields}


class Plan:
    """An ImportSpec applied to one upload: which cell feeds which rule, and the
    columns of the inserted rows — (*mapped fields, extra, *context, *constants,
    *unmapped fields): a row's values are its rules' results plus one fixed tail."""

    def __init__(self, spec: ImportSpec, session: Session, db: CustomerDatabase, headers: list[str]) -> None:
        mapping = db.mapping or {}
        index = {h: i for i, h in enumerate(headers)}
        mapped = [f for f in spec.fields if mapping.get(f.name) in index]
        unmapped = [f for f in spec.fields if f not in mapped]
        cells = [(index[mapping[f.name]], f.bind(session, db) if f.bind else f.rule) for f in mapped]
        self.values_of = _values_of(cells)
        used = {i for i, _ in cells}
        dropped_names = set(db.dropped_columns or [])
        dropped = {i for i, h in enumerate(headers) if h in dropped_names or is_bank_column(h)}
        self.visible = [i for i in range(len(headers)) if i not in dropped]
        # JSON of the extra fields, built from pre-quoted keys: the same result
        # as json.dumps, several times faster per row.
        self.extra_keys = ([(i, _json_str(headers[i]) + ":") for i in self.visible if i not in used]
                           if spec.extra_column else None)
        context = {name: value(db) for name, value in spec.context.items()}
        self.tail = for_driver(session, (*context.values(), *spec.constants.values(), *(f.missing for f in unmapped)))
        self.columns = [*(f.name for f in mapped), *([spec.extra_column] if spec.extra_column else []),
                        *context, *spec.constants, *(f.name for f in unmapped)]
        self.missing_at = self.columns.index(spec.count_missing) if spec.count_missing else None
        self.key_at: int | None = None
        self.scope: list[tuple[str, Any]] = []  # (column, value) fixed for the whole upload
        self.scope_fields: list[tuple[str, int]] = []  # (column, position) varying per row
        if spec.unique is not None:
            self.key_at = self.columns.index(spec.unique.key)
            self.scope = [(c, context[c]) for c in spec.unique.within if c in context]
            self.scope_fields = [(c, self.columns.index(c)) for c in spec.unique.within if c not in context]


def _values_of(cells: list[tuple[int, Rule]]) -> Callable[[list[str]], tuple]:
    """row → (rule(cell), …), raising Rejected; unrolled for the usual few fields (the hot loop).
    Tuples, not lists: once their items are plain values the garbage collector stops tracking them."""
    if len(cells) == 1:
        (i0, r0), = cells
        return lambda row: (r0(row[i0]),)
    if len(cells) == 2:
        (i0, r0), (i1, r1) = cells
        return lambda row: (r0(row[i0]), r1(row[i1]))
    if len(cells) == 3:
        (i0, r0), (i1, r1), (i2, r2) = cells
        return lambda row: (r0(row[i0]), r1(row[i1]), r2(row[i2]))
    return lambda row: tuple([rule(row[i]) for i, rule in cells])


_SPECS: dict[str, ImportSpec] = {}


def register(spec: ImportSpec) -> ImportSpec:
    """Make a kind importable (at import time of the feature's spec module)."""
    _SPECS[spec.kind] = spec
    return spec


def spec_for(kind: str) -> ImportSpec:
    try:
        return _SPECS[kind]
    except KeyError:
        raise LookupError(f"no ImportSpec registered for uploads of kind {kind!r}") from None
