"""The directory file: the bundled example, lookups, and problems named by line."""

import pytest

from content.directory import load_directory, parse_directory
from content.yamlfile import ContentError

GOOD = """board:
  name: Test Board
  staff:
    - name: Alex Example
      aad_object_id: 00000000-0000-0000-0000-000000000020
organisations:
  - id: sussex-police
    name: Sussex Police
    tenant_ids: [00000000-0000-0000-0000-000000000001]
    safeguarding_leads:
      - name: Sam Example
        email: sam@example.org
        aad_object_id: 00000000-0000-0000-0000-000000000021
  - id: nhs
    name: NHS
    safeguarding_leads:
      - name: Priya Example
        email: priya@example.org
"""


def test_bundled_example_has_the_partner_agencies():
    d = load_directory(None)
    assert d.board.name == "East Sussex Local Safeguarding Children Board"
    names = [o.name for o in d.organisations]
    assert names == ["Sussex Police", "NHS Sussex", "East Sussex County Council Children's Services",
                     "East Sussex Fire & Rescue Service"]
    assert all(o.safeguarding_leads for o in d.organisations)


def test_lookups():
    d = parse_directory(GOOD)
    assert d.is_board_staff("00000000-0000-0000-0000-000000000020")
    assert d.is_board_staff("00000000-0000-0000-0000-000000000020".upper())
    assert not d.is_board_staff("00000000-0000-0000-0000-000000000021")
    assert not d.is_board_staff(None)
    assert [o.id for o in d.organisations_for_tenant("00000000-0000-0000-0000-000000000001")] == ["sussex-police"]
    assert d.organisations_for_tenant("other") == []
    assert [o.id for o in d.organisations_open_to("00000000-0000-0000-0000-000000000009")] == ["nhs"]
    assert [o.id for o in d.organisations_open_to("00000000-0000-0000-0000-000000000001")] == ["sussex-police", "nhs"]
    assert d.organisation("nhs").safeguarding_leads[0].aad_object_id is None


@pytest.mark.parametrize("change, line, fragment", [
    (("email: sam@example.org", "email: not-an-email"), 12, "is not an email address"),
    (("aad_object_id: 00000000-0000-0000-0000-000000000021", "aad_object_id: 42"), 13, "must be a GUID"),
    (("  - id: nhs\n", "  - id: sussex-police\n"), 1, "organisation ids must be unique"),
    (("    name: NHS\n", ""), 14, "missing field 'organisations.1.name'"),
    (("  name: Test Board\n", "  name: Test Board\n  website: x\n"), 3, "unknown field 'board.website'"),
    (("board:\n", "board: [\n"), 3, "invalid YAML"),
])
def test_problems_name_their_line(change, line, fragment):
    with pytest.raises(ContentError) as caught:
        parse_directory(GOOD.replace(*change))
    [problem] = caught.value.problems
    assert problem.line == line and fragment in problem.message


def test_unreadable_file(tmp_path):
    with pytest.raises(ContentError) as caught:
        load_directory(tmp_path / "missing.yaml")
    assert "cannot read the directory file" in caught.value.problems[0].message
    assert caught.value.path.endswith("missing.yaml")


def test_the_playground_directory_is_valid():
    from pathlib import Path

    d = load_directory(Path(__file__).resolve().parents[2] / "playground" / "directory.yaml")
    alex = "00000000-0000-0000-0000-000000000020"  # the playground's current user
    assert d.is_board_staff(alex)
    assert d.organisation("sussex-police").safeguarding_leads[0].aad_object_id == alex
