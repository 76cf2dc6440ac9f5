"""The directory file: the board, its staff, and the partner organisations with their leads."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from .privacy import compile_patterns
from .yamlfile import ContentError, Problem, load_model

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OrgId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
BUNDLED_EXAMPLE = "east-sussex.example.yaml"


def _guid(value: object) -> str | None:
    if value is None:
        return None
    value = str(value)
    if not _GUID.match(value):
        raise ValueError("must be a GUID like 00000000-0000-0000-0000-000000000000")
    return value.lower() if value else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Strict):
    name: Name
    aad_object_id: str

    _check_id = field_validator("aad_object_id", mode="before")(_guid)


class Lead(_Strict):
    name: Name
    email: str
    aad_object_id: str | None = None

    _check_id = field_validator("aad_object_id", mode="before")(_guid)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("is not an email address")
        return value


class Organisation(_Strict):
    id: OrgId
    name: Name
    tenant_ids: list[str] = Field(default_factory=list)
    safeguarding_leads: list[Lead] = Field(min_length=1)

    @field_validator("tenant_ids", mode="before")
    @classmethod
    def _tenants(cls, value: object) -> object:
        return [_guid(v) for v in value] if isinstance(value, list) else value


class Board(_Strict):
    name: Name
    staff: list[Person] = Field(default_factory=list)
    # A second pair of eyes: a publish request from Teams waits until one of the approvers (not
    # the person who asked) approves it.
    approval_required: bool = False
    approvers: list[Person] = Field(default_factory=list)

    @model_validator(mode="after")
    def _approvers(self) -> "Board":
        if self.approval_required and not self.approvers:
            raise ValueError("approval_required needs approvers: list the people who may approve publishing")
        return self


class Directory(_Strict):
    board: Board
    organisations: list[Organisation] = Field(min_length=1)
    # False: activities from a tenant that no organisation lists are ignored.
    allow_unlisted_tenants: bool = False
    # Case and crime reference formats the privacy scanner looks for (regular expressions);
    # unset, content.privacy's defaults.
    case_reference_patterns: list[str] | None = None

    @field_validator("case_reference_patterns")
    @classmethod
    def _patterns(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            compile_patterns(value)  # ValueError names the bad pattern
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> "Directory":
        ids = [o.id for o in self.organisations]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"organisation ids must be unique: {', '.join(duplicates)}")
        return self

    def organisation(self, org_id: str | None) -> Organisation | None:
        return next((o for o in self.organisations if o.id == org_id), None)

    def organisations_for_tenant(self, tenant_id: str | None) -> list[Organisation]:
        tenant = (tenant_id or "").lower()
        return [o for o in self.organisations if tenant and tenant in o.tenant_ids]

    def tenant_allowed(self, tenant_id: str | None) -> bool:
        return self.allow_unlisted_tenants or bool(self.organisations_for_tenant(tenant_id))

    def organisations_open_to(self, tenant_id: str | None) -> list[Organisation]:
        """Organisations a team in this tenant may join: those that name the tenant or name none."""
        tenant = (tenant_id or "").lower()
        return [o for o in self.organisations if not tenant or not o.tenant_ids or tenant in o.tenant_ids]

    def lead_organisations(self, aad_object_id: str | None) -> list[Organisation]:
        """The organisations this person is a safeguarding lead of."""
        if not aad_object_id:
            return []
        return [o for o in self.organisations
                if any(lead.aad_object_id == aad_object_id.lower() for lead in o.safeguarding_leads)]

    def is_approver(self, aad_object_id: str | None) -> bool:
        return bool(aad_object_id) and any(p.aad_object_id == aad_object_id.lower() for p in self.board.approvers)

    def is_board_staff(self, aad_object_id: str | None) -> bool:
        return bool(aad_object_id) and any(
            p.aad_object_id == aad_object_id.lower() for p in self.board.staff
        )


def parse_directory(text: str) -> Directory:
    return load_model(text, Directory)


def load_directory(path: Path | None) -> Directory:
    """Load and validate the directory file (the bundled example when `path` is None)."""
    if path is None:
        text = (resources.files("content") / "directory" / BUNDLED_EXAMPLE).read_text(encoding="utf-8")
        name = f"(bundled) {BUNDLED_EXAMPLE}"
    else:
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ContentError([Problem(1, f"cannot read the directory file: {exc}")], name) from None
    try:
        return parse_directory(text)
    except ContentError as exc:
        raise ContentError(exc.problems, name) from None
