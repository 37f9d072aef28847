"""Thresholds and speeds."""

import pytest

from siting.errors import InputError
from siting.units import SPEED_PROFILES, parse_threshold, resolve_speed


@pytest.mark.parametrize(
    ("text", "metres_at_1mps"),
    [("5 min", 300), ("15 min", 900), ("300 m", 300), ("1.2 km", 1200), ("90 s", 90), ("10分钟", 600), ("500米", 500)],
)
def test_thresholds(text, metres_at_1mps):
    assert parse_threshold(text).metres(1.0) == pytest.approx(metres_at_1mps)


def test_gb50180_reproduced_at_default_speed():
    # 60 m/min reproduces GB 50180's 300 m per 5 minutes
    assert parse_threshold("5 min").metres(resolve_speed("walk")) == pytest.approx(300)
    assert resolve_speed("60 m/min") == pytest.approx(1.0)
    assert resolve_speed("elderly") == 0.8 == SPEED_PROFILES["elderly"]
    assert resolve_speed("4.5 km/h") == pytest.approx(1.25)
    assert parse_threshold("15 min").metres(0.8) == pytest.approx(720)
    assert parse_threshold("300 m").seconds(0.8) == pytest.approx(375)


@pytest.mark.parametrize("bad", ["5", "five min", "-5 min", "0 m", "5 parsecs", 5, ""])
def test_bad_thresholds(bad):
    with pytest.raises(InputError, match="5 min"):
        parse_threshold(bad)


@pytest.mark.parametrize("bad", ["running", "100 km/h/h", 0.0, 99.0])
def test_bad_speeds(bad):
    with pytest.raises(InputError):
        resolve_speed(bad)
