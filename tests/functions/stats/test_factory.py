from __future__ import annotations

import pytest

from functions.stats import (
    CategoricalProfile,
    ImageProfile,
    NumericalProfile,
    TextProfile,
    profile_for,
    profile_from_dict,
)
from functions.stats.errors import BadProfile
from protos.contract import Field
from protos.errors import ContractError


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"type": "double", "profile": "numerical"}, NumericalProfile),
        ({"type": "int64", "profile": "continuous"}, NumericalProfile),
        ({"type": "int64", "profile": "categorical"}, CategoricalProfile),
        ({"type": "string", "profile": "nominal"}, CategoricalProfile),
        ({"type": "string", "profile": "text"}, TextProfile),
        ({"type": "uint8", "shape": [-1, 28, 28], "profile": "image"}, ImageProfile),
        ({"type": "double", "profile": "none"}, NumericalProfile),
        ({"type": "string", "profile": "none"}, CategoricalProfile),
        ({"type": "bool"}, CategoricalProfile),
        ({"type": "double", "shape": [3], "profile": "none"}, type(None)),
        ({"type": "double", "profile": "audio"}, type(None)),
        ({"fields": {"a": {"type": "int64"}}, "profile": "numerical"}, type(None)),
    ],
)
def test_profile_type_follows_the_contract(spec: dict[str, object], expected: type) -> None:
    assert type(profile_for(Field.from_dict("x", spec, "inputs.x"))) is expected


@pytest.mark.parametrize(("dtype", "profile"), [("string", "numerical"), ("double", "text"), ("string", "image")])
def test_profiles_the_dtype_cannot_carry_are_contract_errors(dtype: str, profile: str) -> None:
    field = Field.from_dict("age", {"type": dtype, "profile": profile}, "inputs.age")
    with pytest.raises(ContractError, match=r"^age.profile"):
        profile_for(field)


def test_stored_profiles_of_every_kind_come_back() -> None:
    for profile in (NumericalProfile(), CategoricalProfile(), TextProfile(), ImageProfile()):
        assert type(profile_from_dict(profile.to_dict())) is type(profile)
    with pytest.raises(BadProfile, match=r"^kind: unknown profile kind 'video'"):
        profile_from_dict({"kind": "video"})
    with pytest.raises(BadProfile, match=r"^profile"):
        profile_from_dict([])  # type: ignore[arg-type]
