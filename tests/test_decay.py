"""Distance-decay functions: values by hand, and every problem reported at once."""

from __future__ import annotations

import math

import numpy as np
import pytest

from siting.decay import make_decay
from siting.errors import InputError


def test_values_by_hand():
    d = np.array([0.0, 100.0, 400.0, 1000.0, 1001.0])
    assert make_decay("linear", 1000)(d).tolist() == pytest.approx([1, 0.9, 0.6, 0, 0])
    e = make_decay("exponential", 1000, half_distance=400)
    assert e(d).tolist() == pytest.approx([1, 2 ** -0.25, 0.5, 2 ** -2.5, 0])
    assert e.beta == pytest.approx(math.log(2) / 400)
    g = make_decay("gaussian", 1000, sigma=400)
    assert g(d)[2] == pytest.approx(math.exp(-0.5))
    p = make_decay("power", 1000, beta=2, d0=200)
    assert p(d).tolist() == pytest.approx([1, 1, 0.25, 0.04, 0])
    s = make_decay("step", 900, steps=[[300, 1], [600, 0.5], [900, 0.1]])
    assert s([0, 300, 301, 900, 901]).tolist() == [1, 1, 0.5, 0.1, 0]
    assert make_decay("binary", 10)([10, 11]).tolist() == [1, 0]
    dai = make_decay("gaussian_dai", 1000)
    assert dai([0, 1000]).tolist() == pytest.approx([1, 0])
    assert "exp(-0.001733·d)" in e.describe() and e.to_dict()["kind"] == "exponential"


def test_every_problem_at_once():
    with pytest.raises(InputError) as err:
        make_decay("power", -5, sigma=3)
    msg = str(err.value)
    assert "cutoff" in msg and "takes no sigma" in msg and "needs beta" in msg
    with pytest.raises(InputError, match=r"needs beta .* or half_distance"):
        make_decay("exponential", 1000)
    with pytest.raises(InputError, match="unknown"):
        make_decay("logistic", 1000)
    with pytest.raises(InputError, match="never increase"):
        make_decay("step", 900, weights=[0.5, 1.0])
    with pytest.raises(InputError, match="end at the cutoff"):
        make_decay("step", 900, steps=[[300, 1], [600, 0.5]])
